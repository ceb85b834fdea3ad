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

  /* A map's arrows (``[data-edge]``, made keyboard stops by the server): a tap, a click,
     Enter or Space shows the arrow's words from the list under the map in the panel. */
  function showArrow(g) {
    var id = g.getAttribute("data-edge");
    var item = document.getElementById("about-" + id);
    var panel = document.getElementById("arrow-details");
    if (!item || !panel) return;
    document.querySelectorAll("[data-edge].selected, .arrows li.selected").forEach(function (el) {
      el.classList.remove("selected");
    });
    g.classList.add("selected");
    item.classList.add("selected");
    var copy = document.createElement("p");
    copy.innerHTML = item.innerHTML;
    panel.replaceChildren(copy);
    var box = panel.closest(".arrow-panel");
    if (box) {
      box.classList.add("chosen");
      var close = box.querySelector(".arrow-close");
      if (close) close.hidden = false;
    }
  }
  document.addEventListener("click", function (e) {
    var g = e.target.closest ? e.target.closest("[data-edge]") : null;
    if (g) showArrow(g);
    var close = e.target.closest ? e.target.closest(".arrow-close") : null;
    if (close) {
      var box = close.closest(".arrow-panel");
      if (box) box.classList.remove("chosen");
      close.hidden = true;
      var chosen = document.querySelector("[data-edge].selected");
      if (chosen) chosen.focus({ preventScroll: true });
    }
  });
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if ((e.key === "Enter" || e.key === " ") && t && t.matches && t.matches("[data-edge]")) {
      e.preventDefault();
      showArrow(t);
    }
  });

  document.addEventListener("htmx:afterSettle", drawGutter);
  document.addEventListener("DOMContentLoaded", drawGutter);
})();
