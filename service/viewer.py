"""The service's own PDF viewer: /documents/<filename>/view?page=N opens the PDF with PDF.js at
that page and marks the quoted sentences (carried in the URL's fragment) with <mark> in the
page's text layer.

Why our own: phones commonly ignore #page=N or download the PDF, and no built-in viewer shows
which sentences were quoted. PDF.js (pdfjs-dist, vendored under widget/vendor/pdfjs/) is served
from this host and the page's policy allows nothing from anywhere else.

The sentences travel in the fragment (`#q=...&q=...`), which browsers never send to a server:
they stay out of access logs, and the viewer page itself is the same for every citation of a
document. A long sentence is carried as its first and last words ("head … tail"); the viewer
marks everything from the head to the tail.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from apiflask import abort
from flask import (
    Blueprint,
    Flask,
    current_app,
    make_response,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from index import Hit

from .documents import public_url

WIDGET_DIR = Path(__file__).parent / "widget"
PDFJS_DIR = WIDGET_DIR / "vendor" / "pdfjs"
bp = Blueprint("viewer", __name__, template_folder="widget")

MAX_SENTENCES = 5  # highlighted per citation: an answer quotes at most 4 sentences
WHOLE_CHARS = 120  # a sentence up to this long is carried whole
HEAD_CHARS = 60  # otherwise about this much of its start
TAIL_CHARS = 30  # and of its end
ELLIPSIS = " … "

# Nothing from elsewhere: scripts, the PDF.js worker, its fonts and the PDF all come from here.
# PDF.js runs with isEvalSupported=false, so no 'unsafe-eval'; styles set from script (CSSOM)
# need no 'unsafe-inline'.
VIEWER_CSP = (
    "default-src 'none'; script-src 'self'; worker-src 'self'; style-src 'self'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'; object-src 'none'"
)
ASSETS = {"viewer.js": "text/javascript", "viewer.css": "text/css"}
PDFJS = {
    "pdf.min.mjs": "text/javascript",
    "pdf.worker.min.mjs": "text/javascript",
}
FONT_TYPES = {".pfb": "application/octet-stream", ".ttf": "font/ttf"}


def _letters(words: Sequence[str]) -> int:
    return sum(1 for w in words for ch in w if ch.isalnum())


def _compact(sentence: str) -> str:
    """The sentence, or its head and tail around ' … ' when it is long: whole words, each
    with enough letters and digits to be found (the viewer compares only those; a form's
    '______' has none)."""
    text = " ".join(sentence.split())
    if len(text) <= WHOLE_CHARS:
        return text
    words = text.split(" ")
    head: list[str] = []
    while words and (_letters(head) < HEAD_CHARS * 2 // 3 or not head):
        head.append(words.pop(0))
    tail: list[str] = []
    while words and (_letters(tail) < TAIL_CHARS * 2 // 3 or not tail):
        tail.insert(0, words.pop())
    if not words:  # nothing left between them
        return text
    return f"{' '.join(head)}{ELLIPSIS}{' '.join(tail)}"


def viewer_url(filename: str, page: int, sentences: Sequence[str] = ()) -> str:
    """The viewer opening `filename` at physical `page` with `sentences` highlighted.

    The URL stays short whatever the sentences: at most MAX_SENTENCES, each cut to about 90
    characters (see the module docstring)."""
    url = public_url("viewer.view", filename=filename, page=page)
    seen: list[str] = []
    for s in sentences:
        text = _compact(s)
        if text and text not in seen:
            seen.append(text)
    if not seen:
        return url
    return url + "#" + "&".join("q=" + quote(s, safe="") for s in seen[:MAX_SENTENCES])


def best_sentence(hit: Hit) -> list[str]:
    """The passage's sentence most similar to the query (of five words or more), for
    citations that quote nothing (/search, the further reading of an answer)."""
    scored = [
        (score, s)
        for s, score in zip(hit.chunk.sentences, hit.sentence_scores, strict=False)
        if len(s.split()) >= 5
    ]
    return [max(scored)[1]] if scored else []


def citation_viewer_url(hit: Hit, quoted: Sequence[str] = ()) -> str:
    """`viewer_url` for a citation: its quoted sentences, else its best sentence."""
    sentences = list(quoted) or best_sentence(hit)
    return viewer_url(hit.document.filename, hit.chunk.page_start, sentences)


@bp.get("/documents/<path:filename>/view")
def view(filename: str):
    documents = {d.filename: d for d in current_app.extensions["toolkit"].index().documents}
    document = documents.get(filename)
    if document is None:
        abort(404, "No such document.")
    page = request.args.get("page", 1, type=int) or 1
    page = min(max(page, 1), max(document.pages, 1))
    pdf = public_url("documents.pdf", filename=filename)
    html = render_template(
        "viewer.html",
        title=document.title or document.filename,
        pdf=pdf,
        page=page,
        pages=document.pages,
        worker=url_for("viewer.pdfjs", filename="pdf.worker.min.mjs"),
        # the folder PDF.js fetches the standard 14 fonts from (it appends their names)
        fonts=url_for("viewer.font", filename="x").removesuffix("x"),
    )
    response = make_response(html)
    response.headers["Content-Security-Policy"] = VIEWER_CSP
    response.headers["Cache-Control"] = "no-cache"
    return response


def _send(folder: Path, filename: str, mimetype: str, max_age: int = 86400):
    response = send_from_directory(folder, filename, mimetype=mimetype, max_age=max_age)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/viewer/<any(" + ", ".join(f'"{a}"' for a in ASSETS) + "):filename>")
def asset(filename: str):
    return _send(WIDGET_DIR, filename, ASSETS[filename], max_age=300)


@bp.get("/viewer/pdfjs/<any(" + ", ".join(f'"{a}"' for a in PDFJS) + "):filename>")
def pdfjs(filename: str):
    return _send(PDFJS_DIR, filename, PDFJS[filename])


@bp.get("/viewer/pdfjs/standard_fonts/<filename>")
def font(filename: str):
    mimetype = FONT_TYPES.get(Path(filename).suffix)
    if mimetype is None:
        abort(404, "No such font.")
    return _send(PDFJS_DIR / "standard_fonts", filename, mimetype)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
