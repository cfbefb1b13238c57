"""Open every page of a built site in headless Chromium, as a reader would, and report what went wrong.

Used on the web book (:mod:`radkit.devtools.book`, ``make book``): each page is
served from a local HTTP server and loaded in Debian's Chromium through
Playwright (the ``course`` extra; no browser download). A page fails when it
does not load, logs a console error or an uncaught exception, requests
anything from another host (the book must work offline), or shows an image
that did not decode.

Run ``python -m radkit.devtools.browse build/book/_build/html``.
"""

from __future__ import annotations

import argparse
import functools
import shutil
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["chromium", "browse", "main"]

_BROKEN_IMAGES = "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"


def chromium() -> str:
    """The path of the system's Chromium, or a clear error saying how to install it."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise FileNotFoundError(
            "Chromium is not installed; on Debian/Ubuntu: apt-get update && apt-get install -y chromium "
            "(the browser check drives it through Playwright and downloads no browser of its own)."
        )
    return path


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # one line per request would drown the report
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):  # the browser hung up
            super().handle_error(request, client_address)


def browse(
    site: str | Path, pages: list[str] | None = None, *, timeout_ms: int = 30_000, screenshots: str | Path | None = None
) -> dict[str, list[str]]:
    """Load each page of ``site`` in headless Chromium; return page -> problems (empty lists when all is well).

    Parameters
    ----------
    site : path
        A folder of HTML files (the book's ``_build/html``).
    pages : list of str, optional
        Pages to open, relative to ``site``; every ``*.html`` outside ``_static`` by default.
    screenshots : path, optional
        A folder for one full-page PNG per page, to look at what a reader sees.
    """
    site = Path(site)
    if not (site / "index.html").exists():
        raise FileNotFoundError(f"{site} has no index.html; build the site first (make book).")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        raise ModuleNotFoundError(
            "Playwright is not installed; install the course extra: pip install -e '.[course]'."
        ) from err
    if pages is None:
        pages = [
            str(p.relative_to(site)) for p in sorted(site.rglob("*.html")) if "_static" not in p.relative_to(site).parts
        ]
    server = _Server(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    report: dict[str, list[str]] = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium(), args=["--no-sandbox"], headless=True)
            context = browser.new_context()
            for name in pages:
                problems: list[str] = []
                page = context.new_page()
                page.on(
                    "console",
                    lambda m, p=problems: p.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
                )
                page.on("pageerror", lambda e, p=problems: p.append(f"uncaught: {e}"))
                page.on("requestfailed", lambda r, p=problems: p.append(f"request failed: {r.url}"))

                def outside(route, p=problems):
                    if urlsplit(route.request.url).hostname not in ("127.0.0.1", "localhost"):
                        p.append(f"fetches from the internet: {route.request.url}")
                        return route.abort()
                    return route.continue_()

                page.route("**/*", outside)
                response = page.goto(base + name, wait_until="load", timeout=timeout_ms)
                if response is None or not response.ok:
                    problems.append(f"did not load (HTTP {None if response is None else response.status})")
                page.wait_for_timeout(300)  # let MathJax and the theme's scripts run
                problems += [f"image did not decode: {src}" for src in page.evaluate(_BROKEN_IMAGES)]
                if screenshots is not None:
                    shot = Path(screenshots) / (name.replace("/", "__").removesuffix(".html") + ".png")
                    shot.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(shot), full_page=True)
                report[name] = problems
                page.close()
            browser.close()
    finally:
        server.shutdown()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m radkit.devtools.browse", description=__doc__.split("\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("pages", nargs="*")
    parser.add_argument("--screenshots", type=Path, default=None, help="save a full-page PNG of each page here")
    args = parser.parse_args(argv)
    report = browse(args.site, args.pages or None, screenshots=args.screenshots)
    bad = {k: v for k, v in report.items() if v}
    for name, problems in bad.items():
        for line in problems:
            print(f"{name}: {line}")
    print(f"{len(report)} pages opened in Chromium, {len(bad)} with problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
