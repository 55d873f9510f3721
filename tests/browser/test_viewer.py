"""The PDF viewer page (service/viewer.py): viewer_url, the page's policy, and in headless
Chromium the cited page opened with the quoted sentences marked, on a desktop and a phone."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest

from service.viewer import MAX_SENTENCES, viewer_url
from tests.browser.conftest import PHONE, ROOT, _serve, guide

GROUND_RULES = "How do we agree ground rules as a group?"
ASKED = "Agree the ground rules together at the first meeting."


@pytest.fixture
def client(make_client):
    return make_client()


def sentences_of(url: str) -> list[str]:
    return [unquote(p[2:]) for p in urlsplit(url).fragment.split("&") if p.startswith("q=")]


def test_viewer_url_opens_the_page_and_carries_the_sentences_in_the_fragment(make_client):
    app = make_client().application
    long = "word " * 80 + "and the very last words."
    with app.test_request_context():
        url = viewer_url("guide.pdf", 3, ["One short sentence.", long, "One short sentence."])
    parts = urlsplit(url)
    assert parts.path == "/documents/guide.pdf/view"
    assert parse_qs(parts.query) == {"page": ["3"]}
    got = sentences_of(url)
    assert got[0] == "One short sentence."
    assert len(got) == 2, "the same sentence is carried once"
    head, tail = got[1].split(" … ")
    assert long.startswith(head) and long.endswith(tail) and tail.endswith("last words.")
    with app.test_request_context():
        many = viewer_url("guide.pdf", 1, [f"Sentence number {i} " + long for i in range(9)])
        none = viewer_url("guide.pdf", 1, [])
    assert len(sentences_of(many)) == MAX_SENTENCES
    assert len(many) < 1200, "short whatever the sentences"
    assert "#" not in none


def test_viewer_url_uses_the_public_url(make_client):
    app = make_client(PUBLIC_URL="https://toolkit.example.org/").application
    with app.test_request_context():
        url = viewer_url("guide.pdf", 2, ["A sentence here."])
    assert url.startswith("https://toolkit.example.org/documents/guide.pdf/view?page=2#q=A%20")


def test_every_citation_has_a_viewer_url_with_its_quoted_sentences(client):
    body = client.post("/api/v1/ask", json={"question": GROUND_RULES}).get_json()
    assert body["answered"]
    first = body["citations"][0]
    assert first["url"] == "http://localhost/documents/guide.pdf#page=2"
    assert first["viewer_url"].startswith("http://localhost/documents/guide.pdf/view?page=2#q=")
    quoted = [s for s in sentences_of(first["viewer_url"])]
    assert quoted and all(s in body["answer"] for s in quoted)
    assert ASKED in quoted
    # passages the answer does not quote: their best sentence
    for c in body["citations"]:
        path = urlsplit(c["viewer_url"]).path
        assert path == f"/documents/{c['document']['filename']}/view"
        assert f"?page={c['page_start']}" in c["viewer_url"]
        assert sentences_of(c["viewer_url"]), c


def test_search_results_highlight_their_best_sentence(client):
    body = client.post("/api/v1/search", json={"query": "choose a venue step-free"}).get_json()
    top = body["results"][0]
    assert top["page_start"] == 5
    [best] = sentences_of(top["viewer_url"])
    assert best in top["text"]


def test_viewer_page_has_a_strict_policy_and_only_this_hosts_files(client):
    r = client.get("/documents/guide.pdf/view?page=2")
    assert r.status_code == 200 and r.mimetype == "text/html"
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self';" in csp
    assert "unsafe" not in csp and "http" not in csp
    page = r.get_data(as_text=True)
    assert 'data-page="2"' in page and "Running a peer support group: a short guide" in page
    urls = [c.split('"', 1)[0] for a in ('src="', 'href="') for c in page.split(a)[1:]]
    for url in urls:
        assert url.startswith(("/", "data:", "http://localhost/")), url
        if url.startswith("/"):
            assert client.get(url).status_code == 200, url
    for path in (
        "/viewer/pdfjs/pdf.min.mjs",
        "/viewer/pdfjs/pdf.worker.min.mjs",
        "/viewer/viewer.js",
    ):
        asset = client.get(path)
        assert asset.status_code == 200 and asset.mimetype == "text/javascript", path
    font = client.get("/viewer/pdfjs/standard_fonts/LiberationSans-Regular.ttf")
    assert font.status_code == 200 and font.data[:4] == b"\x00\x01\x00\x00"


@pytest.mark.parametrize(
    "path",
    [
        "/documents/nope.pdf/view",
        "/documents/..%2fwsgi.py/view",
        "/viewer/pdfjs/pdf.mjs",
        "/viewer/pdfjs/standard_fonts/LICENSE_FOXIT",
        "/viewer/pdfjs/standard_fonts/..%2f..%2fviewer.js",
    ],
)
def test_only_indexed_documents_and_known_files_are_served(client, path):
    assert client.get(path).status_code == 404


def test_a_page_out_of_range_opens_the_nearest_page(client):
    assert 'data-page="6"' in client.get("/documents/guide.pdf/view?page=99").get_data(True)
    assert 'data-page="1"' in client.get("/documents/guide.pdf/view?page=x").get_data(True)


# --- in the browser -------------------------------------------------------------------

MARKS_JS = "() => [...document.querySelectorAll('.textLayer mark')].map(m => m.textContent)"


def ask_api(page, api: str, question: str) -> dict:
    return page.request.post(f"{api}/api/v1/ask", data={"question": question}).json()


def open_viewer(tab, url: str) -> list[str]:
    """Open `url`, wait for the page to be drawn; returns the hosts of every request."""
    hosts: list[str] = []
    tab.page.on("request", lambda r: hosts.append(urlsplit(r.url).netloc))
    tab.page.goto(url)
    tab.page.wait_for_function("() => document.getElementById('main').dataset.shown")
    return hosts


def shown(page, n: int) -> None:
    page.wait_for_function(f"() => document.getElementById('main').dataset.shown === '{n}'")


def marked_text(page) -> str:
    return " ".join("".join(page.evaluate(MARKS_JS)).split())


@pytest.mark.browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_viewer_opens_the_cited_page_with_the_quoted_sentences_marked(
    open_tab, servers, shots, size
):
    phone = size == "phone"
    options = (
        {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
        if phone
        else {"viewport": {"width": 1280, "height": 800}}
    )
    tab = open_tab(**options)
    page, api = tab.page, servers["api"].url
    body = ask_api(page, api, GROUND_RULES)
    first = body["citations"][0]
    quoted = sentences_of(first["viewer_url"])
    hosts = open_viewer(tab, first["viewer_url"])

    assert page.locator("#page-number").input_value() == "2"
    # the printed label and the physical page differ: both are said
    assert page.locator("#where").inner_text() == "p. 1 (page 2 of the PDF)"
    status = page.locator("#status").inner_text()
    assert f"{len(quoted)} quoted sentence" in status and "highlighted" in status
    marked = marked_text(page)
    for sentence in quoted:
        assert sentence in marked, (sentence, marked)
    others = [line for line in guide().pages[1].lines if line not in quoted]
    assert others, "the page has sentences the answer does not quote"
    for sentence in others:
        assert sentence.rstrip(".") not in marked, "only the quoted sentences are marked"

    # each mark lies over the canvas's text, and the first is on screen
    mark = page.locator(".textLayer mark").first
    box, sheet = mark.bounding_box(), page.locator("#sheet").bounding_box()
    assert box["width"] > 20 and box["height"] > 4
    assert sheet["x"] <= box["x"] and box["x"] + box["width"] <= sheet["x"] + sheet["width"] + 1
    height = page.viewport_size["height"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= height
    if phone:
        assert sheet["width"] <= PHONE["width"], "fits the phone's width"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    assert set(hosts) == {urlsplit(api).netloc}, "no request to any other host"
    assert tab.errors == [], "no console errors (a CSP violation would be one)"
    page.screenshot(path=str(shots / f"viewer-{size}.png"))

    # by keyboard: the quoted text itself, for a screen reader to read
    page.locator("#to-mark").focus()
    page.keyboard.press("Enter")
    focused = page.evaluate(
        "() => document.activeElement.localName + ':' + document.activeElement.textContent"
    )
    assert focused == "mark:" + page.evaluate(MARKS_JS)[0]


@pytest.mark.browser
def test_the_viewer_pages_zooms_and_downloads(open_tab, servers):
    tab = open_tab(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page, api = tab.page, servers["api"].url
    hosts = open_viewer(tab, f"{api}/documents/guide.pdf/view?page=1")
    assert page.locator("#where").inner_text() == "p. i (page 1 of the PDF)"
    assert page.locator("#prev").is_disabled()
    width = page.locator("#sheet").bounding_box()["width"]

    page.locator("#next").tap()
    shown(page, 2)
    assert page.locator("#where").inner_text() == "p. 1 (page 2 of the PDF)"
    assert "page=2" in page.url
    assert page.locator(".textLayer mark").count() == 0, "nothing to mark without sentences"
    assert not page.locator("#to-mark").is_visible()
    assert page.locator("#status").inner_text() == ""

    page.locator("#zoom-in").tap()
    page.wait_for_function(f"() => document.getElementById('sheet').offsetWidth > {width + 5}")
    assert page.locator("#fit").get_attribute("aria-pressed") == "false"
    page.locator("#fit").tap()
    page.wait_for_function(
        f"() => Math.abs(document.getElementById('sheet').offsetWidth - {width}) < 2"
    )

    # by keyboard: a page number and Enter
    page.locator("#page-number").fill("6")
    page.locator("#page-number").press("Enter")
    shown(page, 6)
    assert page.locator("#next").is_disabled()
    assert "Choose a venue" not in page.locator(".textLayer").inner_text()

    download = page.locator("#download")
    assert download.get_attribute("href") == f"{api}/documents/guide.pdf"
    assert set(hosts) == {urlsplit(api).netloc}
    assert tab.errors == []


AXE_JS = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_RUN = """async (tags) => (await axe.run(document, {
  runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] })).violations
  .map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.html.slice(0, 120)) }))"""


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_viewer_has_no_accessibility_violations(open_tab, servers, size, scheme):
    if not AXE_JS.is_file():
        reason = f"axe-core is not installed at {AXE_JS} (npm ci --prefix tests/browser)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    viewport = PHONE if size == "phone" else {"width": 1280, "height": 800}
    tab = open_tab(viewport=viewport, color_scheme=scheme)
    page, api = tab.page, servers["api"].url
    body = ask_api(page, api, GROUND_RULES)
    open_viewer(tab, body["citations"][0]["viewer_url"])
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    found = page.evaluate(AXE_RUN, AXE_TAGS)
    assert not found, json.dumps(found, indent=1)


@pytest.mark.browser
def test_a_long_sentence_and_one_that_runs_on_to_the_next_page_are_marked(open_tab, servers):
    tab = open_tab(viewport={"width": 1024, "height": 768})
    page, api = tab.page, servers["api"].url
    lines = guide().pages[1].lines
    # "head … tail", as viewer_url carries a long sentence: everything between is marked
    long = f"{lines[0][:30]} … {lines[-1][-25:]}"
    # a sentence whose end is on the next page (physical page 3)
    runs_on = lines[-1] + " " + guide().pages[2].lines[0]
    fragment = "&".join("q=" + quote(s, safe="") for s in (long, runs_on))
    open_viewer(tab, f"{api}/documents/guide.pdf/view?page=2#{fragment}")
    marked = marked_text(page)
    assert all(line.rstrip(".") in marked for line in lines), marked
    assert "2 quoted sentences are highlighted" in page.locator("#status").inner_text()
    page.locator("#next").click()
    shown(page, 3)
    assert marked_text(page) == guide().pages[2].lines[0], "the rest of it, on the next page"
    assert "1 quoted sentence is highlighted" in page.locator("#status").inner_text()
    page.locator("#next").click()
    shown(page, 4)
    assert marked_text(page) == ""
    assert page.locator("#status").inner_text() == "The quoted text is not on this page."


@pytest.mark.browser
def test_quotes_on_the_page_after_the_cited_one_open_that_page(open_tab, servers):
    """A passage over a page break is cited at its first page; its quote may be on the next."""
    tab = open_tab(viewport={"width": 1024, "height": 768})
    page, api = tab.page, servers["api"].url
    on_page_3 = guide().pages[2].lines[2]
    open_viewer(tab, f"{api}/documents/guide.pdf/view?page=2#q={quote(on_page_3, safe='')}")
    shown(page, 3)
    assert marked_text(page) == on_page_3
    assert "page=3" in page.url
    # nowhere near: the cited page stays, and says so
    nowhere = quote("A sentence that is in none of these documents at all.", safe="")
    page.goto(f"{api}/documents/guide.pdf/view?page=2#q={nowhere}")
    shown(page, 2)
    assert page.locator("#status").inner_text() == "The quoted text is not on this page."


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    """The service over the bundled sample-edition PDFs (docs_src/), hash embedder."""
    from index import HashEmbedder, build
    from service import create_app

    folder = tmp_path_factory.mktemp("bundled")
    build(ROOT / "docs_src", folder / "index", HashEmbedder(), progress=False)
    app = create_app(
        {
            "TESTING": True,
            "INDEX_DIR": str(folder / "index"),
            "DOCS_DIR": str(ROOT / "docs_src"),
            "MODEL": "hash",
            "DATABASE": f"sqlite:///{folder / 'bundled.db'}",
            "RELOAD_INTERVAL": 0.0,
            "SECRET_KEY": "viewer-tests",
            "RATELIMIT_ENABLED": False,
        }
    )
    server = _serve(app)
    yield app, server.url
    server.server.shutdown()


@pytest.mark.browser
def test_sentences_of_the_bundled_documents_are_found_and_marked(open_tab, bundled):
    """Real PDFs (page labels, hyphenation, running headers, two columns of text): a sample of
    their sentences, carried as viewer_url carries them, found on the page the viewer opens."""
    app, url = bundled
    index = app.extensions["toolkit"].index()
    files = {d.id: d.filename for d in index.documents}
    chunks = list(index.chunks)
    cases = []
    with app.test_request_context(base_url=url):
        for chunk in chunks[:: max(1, len(chunks) // 16)]:
            sentences = [s for s in chunk.sentences if len(s.split()) >= 8 and s[-1] in ".!?"]
            if sentences:
                sentence = max(sentences, key=len)  # the long ones travel as head … tail
                link = viewer_url(files[chunk.document_id], chunk.page_start, [sentence])
                cases.append((chunk, sentence, link))
    assert len(cases) >= 12 and any(" … " in sentences_of(c[2])[0] for c in cases)
    tab = open_tab(viewport={"width": 1024, "height": 768})
    page = tab.page
    missed = []
    for chunk, sentence, link in cases:
        page.goto("about:blank")
        page.goto(link)
        page.wait_for_function("() => document.getElementById('main').dataset.shown")
        opened = int(page.locator("#page-number").input_value())
        marked = marked_text(page)
        words = [w for w in re.findall(r"\w+", sentence) if w.strip("_")]
        ends = [words[0] in marked, words[-1] in marked]
        # over a page break only the part on this page can be marked
        whole = chunk.page_start == chunk.page_end
        ok = (
            chunk.page_start <= opened <= chunk.page_end
            and (all(ends) if whole else any(ends))
            and len(marked) < len(sentence) + 40
        )
        if not ok:
            missed.append((chunk.page_start, chunk.page_end, opened, sentence, marked))
    assert not missed, missed
    assert tab.errors == []
