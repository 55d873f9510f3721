"""Real HTTP servers and headless Chromium for the widget's browser tests.

- the service: the app over a small index of generated PDFs (hash embedder), on 127.0.0.1 at an
  ephemeral port, allowing CORS from one "partner" origin;
- two partner sites (other origins): one allowed by TOOLKIT_CORS_ORIGINS, one not, each serving
  a host page that embeds the widget with `<script src="{service}/widget.js" async>`;
- Debian's /usr/bin/chromium (or $TOOLKIT_CHROMIUM) driven by Playwright, never a downloaded
  browser. Without Chromium the tests skip locally with the reason, and fail in CI (CI=true).

Screenshots go to docs/screenshots/ with TOOLKIT_SAVE_SCREENSHOTS=1, else to a temporary folder.
"""

from __future__ import annotations

import html
import logging
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from index import HashEmbedder, build
from service import create_app
from tests import pdfs

ROOT = Path(__file__).resolve().parents[2]
XSS = "<img src=x onerror=alert(1)>"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"browser tests must run in CI, but {reason}", pytrace=False)
    pytest.skip(f"headless Chromium is not available: {reason}")


def guide() -> pdfs.Spec:
    return pdfs.Spec(
        title="Running a peer support group: a short guide",
        header="Running a peer support group",
        roman_front_pages=1,
        pages=[
            pdfs.Page(["Ground rules 1", "The first meeting 2", "Sharing the load 3"], "Contents"),
            pdfs.Page(
                [
                    "Agree the ground rules together at the first meeting.",
                    "Ask the group what would help everyone feel safe to speak.",
                    "Everyone has the chance to speak and nobody has to share.",
                    "What is said in the group stays in the group.",
                    "Write the ground rules up and bring them to every session.",
                ],
                "Agreeing ground rules",
            ),
            pdfs.Page(
                [
                    "Silence at a first meeting is normal and can be comfortable.",
                    "If nobody says anything, the facilitator can offer a gentle question.",
                    "Inviting people to talk in pairs first helps quieter members settle.",
                    "A round of names and a simple check-in question breaks the ice.",
                ],
                "The first meeting",
            ),
            pdfs.Page(
                [
                    "Two facilitators can share the load and cover for each other.",
                    "Agree in advance who opens the session and who watches the time.",
                    "Sharing the load between facilitators helps prevent burnout.",
                    "Take breaks, and ask for supervision when sessions feel heavy.",
                ],
                "Sharing the load",
            ),
            pdfs.Page(
                [
                    "Choose a venue with step-free access and a quiet private room.",
                    "Check that the venue is easy to reach by public transport.",
                ],
                "Choosing a venue",
            ),
            pdfs.Page(
                [
                    "If a member tells you they are thinking about suicide, stay calm and listen.",
                    "Ask them directly whether they are thinking about ending their life.",
                    "Do not leave someone alone if they are in immediate danger; call 999.",
                ],
                "When someone is thinking about suicide",
            ),
        ],
    )


def posters() -> pdfs.Spec:
    return pdfs.Spec(
        title="Posters and publicity",
        pages=[
            pdfs.Page(
                [
                    "Posters on the library noticeboard bring new members to a group.",
                    f"One poster template once contained {XSS} as its picture caption.",
                    "Keep the noticeboard poster short, friendly and easy to read.",
                ],
                "Noticeboard posters",
            )
        ],
    )


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("browser")
    docs = folder / "docs"
    docs.mkdir()
    pdfs.write(docs / "guide.pdf", guide())
    pdfs.write(docs / "posters.pdf", posters())
    out = folder / "index"
    build(docs, out, HashEmbedder(), progress=False)
    return docs, out


@pytest.fixture
def make_client(index_dir, tmp_path):
    """A Flask test client of the app over the browser tests' index (no browser)."""
    docs, index = index_dir

    def make(**config):
        app = create_app(
            {
                "TESTING": True,
                "INDEX_DIR": str(index),
                "DOCS_DIR": str(docs),
                "MODEL": "hash",
                "DATABASE": f"sqlite:///{tmp_path / 'web.db'}",
                "RELOAD_INTERVAL": 0.0,
                "SECRET_KEY": "web-tests",
                "RATELIMIT_ENABLED": False,
                **config,
            }
        )
        return app.test_client()

    return make


@dataclass
class Server:
    url: str  # the origin, http://127.0.0.1:PORT
    server: object
    thread: threading.Thread


def _serve(app) -> Server:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return Server(f"http://127.0.0.1:{server.server_port}", server, thread)


HOSTILE_CSS = """
* { font-family: "Comic Sans MS", cursive !important; color: red !important;
    letter-spacing: 3px !important; }
button, section, div { display: none !important; background: lime !important; }
peer-toolkit-widget { display: none !important; opacity: 0 !important; }
"""


def host_app(service: dict) -> object:
    """A partner's page: `/?accent=...&position=...&hostile=1` embeds the widget from the
    service with those data-* options (`service["url"]` is filled in once it is running)."""

    @Request.application
    def app(request: Request) -> Response:
        if request.path != "/":
            return Response("not found", 404)
        params = dict(parse_qsl(request.query_string.decode()))
        hostile = params.pop("hostile", None)
        attrs = "".join(
            f' data-{html.escape(k)}="{html.escape(v)}"' for k, v in params.items() if v
        )
        style = f"<style>{HOSTILE_CSS}</style>" if hostile else ""
        page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Partner site</title>{style}</head>
<body>
<h1>A partner's page</h1>
<p><a id="host-link" href="#top">A link on the host page</a></p>
<p class="tk-note" id="host-note">Host text with a class the widget also uses.</p>
<script>
  window.hostKeys = [];
  document.addEventListener("keydown", (e) => window.hostKeys.push(e.key));
</script>
<script src="{service["url"]}/widget.js" async{attrs}></script>
</body></html>"""
        return Response(page, mimetype="text/html")

    return app


@pytest.fixture(scope="session")
def servers(index_dir) -> Iterator[dict[str, Server]]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    service: dict = {}
    partner = _serve(host_app(service))
    stranger = _serve(host_app(service))
    docs, index = index_dir
    folder = index.parent
    app = create_app(
        {
            "TESTING": True,
            "INDEX_DIR": str(index),
            "DOCS_DIR": str(docs),
            "MODEL": "hash",
            "DATABASE": f"sqlite:///{folder / 'browser.db'}",
            "ANSWER_THRESHOLD": 0.2,
            "RELOAD_INTERVAL": 0.0,
            "CORS_ORIGINS": f"{partner.url}, https://unused.example.org",
            "SECRET_KEY": "browser-tests",
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_ANONYMOUS": "100000/minute",
        }
    )
    api = _serve(app)
    service["url"] = api.url
    yield {"api": api, "partner": partner, "stranger": stranger}
    for s in (api, partner, stranger):
        s.server.shutdown()


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    path = os.environ.get("TOOLKIT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        _unavailable(f"no browser at {path} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install -r requirements.txt)")
    manager = sync_playwright().start()
    try:
        browser = manager.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
    except Exception as exc:
        manager.stop()
        _unavailable(f"{path} did not start: {exc}")
    yield browser
    browser.close()
    manager.stop()


@dataclass
class Tab:
    """A page with everything it reported: console errors, uncaught errors, dialogs."""

    page: object
    context: object
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def _open_tab(chromium, **options) -> Tab:
    context = chromium.new_context(**options)
    page = context.new_page()
    tab = Tab(page, context)
    page.on("console", lambda m: m.type == "error" and tab.errors.append(m.text))
    page.on("pageerror", lambda exc: tab.errors.append(str(exc)))

    def dialog(d):
        tab.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.set_default_timeout(10_000)
    return tab


@pytest.fixture
def tab(chromium) -> Iterator[Tab]:
    t = _open_tab(chromium, viewport=DESKTOP)
    yield t
    t.context.close()


@pytest.fixture
def open_tab(chromium) -> Iterator:
    """A factory for tabs with other options (phone viewport, reduced motion, ...)."""
    opened: list[Tab] = []

    def make(**options) -> Tab:
        opened.append(_open_tab(chromium, **options))
        return opened[-1]

    yield make
    for t in opened:
        t.context.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    if os.environ.get("TOOLKIT_SAVE_SCREENSHOTS") == "1":
        folder = ROOT / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path
