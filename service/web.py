"""The browser side: the chat widget (/widget.js, /widget.css), a demo page at / with the widget
on it, and CORS for /api/v1/* from the origins in CORS_ORIGINS (TOOLKIT_CORS_ORIGINS).

The widget is embedded with `<script src="https://HOST/widget.js" async></script>`; its files
need no CORS (a classic script and a stylesheet load from any origin), and neither do the PDFs
under /documents/, which open in a new tab. Only the JSON API is called from other origins.
"""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    make_response,
    render_template,
    send_from_directory,
)
from flask_cors import CORS

from . import viewer
from .documents import public_url

WIDGET_DIR = Path(__file__).parent / "widget"
bp = Blueprint("web", __name__, template_folder="widget")
DEMO_TITLE = "Ask the toolkit"
DEMO_ACCENT = "#5b3d8f"  # the fictional charity's brand colour

# The demo page loads nothing from anywhere else; the widget works under this policy.
DEMO_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


def _static(filename: str, mimetype: str):
    response = send_from_directory(WIDGET_DIR, filename, mimetype=mimetype, max_age=300)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/")
def demo():
    widget_url = public_url("web.widget_js")
    page = render_template("demo.html", title=DEMO_TITLE, accent=DEMO_ACCENT, widget_url=widget_url)
    response = make_response(page)
    response.headers["Content-Security-Policy"] = DEMO_CSP
    return response


@bp.get("/widget.js")
def widget_js():
    return _static("widget.js", "text/javascript")


@bp.get("/widget.css")
def widget_css():
    return _static("widget.css", "text/css")


@bp.get("/demo.css")
def demo_css():
    return _static("demo.css", "text/css")


def cors_origins(value: object) -> list[str]:
    """'https://a.org, https://b.org/' -> ['https://a.org', 'https://b.org'] ('*' allows all)."""
    if isinstance(value, str):
        value = value.split(",")
    return [str(o).strip().rstrip("/") for o in value or () if str(o).strip()]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    viewer.init_app(app)
    CORS(
        app,
        resources={r"/api/v1/.*": {"origins": cors_origins(app.config.get("CORS_ORIGINS"))}},
        methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", "Authorization"],
        expose_headers=["Retry-After"],
        max_age=600,
        supports_credentials=False,
        vary_header=True,
    )
