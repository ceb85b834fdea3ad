/* journeymap web pages: small progressive enhancements (everything works without them
   except the live parts, which need htmx). No inline scripts: the CSP allows 'self' only. */
(function () {
  "use strict";

  function lineCount(text) { return text.split("\n").length; }

  /* Line numbers beside the map text, with the lines named by problems marked. */
  function badLines() {
    var out = {};
    document.querySelectorAll("#check [data-line]").forEach(function (el) {
      out[el.getAttribute("data-line")] = true;
    });
    return out;
  }

  function drawGutter() {
    var ta = document.getElementById("source");
    var gutter = document.getElementById("gutter");
    if (!ta || !gutter) return;
    var n = lineCount(ta.value), bad = badLines(), parts = [];
    for (var i = 1; i <= n; i++) {
      parts.push(bad[String(i)] ? '<span class="bad-line">' + i + "</span>" : String(i));
    }
    gutter.innerHTML = parts.join("\n");
    gutter.scrollTop = ta.scrollTop;
  }

  function gotoLine(line) {
    var ta = document.getElementById("source");
    if (!ta) return;
    var lines = ta.value.split("\n");
    var start = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
    var end = start + (lines[line - 1] || "").length;
    ta.focus();
    ta.setSelectionRange(start, end);
    var lh = parseFloat(getComputedStyle(ta).lineHeight) || 20;
    ta.scrollTop = Math.max(0, (line - 4) * lh);
    drawGutter();
  }

  document.addEventListener("input", function (e) {
    var t = e.target;
    if (t && t.id === "source") drawGutter();
    if (t && t.type === "range" && t.id) {
      var out = document.querySelector('output[for="' + t.id + '"]');
      if (out) {
        var v = parseFloat(t.value);
        out.textContent = v > 0 ? "+" + v : (v < 0 ? "\u2212" + (-v) : "0");
      }
    }
  });
  document.addEventListener("reset", function (e) {
    setTimeout(function () {
      e.target.querySelectorAll("output").forEach(function (o) { o.textContent = "0"; });
    }, 0);
  });
  document.addEventListener("scroll", function (e) {
    if (e.target && e.target.id === "source") {
      var g = document.getElementById("gutter");
      if (g) g.scrollTop = e.target.scrollTop;
    }
  }, true);
  document.addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest("button.goto") : null;
    if (b) gotoLine(parseInt(b.getAttribute("data-line"), 10));
  });

  /* Tell people at once when a file is larger than the server accepts. */
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (!t || t.type !== "file") return;
    var form = t.form, max = form && parseInt(form.getAttribute("data-max-bytes"), 10);
    var msg = document.getElementById("file-too-large");
    if (!max || !msg || !t.files || !t.files[0]) return;
    if (t.files[0].size > max) {
      msg.textContent = "This file is larger than the server accepts (" +
        Math.round(max / 1048576) + " MB).";
      msg.hidden = false;
    } else {
      msg.hidden = true;
    }
  });

  document.addEventListener("htmx:afterSettle", drawGutter);
  document.addEventListener("DOMContentLoaded", drawGutter);
})();
