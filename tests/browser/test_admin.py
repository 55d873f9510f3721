"""The admin console in headless Chromium: sign in (a wrong password refused first), upload a
PDF from the shared external corpus, see it listed, get an answer from it through /api/v1/ask
from the same running server (no restart), and see a declined question on the gaps page."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import HashEmbedder, build
from service import create_app
from service.admin import rebuild
from tests import pdfs
from tests.browser.conftest import DESKTOP, PHONE, ROOT, _serve, guide

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips (or fails in CI) with the reason
    expect = None

pytestmark = pytest.mark.browser

EXTERNAL = ROOT.parent / "shared" / "corpora" / "external"
UPLOAD = "nimh-depression.pdf"
QUESTION = "What is persistent depressive disorder (dysthymia)?"
DECLINED = "Which bus goes to the leisure centre car park on Sundays?"
EMAIL = "coordinator@example.org"
PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    if not (EXTERNAL / UPLOAD).is_file():
        pytest.skip(f"the external corpus is not here: {EXTERNAL / UPLOAD} is missing")
    folder = tmp_path_factory.mktemp("admin-browser")
    docs = folder / "docs"
    docs.mkdir()
    pdfs.write(docs / "guide.pdf", guide())
    index = folder / "index"
    build(docs, index, HashEmbedder(), progress=False)
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(folder / "instance"),
            "INDEX_DIR": str(index),
            "DOCS_DIR": str(docs),
            "MODEL": "hash",
            "DATABASE": f"sqlite:///{folder / 'admin.db'}",
            "ANSWER_THRESHOLD": 0.2,
            "RELOAD_INTERVAL": 0.0,
            "SECRET_KEY": "admin-browser-tests",
            "RATELIMIT_ENABLED": False,
        }
    )
    app.extensions["toolkit_admin"].accounts.create(EMAIL, PASSWORD)
    server = _serve(app)
    yield server.url, app, folder
    server.server.shutdown()


def sign_in(page, url: str, password: str) -> None:
    page.goto(url + "/admin/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_upload_listed_answered_and_gaps(tab, console, shots):
    url, app, _folder = console
    page = tab.page
    page.goto(url + "/admin/documents")
    assert page.url.startswith(url + "/admin/login")  # no session: the login

    sign_in(page, url, "not the password")
    expect(page.locator("#login-error")).to_contain_text("do not match")
    assert [e for e in tab.errors if "401" not in e] == []  # the refused sign-in is a 401 page
    tab.errors.clear()
    sign_in(page, url, PASSWORD)
    expect(page.get_by_role("heading", name="What people ask")).to_be_visible()

    page.get_by_role("link", name="Documents").click()
    page.get_by_label("PDF file").set_input_files(str(EXTERNAL / UPLOAD))
    page.get_by_role("button", name="Upload and index").click()
    expect(page.locator(".flash").first).to_contain_text(f"{UPLOAD} was added")

    state = rebuild.wait_idle(app.extensions["toolkit_admin"].build_dir, timeout=180)
    assert state.state == "done", state
    page.goto(url + "/admin/documents")
    table = page.locator("#documents-table")
    expect(table).to_contain_text(UPLOAD)
    expect(page.locator("#build-status")).to_contain_text("Last rebuild finished")
    page.screenshot(path=str(shots / "admin-documents.png"), full_page=True)

    # the same server, never restarted, now answers from the uploaded document
    answer = page.request.post(url + "/api/v1/ask", data={"question": QUESTION}).json()
    assert answer["answered"], answer
    assert answer["citations"][0]["document"]["filename"] == UPLOAD
    assert "dysthymia" in answer["answer"].lower()

    declined = page.request.post(url + "/api/v1/ask", data={"question": DECLINED}).json()
    assert not declined["answered"], declined
    page.get_by_role("link", name="Gaps").click()
    expect(page.locator("main")).to_contain_text(DECLINED)

    page.get_by_role("link", name="Overview").click()
    expect(page.locator("svg.chart")).to_be_visible()
    page.screenshot(path=str(shots / "admin-overview.png"), full_page=True)
    assert tab.errors == []

    page.get_by_role("button", name="Sign out").click()
    page.goto(url + "/admin/documents")
    assert page.url.startswith(url + "/admin/login")


def test_the_console_works_on_a_phone_and_by_keyboard(open_tab, console, shots):
    url, _app, _folder = console
    tab = open_tab(viewport=PHONE, is_mobile=True, has_touch=True)
    page = tab.page
    page.goto(url + "/admin/login")
    page.keyboard.press("Tab")  # the skip link, then the form
    page.keyboard.press("Tab")
    page.keyboard.type(EMAIL)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="What people ask")).to_be_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways on a phone"
    page.goto(url + "/admin/documents")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the documents page scrolls sideways on a phone"
    page.screenshot(path=str(shots / "admin-phone.png"), full_page=True)
    assert tab.errors == []


AXE_JS = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(", ")}`);
}"""
PAGES = ["/admin/login", "/admin/", "/admin/gaps", "/admin/documents", "/admin/keys",
         "/admin/resources"]  # fmt: skip


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_every_console_page_passes_axe(open_tab, console, size):
    if not AXE_JS.is_file():
        pytest.skip(f"axe-core is not installed at {AXE_JS} (npm ci --prefix tests/browser)")
    url, _app, _folder = console
    viewport = PHONE if size == "phone" else DESKTOP
    tab = open_tab(viewport=viewport, bypass_csp=True)  # to inject axe; the pages keep their CSP
    page = tab.page
    found = {}
    page.goto(url + "/admin/login")
    for path in PAGES:
        if path != "/admin/login" and page.url.startswith(url + "/admin/login"):
            sign_in(page, url, PASSWORD)
        page.goto(url + path)
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
        violations = page.evaluate(AXE_RUN, AXE_TAGS)
        if violations:
            found[path] = violations
    assert found == {}
