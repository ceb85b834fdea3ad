"""Screenshots of the employee's pages in every language, for docs/web.md ("Screenshots").

For each of en, sv, da, fi and nb it writes to ``docs/images/`` (or ``--out``):

- ``share-phone-LANG.png``: a role share link (the installer of the example) opened on a
  phone, 360×800 CSS px, the whole page;
- ``present-projector-LANG.png``: the same page in presentation mode at 1920×1080 (what
  a projector shows, the first screen);
- ``card-print-LANG.png``: the role's card as a browser prints it (print media at the
  width of A4, 794 CSS px), the page ``tests/web/test_card_print_browser.py`` counts.

It starts its own ``journeymap serve`` on a free port with a database in a temporary
folder, makes a workspace, fits the example map to the example survey, makes a share link
and drives Debian's Chromium (``/usr/bin/chromium``) with Playwright; nothing else is
touched.  Run it from the repository with ``make screenshots`` (or
``python tools/screenshots.py``); it takes about a minute.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CHROMIUM = "/usr/bin/chromium"
LANGUAGES = ("en", "sv", "da", "fi", "nb")
ROLE = "installer"
PHONE = {"width": 360, "height": 800}
PROJECTOR = {"width": 1920, "height": 1080}
A4 = {"width": 794, "height": 1123}  # 210 × 297 mm at 96 CSS px per inch
LISTENING = re.compile(rb"Uvicorn running on http://127\.0\.0\.1:(\d+) ")


def _journeymap() -> str:
    return str(Path(sys.executable).with_name("journeymap"))


def start_server(tmp: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    """``journeymap serve`` on a port it binds itself; (process, base URL, workspace key)."""
    db = f"sqlite:///{tmp / 'journeymap.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYMAP_")}
    key = subprocess.run([_journeymap(), "admin", "create-workspace", "screenshots",
                          "--db", db], capture_output=True, text=True, check=True,
                         env=env).stdout.strip()
    log = tmp / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([_journeymap(), "serve", "--host", "127.0.0.1", "--port", "0",
                                 "--db", db, "--data-dir", str(tmp / "data"),
                                 "--log-level", "info"], env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"error: the server stopped: {log.read_text()[-2000:]}")
        found = LISTENING.search(log.read_bytes())
        if found:
            url = f"http://127.0.0.1:{int(found.group(1))}"
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    return proc, url, key
            except httpx.TransportError:
                pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit("error: the server did not start within 120 s")


def share_link(url: str, key: str) -> str:
    """Fit the example and make a share link for the installer's page."""
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"},
                      timeout=120) as api:
        m = api.post("/v1/maps", json={"source": (EXAMPLES / "kitchen_b2b.yaml").read_text(
            encoding="utf-8"), "filename": "kitchen_b2b.yaml"}).raise_for_status().json()
        with (EXAMPLES / "kitchen_b2b.csv").open("rb") as f:
            d = api.post("/v1/datasets", files={"file": ("kitchen_b2b.csv", f, "text/csv")}
                         ).raise_for_status().json()
        fit = api.post("/v1/fits", json={"map_id": m["id"], "dataset_id": d["id"]}
                       ).raise_for_status().json()
        deadline = time.monotonic() + 300
        while fit["status"] not in ("done", "failed"):
            if time.monotonic() > deadline:
                raise SystemExit("error: the fit did not finish within 300 s")
            time.sleep(0.2)
            fit = api.get(f"/v1/fits/{fit['id']}").raise_for_status().json()
        if fit["status"] != "done":
            raise SystemExit(f"error: the fit failed: {fit['error']}")
        link: str = api.post(f"/v1/fits/{fit['id']}/roles/{ROLE}/share"
                             ).raise_for_status().json()["url"]
    return link


def shrink(path: Path) -> None:
    """Store ``path`` with a 256-colour palette (a third of the bytes; text stays sharp)
    when Pillow is installed (WeasyPrint, the ``pdf`` extra, brings it)."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as im:
        small = im.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    small.save(path, optimize=True)


def shoot(browser: Any, link: str, lang: str, out: Path) -> list[Path]:
    """The three pictures of one language."""
    made = []
    ctx = browser.new_context(viewport=PHONE, extra_http_headers={"Accept-Language": lang})
    page = ctx.new_page()
    page.goto(link)
    path = out / f"share-phone-{lang}.png"
    page.screenshot(path=str(path), full_page=True)
    made.append(path)
    ctx.close()

    ctx = browser.new_context(viewport=PROJECTOR, extra_http_headers={"Accept-Language": lang})
    page = ctx.new_page()
    page.goto(link + "?present=1")
    path = out / f"present-projector-{lang}.png"
    page.screenshot(path=str(path))
    made.append(path)
    ctx.close()

    ctx = browser.new_context(viewport=A4, extra_http_headers={"Accept-Language": lang})
    page = ctx.new_page()
    page.goto(f"{link}/roles/{ROLE}/card.html?lang={lang}")
    page.emulate_media(media="print")
    path = out / f"card-print-{lang}.png"
    page.screenshot(path=str(path), full_page=True)
    made.append(path)
    ctx.close()
    for path in made:
        shrink(path)
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images",
                        help="folder of the pictures (default: docs/images)")
    parser.add_argument("--lang", nargs="+", choices=LANGUAGES, default=list(LANGUAGES))
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        proc, url, key = start_server(Path(tmp))
        try:
            link = share_link(url, key)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                try:
                    for lang in args.lang:
                        for path in shoot(browser, link, lang, args.out):
                            print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
                                  f"  {path.stat().st_size // 1024} KB")
                finally:
                    browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
