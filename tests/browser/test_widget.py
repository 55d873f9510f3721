"""The chat widget in real headless Chromium, against the running service (see conftest.py)."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips (or fails in CI) with the reason
    expect = None

from tests.browser.conftest import DESKTOP, PHONE, XSS

pytestmark = pytest.mark.browser

GROUND_RULES = "How do we agree ground rules as a group?"
WIDGET = "peer-toolkit-widget"

# The focused element inside the widget: "launcher", "input", "inside" (elsewhere in the
# panel), or None when focus is outside the widget.
FOCUS_JS = """() => {
  const host = document.querySelector("peer-toolkit-widget");
  if (!host || document.activeElement !== host) return null;
  const el = host.shadowRoot.activeElement;
  if (!el) return null;
  if (el.classList.contains("tk-launcher")) return "launcher";
  if (el.id === "tk-input") return "input";
  return host.shadowRoot.querySelector(".tk-panel").contains(el) ? "inside" : "outside";
}"""


ACTIVE_JS = f"() => document.querySelector('{WIDGET}').shadowRoot.activeElement.outerHTML"


def show_latest_question(page):
    """Scroll the conversation to the start of the latest exchange, and let transitions end
    (for screenshots)."""
    page.evaluate(
        "() => { const root = document.querySelector('peer-toolkit-widget').shadowRoot;"
        " const mine = [...root.querySelectorAll('.tk-user')].pop();"
        " root.querySelector('.tk-log').scrollTop = mine.offsetTop - 12; }"
    )
    page.mouse.move(1, 1)
    page.wait_for_timeout(400)


def open_widget(page):
    page.locator(".tk-launcher").click()
    page.locator(".tk-panel").wait_for(state="visible")


def ask(page, question: str):
    """Type a question, send it with Enter, and return the locator of its answer."""
    answers = page.locator("article.tk-bot")
    before = answers.count()
    if not page.locator(".tk-panel").is_visible():
        open_widget(page)
    page.locator("#tk-input").fill(question)
    page.locator("#tk-input").press("Enter")
    answer = answers.nth(before)
    answer.wait_for(state="visible")
    return answer


def host_url(server, **data) -> str:
    return f"{server.url}/?{urlencode(data)}" if data else f"{server.url}/"


def test_demo_page_answer_cites_sources_that_open_the_viewer_at_the_page(tab, servers):
    page, api = tab.page, servers["api"].url
    page.goto(api + "/")
    assert "fictional charity" in page.locator(".demo-banner").inner_text()
    answer = ask(page, GROUND_RULES)

    text = answer.locator(".tk-answer")
    assert "ground rules" in text.inner_text().lower()
    ref = text.locator("a.tk-ref").first
    assert ref.inner_text() == "[1]"
    assert ref.get_attribute("aria-label") == (
        "Source 1: Running a peer support group: a short guide, p. 1 (page 2 of the PDF)"
    )

    # "Sources" lists the passages the answer quotes; the rest are folded away
    quoted = {int(n) for n in re.findall(r"\[(\d+)\]", text.inner_text())}
    listed = answer.locator(".tk-sources > ol > li .tk-num").all_inner_texts()
    assert {int(n.split()[-1]) for n in listed} == quoted
    more = answer.locator(".tk-more > summary")
    assert re.fullmatch(r"More sections that may help \(\d\)", more.inner_text())

    first = answer.locator(".tk-source").first
    link = first.locator("a.tk-source-link")
    href = link.get_attribute("href")
    assert href.startswith(f"{api}/documents/guide.pdf/view?page=2#q=Agree%20the%20ground")
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in link.get_attribute("rel")
    # named with the title and the page (the page is for screen readers only)
    assert link.text_content() == (
        "Running a peer support group: a short guide, p. 1 (page 2 of the PDF) (opens in a new tab)"
    )
    # the printed page label (the guide's page 2 is printed "1") and the PDF's page, then
    # the section
    assert first.locator(".tk-meta").inner_text() == (
        "p. 1 (page 2 of the PDF) · Agreeing ground rules"
    )

    # the quoted passage is there, folded; it opens on request
    passage = first.locator("blockquote")
    assert not passage.is_visible()
    first.locator("summary").click()
    assert "Agree the ground rules together at the first meeting." in passage.inner_text()

    # [1] takes you to source 1
    ref.click()
    assert page.evaluate(
        f"() => document.querySelector('{WIDGET}').shadowRoot.activeElement.id"
    ) == first.get_attribute("id")

    # the link opens the viewer, at that page with the quoted sentences marked, in a new tab
    with tab.context.expect_page() as new:
        link.click()
    viewer = new.value
    viewer.wait_for_function("() => document.getElementById('main')?.dataset.shown === '2'")
    assert viewer.url == href
    marks = " ".join(viewer.locator(".textLayer mark").all_text_contents())
    assert "Agree the ground rules together at the first meeting." in marks
    viewer.close()

    assert tab.errors == [], "no console errors in the normal flow"


def test_keyboard_only_flow_with_focus_trap_and_escape(tab, servers):
    page = tab.page
    page.goto(host_url(servers["partner"]))
    page.locator(".tk-launcher").wait_for()
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUS_JS) == "launcher":
            break
    assert page.evaluate(FOCUS_JS) == "launcher", "Tab reaches the launcher"
    assert page.locator(".tk-launcher").get_attribute("aria-expanded") == "false"

    page.keyboard.press("Enter")
    assert page.locator(".tk-panel").is_visible()
    assert page.locator(".tk-launcher").get_attribute("aria-expanded") == "true"
    assert page.evaluate(FOCUS_JS) == "input", "opening puts the cursor in the question box"

    page.keyboard.type("What if nobody says anything at the first meeting?")
    page.keyboard.press("Enter")
    page.locator("article.tk-bot").first.wait_for()
    assert page.locator(".tk-user").first.inner_text().endswith("first meeting?")

    # Tab and Shift+Tab stay inside the open panel, and wrap around
    seen = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        where = page.evaluate(FOCUS_JS)
        assert where in {"input", "inside"}, f"focus left the panel: {where}"
        seen.add(page.evaluate(ACTIVE_JS))
    assert len(seen) > 8, "Tab visits the panel's controls"
    page.locator(".tk-close").focus()
    for _ in range(40):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate(FOCUS_JS) in {"input", "inside"}

    page.keyboard.press("Escape")
    assert not page.locator(".tk-panel").is_visible()
    assert page.evaluate(FOCUS_JS) == "launcher", "Escape returns focus to the launcher"
    # keys typed in the widget never reached the host page's own shortcuts
    assert page.evaluate("window.hostKeys").count("Escape") == 0
    assert tab.errors == []


def test_crisis_signposting_comes_first_with_phone_and_text_links(tab, servers):
    page = tab.page
    page.goto(servers["api"].url + "/")
    answer = ask(page, "I want to kill myself tonight")
    crisis = answer.locator(".tk-crisis")
    assert crisis.is_visible()
    assert "not a crisis service" in crisis.inner_text()
    # first in the answer, and no passages
    first_child = answer.evaluate("a => a.firstElementChild.className")
    assert first_child == "tk-crisis"
    assert answer.locator(".tk-answer, .tk-sources").count() == 0

    hrefs = crisis.locator("a.tk-contact").evaluate_all("els => els.map(a => a.href)")
    assert hrefs == ["tel:116123", "sms:85258?body=SHOUT", "tel:111", "tel:999"]
    assert crisis.locator("a.tk-contact").first.inner_text() == "Call 116 123"
    # the always-visible note
    note = page.locator(".tk-note")
    assert "Not a crisis service" in note.inner_text()
    assert note.locator("a[href='tel:116123']").inner_text() == "Call 116 123"
    assert note.locator("a[href='tel:999']").count() == 1
    # announced at once
    expect(page.locator("[aria-live=assertive]")).to_contain_text("Samaritans")


def test_someone_else_in_danger_now_gets_the_999_box_first_then_the_guidance(tab, servers):
    page, api = tab.page, servers["api"].url
    page.goto(api + "/")
    answer = ask(page, "a member tells me she is thinking about suicide and will do it tonight")
    assert answer.evaluate("a => a.firstElementChild.className") == "tk-crisis"
    crisis = answer.locator(".tk-crisis")
    assert "call 999" in crisis.inner_text()
    text = answer.locator(".tk-answer").inner_text()
    assert "stay calm and listen" in text and "call 999 or take them" not in text
    link = answer.locator(".tk-source a.tk-source-link").first
    assert link.get_attribute("href").startswith(f"{api}/documents/guide.pdf/view?page=6#q=")
    assert tab.errors == []


def test_a_question_about_a_risk_topic_gets_signposting_after_the_answer(tab, servers):
    page = tab.page
    page.goto(servers["api"].url + "/")
    answer = ask(page, "What should we do if a member says they have thoughts of suicide?")
    box = answer.locator(".tk-signpost")
    assert box.is_visible()
    assert answer.locator(".tk-crisis").count() == 0
    assert box.locator("a[href='tel:116123']").count() == 1
    assert answer.evaluate(
        "a => a.querySelector('.tk-answer').compareDocumentPosition("
        "a.querySelector('.tk-signpost')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )


def test_a_question_the_documents_do_not_cover_offers_sections_to_browse(tab, servers):
    page = tab.page
    page.goto(servers["api"].url + "/")
    answer = ask(page, "What is the capital of Peru?")
    assert "don't seem to cover this" in answer.locator(".tk-answer").inner_text()
    assert answer.locator(".tk-sources h3").text_content() == "Nearest sections to browse"
    assert answer.locator(".tk-source").count() >= 1


def test_markup_in_a_pdf_passage_is_shown_as_text_and_never_runs(tab, servers):
    page = tab.page
    page.goto(host_url(servers["partner"]))
    answer = ask(page, "What about posters on the library noticeboard and the poster template?")
    for summary in answer.locator("summary").all():
        summary.click()
    quoted = answer.locator("blockquote").all_inner_texts()
    assert any(XSS in q for q in quoted), quoted
    page.wait_for_timeout(300)
    images = page.evaluate(
        f"() => document.querySelectorAll('img').length"
        f" + document.querySelector('{WIDGET}').shadowRoot.querySelectorAll('img').length"
    )
    assert images == 0
    assert tab.dialogs == []
    assert tab.errors == []


def test_hostile_server_text_and_urls_are_inert(tab, servers):
    """Even a compromised API cannot inject markup or script URLs into the host page."""
    page = tab.page
    evil = {
        "answer": "<b>bold</b> <script>alert(1)</script> [1]",
        "answered": True,
        "citations": [
            {
                "n": 1,
                "document": {"id": "x", "title": XSS, "filename": "x.pdf"},
                "page_start": 3,
                "page_end": 4,
                "page_label": None,
                "section": "<i>section</i>",
                "text": XSS,
                "score": 0.9,
                "url": "javascript:alert(1)",
            }
        ],
        "safety": {
            "crisis": False,
            "message": "<u>note</u>",
            "resources": [{"name": XSS, "contact": "Call 116 123", "url": "javascript:alert(2)"}],
        },
        "query_id": "q1",
    }
    page.route(
        "**/api/v1/ask",
        lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps(evil)
        ),
    )
    page.goto(servers["api"].url + "/")
    answer = ask(page, "anything")
    assert answer.locator(".tk-answer").inner_text().startswith("<b>bold</b> <script>")
    assert XSS in answer.locator(".tk-source").inner_text()
    assert answer.locator(".tk-meta").inner_text() == "pp. 3–4 · <i>section</i>"
    hrefs = answer.locator("a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert not any(h.startswith("javascript:") for h in hrefs), hrefs
    tags = answer.evaluate("a => [...a.querySelectorAll('*')].map(e => e.localName)")
    assert not {"b", "i", "u", "img", "script"} & set(tags)
    page.wait_for_timeout(200)
    assert tab.dialogs == []


def test_embedded_on_an_allowed_partner_origin_it_works(tab, servers):
    page, partner = tab.page, servers["partner"]
    assert partner.url != servers["api"].url
    page.goto(host_url(partner, title="Ask Lantern", position="left"))
    launcher = page.locator(".tk-launcher")
    assert launcher.inner_text() == "Ask Lantern"
    assert launcher.bounding_box()["x"] < 100, "data-position=left"
    answer = ask(page, GROUND_RULES)
    assert answer.locator(".tk-source").count() >= 1
    assert tab.errors == []


def test_embedded_on_an_origin_cors_does_not_allow_it_fails_kindly(tab, servers):
    page = tab.page
    page.goto(host_url(servers["stranger"]))
    open_widget(page)
    page.locator("#tk-input").fill(GROUND_RULES)
    page.locator("#tk-input").press("Enter")
    error = page.locator(".tk-error")
    error.wait_for()
    assert "couldn't reach the toolkit service" in error.inner_text()
    assert error.get_by_role("button", name="Try again").is_visible()
    assert page.locator("article.tk-bot").count() == 0
    assert any("CORS" in e for e in tab.errors), "the browser refused the response"


def test_errors_are_friendly_and_can_be_retried(tab, servers):
    page = tab.page
    page.goto(servers["api"].url + "/")
    replies = iter(
        [
            {"status": 429, "headers": {"Retry-After": "2"}, "body": "rate_limited"},
            {"status": 503, "body": "The document index is not available right now."},
            {"status": 422, "body": "question: Must not be empty or only whitespace."},
        ]
    )

    def handle(route):
        reply = next(replies, None)
        if reply is None:
            return route.abort()
        body = {"error": {"status": reply["status"], "code": "x", "message": reply["body"]}}
        route.fulfill(
            status=reply["status"],
            headers=reply.get("headers", {}),
            content_type="application/json",
            body=json.dumps(body),
        )

    page.route("**/api/v1/ask", handle)
    open_widget(page)
    page.locator("#tk-input").fill(GROUND_RULES)
    page.locator("#tk-input").press("Enter")
    error = page.locator(".tk-error")
    retry = error.get_by_role("button")
    assert "Please try again in 2 seconds" in error.inner_text()
    assert retry.is_disabled() and "Try again in" in retry.inner_text()
    page.wait_for_function(
        f"() => document.querySelector('{WIDGET}').shadowRoot.querySelector('.tk-retry')"
        ".getAttribute('aria-disabled') === 'false'"
    )
    retry.click()
    assert "index is not available" in page.locator(".tk-error").inner_text()
    page.locator(".tk-error button").click()
    assert "Must not be empty" in page.locator(".tk-error").inner_text()
    assert page.locator("#tk-input").input_value() == GROUND_RULES, "a 4xx gives the text back"
    page.locator(".tk-error button").click()
    assert "couldn't reach" in page.locator(".tk-error").inner_text()
    assert page.locator(".tk-user").count() == 1, "retrying does not repeat the question"

    page.unroute("**/api/v1/ask")
    page.locator(".tk-error button").click()
    page.locator("article.tk-bot").first.wait_for()
    assert page.locator(".tk-error").count() == 0


def test_feedback_is_sent_and_acknowledged_and_the_answer_can_be_copied(tab, servers):
    page, api = tab.page, servers["api"].url
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=api)
    page.goto(api + "/")
    with page.expect_response("**/api/v1/ask") as asked:
        answer = ask(page, GROUND_RULES)
    with page.expect_request("**/api/v1/feedback") as sent:
        answer.get_by_role("button", name="Helpful", exact=True).click()
    request = sent.value
    assert request.method == "POST"
    body = request.post_data_json
    assert body["helpful"] is True and body["query_id"] == asked.value.json()["query_id"]
    assert request.response().status == 201
    status = answer.locator(".tk-status")
    expect(status).to_have_text("Thanks, your feedback was recorded.")
    helpful = answer.get_by_role("button", name="Helpful", exact=True)
    assert helpful.get_attribute("aria-pressed") == "true"

    answer.get_by_role("button", name="Copy").click()
    expect(status).to_have_text("Answer and sources copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    lines = copied.splitlines()
    assert "[1]" in lines[0] and lines[2] == "Sources:"
    assert re.fullmatch(
        r"\[1\] Running a peer support group: a short guide, p\. 1 \(page 2 of the PDF\), "
        rf"Agreeing ground rules: {re.escape(api)}/documents/guide\.pdf/view\?page=2#q=\S+",
        lines[3],
    ), lines[3]

    # the conversation, and the feedback given, stay for the page session
    page.reload()
    open_widget(page)
    assert page.locator(".tk-user").inner_text().endswith(GROUND_RULES)
    again = page.locator("article.tk-bot").first
    assert again.locator(".tk-source").count() >= 1
    assert again.locator(".tk-status").inner_text() == "Feedback recorded"
    page.get_by_role("button", name="Start a new conversation").click()
    assert page.locator("article.tk-bot").count() == 0
    assert page.locator(".tk-chip").count() == 3
    assert tab.errors == []


def test_phone_full_screen_panel_keeps_the_input_visible(open_tab, servers, shots):
    tab = open_tab(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = tab.page
    page.goto(servers["api"].url + "/")
    launcher = page.locator(".tk-launcher")
    launcher.wait_for()
    box = launcher.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, "a big enough touch target"
    launcher.tap()
    panel = page.locator(".tk-panel")
    panel.wait_for(state="visible")
    panel.evaluate("el => Promise.all(el.getAnimations().map((a) => a.finished))")
    assert panel.bounding_box() == {"x": 0, "y": 0, **PHONE}
    assert not launcher.is_visible(), "the panel covers the whole screen"
    page.locator(".tk-chip").first.tap()
    answer = page.locator("article.tk-bot").first
    answer.wait_for()
    answer.locator("summary").first.tap()
    show_latest_question(page)
    page.screenshot(path=str(shots / "phone.png"))

    def in_view(locator, height):
        b = locator.bounding_box()
        return b["y"] >= 0 and b["y"] + b["height"] <= height

    assert in_view(page.locator("#tk-input"), PHONE["height"])
    # the on-screen keyboard takes the bottom of the screen: the panel follows the visual
    # viewport, so the question box stays above it
    page.set_viewport_size({"width": PHONE["width"], "height": 500})
    page.wait_for_function(
        f"() => document.querySelector('{WIDGET}').shadowRoot"
        ".querySelector('.tk-panel').getBoundingClientRect().height === 500"
    )
    assert in_view(page.locator("#tk-input"), 500)
    assert tab.errors == []


def test_desktop_screenshot(tab, servers, shots):
    """The README's picture: the question, its answer and the first source's passage, all
    inside the panel and on screen."""
    page = tab.page
    page.goto(servers["api"].url + "/")
    answer = ask(page, GROUND_RULES)
    answer.locator("summary").first.click()
    show_latest_question(page)
    path = shots / "desktop.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 20_000, "a picture of the page, not a blank one"
    panel = page.locator(".tk-panel").bounding_box()
    for shown in (
        page.locator(".tk-user").last,
        answer.locator(".tk-answer"),
        answer.locator(".tk-source-link").first,
        page.locator("#tk-input"),
    ):
        box = shown.bounding_box()
        assert panel["y"] <= box["y"] and box["y"] + box["height"] <= panel["y"] + panel["height"]
        assert box["y"] + box["height"] <= DESKTOP["height"]
    assert tab.errors == []


CONTRAST_JS = """() => {
  const root = document.querySelector("peer-toolkit-widget").shadowRoot;
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lin = (c) => ((c /= 255) <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
                            return (x + 0.05) / (y + 0.05); };
  const background = (el) => {
    for (let e = el; e && e.nodeType === 1; e = e.parentNode) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of root.querySelectorAll("*")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length || el.closest(".tk-sr") || el.disabled) continue;
    const s = getComputedStyle(el);
    if (s.visibility === "hidden") continue;
    const c = ratio(rgb(s.color).slice(0, 3), background(el));
    const path = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentNode) path.push(e.className);
    out.push([el.localName, path.join(" "), el.textContent.trim().slice(0, 30), c]);
  }
  return out;
}"""


@pytest.mark.parametrize("accent", ["", "#ffd400", "hotpink"])
def test_text_contrast_is_at_least_4_5_to_1_with_any_accent(tab, servers, accent):
    page = tab.page
    page.route(
        "**/api/v1/feedback",
        lambda route: route.fulfill(status=503, content_type="application/json", body="{}"),
    )
    page.goto(host_url(servers["partner"], accent=accent))
    answer = ask(page, GROUND_RULES)
    answer.locator("summary").first.click()
    ask(page, "What should we do if a member says they have thoughts of suicide?")
    answer.get_by_role("button", name="Not helpful").click()
    answer.locator(".tk-status").filter(has_text="not sent").wait_for()
    ask(page, "I want to kill myself tonight")
    page.route("**/api/v1/ask", lambda route: route.abort())
    page.locator("#tk-input").fill("again")
    page.locator("#tk-input").press("Enter")
    page.locator(".tk-error").wait_for()
    measured = page.evaluate(CONTRAST_JS)
    checked = {name for m in measured for name in m[1].split()}
    assert {"tk-launcher-text", "tk-answer", "tk-ref", "tk-meta", "tk-status"} <= checked
    assert {"tk-note", "tk-crisis", "tk-contact", "tk-signpost", "tk-error"} <= checked
    low = [m for m in measured if m[3] < 4.5]
    assert not low, low


def test_host_page_css_cannot_reach_in_and_widget_css_cannot_leak_out(tab, servers):
    page = tab.page
    page.goto(host_url(servers["partner"], hostile="1", accent="#0f766e"))
    launcher = page.locator(".tk-launcher")
    launcher.wait_for(state="visible")
    style = launcher.evaluate(
        "el => { const s = getComputedStyle(el); "
        "return [s.color, s.fontFamily, s.letterSpacing, s.backgroundColor]; }"
    )
    assert style[0] == "rgb(255, 255, 255)"
    assert "Comic" not in style[1] and style[2] == "normal"
    assert style[3] == "rgb(15, 118, 110)"
    host_note = page.locator("#host-note").evaluate(
        "el => [getComputedStyle(el).fontSize, getComputedStyle(el).backgroundColor]"
    )
    assert host_note == ["16px", "rgba(0, 0, 0, 0)"], "the widget's .tk-note rules stay inside"
    answer = ask(page, GROUND_RULES)
    assert answer.is_visible()


def test_reduced_motion_turns_animation_off(open_tab, servers):
    tab = open_tab(viewport={"width": 1024, "height": 700}, reduced_motion="reduce")
    page = tab.page
    page.goto(servers["api"].url + "/")
    open_widget(page)
    style = "el => [getComputedStyle(el).animationName, getComputedStyle(el).transitionDuration]"
    assert page.locator(".tk-panel").evaluate(style)[0] == "none"
    assert page.locator(".tk-launcher").evaluate(style)[1] == "0s"


# --- focus stays in the panel (the audit: a disabled or removed button dropped it to <body>) --


def focus_on(page, locator) -> None:
    """Move keyboard focus to `locator` with Tab, as a keyboard user would."""
    for _ in range(60):
        if locator.evaluate("el => el.getRootNode().activeElement === el"):
            return
        page.keyboard.press("Tab")
    raise AssertionError("Tab never reached the control")


def escape_closes_the_panel(page) -> None:
    page.keyboard.press("Escape")
    assert not page.locator(".tk-panel").is_visible()
    assert page.evaluate(FOCUS_JS) == "launcher"


def test_focus_stays_in_the_panel_after_send_by_keyboard(tab, servers):
    page = tab.page
    page.goto(servers["api"].url + "/")
    open_widget(page)
    page.keyboard.type(GROUND_RULES)
    focus_on(page, page.locator(".tk-send"))
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUS_JS) == "input", "on the text box while the answer comes"
    page.locator("article.tk-bot").first.wait_for()
    assert page.evaluate(FOCUS_JS) == "input"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUS_JS) == "inside", "Tab still moves within the panel"
    escape_closes_the_panel(page)
    assert tab.errors == []


def test_focus_stays_in_the_panel_after_a_starter_by_keyboard(tab, servers):
    page = tab.page
    page.goto(servers["api"].url + "/")
    open_widget(page)
    chip = page.locator(".tk-chip").nth(1)
    focus_on(page, chip)
    page.keyboard.press("Enter")
    page.locator("article.tk-bot").first.wait_for()
    assert page.locator(".tk-chip").count() == 0, "the starters are gone"
    assert page.evaluate(FOCUS_JS) == "input"
    escape_closes_the_panel(page)


def test_a_tapped_starter_leaves_focus_on_the_conversation_not_the_keyboard(open_tab, servers):
    tab = open_tab(viewport=PHONE, is_mobile=True, has_touch=True)
    page = tab.page
    page.goto(servers["api"].url + "/")
    page.locator(".tk-launcher").tap()
    page.locator(".tk-chip").first.tap()
    page.locator("article.tk-bot").first.wait_for()
    active = page.evaluate(ACTIVE_JS)
    assert 'class="tk-log"' in active, "no on-screen keyboard pops up over the answer"


def test_focus_stays_on_the_feedback_button_pressed_by_keyboard(tab, servers):
    page = tab.page
    page.goto(servers["api"].url + "/")
    answer = ask(page, GROUND_RULES)
    helpful = answer.get_by_role("button", name="Helpful", exact=True)
    focus_on(page, helpful)
    with page.expect_response("**/api/v1/feedback"):
        page.keyboard.press("Enter")
    expect(answer.locator(".tk-status")).to_have_text("Thanks, your feedback was recorded.")
    assert helpful.evaluate("el => el.getRootNode().activeElement === el")
    assert helpful.get_attribute("aria-disabled") == "true", "one vote per answer"
    page.keyboard.press("Enter")  # pressing again sends nothing
    page.wait_for_timeout(200)
    escape_closes_the_panel(page)


# --- the conversation's history, the resources, the reply's parts --------------------------


def test_a_follow_up_is_sent_with_the_conversation_so_far(tab, servers):
    page = tab.page
    page.goto(servers["api"].url + "/")
    with page.expect_request("**/api/v1/ask") as first:
        answer = ask(page, GROUND_RULES)
    assert "history" not in first.value.post_data_json, "nothing before the first question"
    said = answer.locator(".tk-answer").inner_text()
    with page.expect_request("**/api/v1/ask") as second:
        ask(page, "and if someone breaks them?")
    body = second.value.post_data_json
    assert body["question"] == "and if someone breaks them?"
    assert [t["role"] for t in body["history"]] == ["user", "assistant"]
    assert body["history"][0]["content"] == GROUND_RULES
    assert body["history"][1]["content"].startswith(said[:40])
    for _ in range(5):
        ask(page, "What if nobody says anything at the first meeting?")
    with page.expect_request("**/api/v1/ask") as later:
        ask(page, "How do we choose a venue?")
    history = later.value.post_data_json["history"]
    assert len(history) == 10, "the last ten turns"
    assert all(0 < len(t["content"]) <= 1000 for t in history)
    assert history[-1]["role"] == "assistant"


def test_every_error_shows_the_services_resources(tab, servers):
    page = tab.page
    page.goto(servers["api"].url + "/")
    open_widget(page)
    note = page.locator(".tk-note")
    expect(note).to_contain_text("Emergency services")  # the service's list, first and last

    def failing(status: int):
        return lambda route: route.fulfill(status=status, content_type="application/json")

    for status in (429, 503):
        page.route("**/api/v1/ask", failing(status))
        page.locator("#tk-input").fill(GROUND_RULES)
        page.locator("#tk-input").press("Enter")
        error = page.locator(".tk-error")
        error.wait_for()
        links = error.locator(".tk-error-help a.tk-contact")
        hrefs = links.evaluate_all("els => els.map(a => a.getAttribute('href'))")
        assert hrefs == ["tel:116123", "sms:85258?body=SHOUT", "tel:111", "tel:999"], status
        page.unroute("**/api/v1/ask")
        error.locator(".tk-retry").click()
        page.locator("article.tk-bot").last.wait_for()


def test_without_the_resources_endpoint_the_built_in_ones_are_shown(tab, servers):
    page = tab.page
    page.route("**/api/v1/resources", lambda route: route.abort())
    page.route("**/api/v1/ask", lambda route: route.abort())
    page.goto(servers["api"].url + "/")
    open_widget(page)
    note = page.locator(".tk-note")
    assert note.locator("a.tk-contact").evaluate_all("els => els.map(a => a.href)") == [
        "tel:116123",
        "tel:999",
    ]
    page.locator("#tk-input").fill(GROUND_RULES)
    page.locator("#tk-input").press("Enter")
    help_ = page.locator(".tk-error .tk-error-help")
    assert "Samaritans" in help_.inner_text() and "999" in help_.inner_text()


# --- every fixed text in the partner's words (data-strings) ---------------------------------

WELSH = {
    "lang": "cy",
    "title": "Gofynnwch i'r pecyn cymorth",
    "subtitle": "Atebion o'r pecyn cymorth, gyda'u ffynonellau",
    "greeting": "Helo! Gofynnwch i mi am sefydlu neu redeg grŵp cymorth cymheiriaid.",
    "starters": ["Sut ydyn ni'n cytuno ar reolau sylfaenol?"],
    "placeholder": "Gofynnwch am redeg grŵp…",
    "send": "Anfon y cwestiwn",
    "close": "Cau'r sgwrs",
    "noteLead": "Nid gwasanaeth argyfwng.",
    "sources": "Ffynonellau",
    "page": "t. {label}",
    "pdfPage": "tudalen {page}",
    "labelled": "{label} ({physical} o'r PDF)",
    "helpfulAsk": "Oedd hyn yn ddefnyddiol?",
    "errorNetwork": "Mae'n ddrwg gennym, ni allem gyrraedd y gwasanaeth.",
}


def default_strings() -> dict[str, str]:
    """The widget's own English texts, read from STRINGS in widget.js."""
    from tests.browser.conftest import ROOT

    source = (ROOT / "service" / "widget" / "widget.js").read_text(encoding="utf-8")
    start = source.index("const STRINGS = {")
    block = source[start : source.index("\n  };", start)]
    texts = re.findall(r'^ {4}(\w+):\s*"((?:[^"\\]|\\.)*)",?$', block, flags=re.M)
    texts += re.findall(r'^ {4}(\w+):\n\s+"((?:[^"\\]|\\.)*)",$', block, flags=re.M)
    return dict(texts)


TEXTS_JS = """() => {
  const root = document.querySelector("peer-toolkit-widget").shadowRoot;
  const out = [];
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) out.push(walk.currentNode.textContent);
  for (const el of root.querySelectorAll("*"))
    for (const a of ["aria-label", "title", "placeholder"])
      if (el.hasAttribute(a)) out.push(el.getAttribute(a));
  return out.join("\\n");
}"""


def test_a_partner_can_put_every_fixed_text_in_its_own_words(tab, servers):
    page = tab.page
    english = default_strings()
    assert len(english) > 50 and english["send"] == "Send question"
    marked = {key: f"«{i}»" for i, key in enumerate(english) if key != "lang"}
    page.route("**/api/v1/feedback", lambda route: route.abort())
    page.goto(host_url(servers["partner"], strings=json.dumps(marked)))
    open_widget(page)
    answer = ask(page, GROUND_RULES)
    answer.locator("summary").first.click()
    answer.get_by_role("button", name=marked["helpful"]).click()
    answer.locator(".tk-status").filter(has_text=marked["feedbackFailed"]).wait_for()
    page.route("**/api/v1/ask", lambda route: route.abort())
    page.locator("#tk-input").fill("again")
    page.locator("#tk-input").press("Enter")
    page.locator(".tk-error").wait_for()
    shown = page.evaluate(TEXTS_JS)
    left = [
        f"{k}: {v} in ...{shown[shown.index(v) - 40 : shown.index(v) + 40]}..."
        for k, v in english.items()
        if len(v) > 3 and "{" not in v and v in shown
    ]
    assert not left, "texts the partner could not replace"
    for key in ("title", "subtitle", "send", "placeholder", "noteLead", "sources", "retry"):
        assert marked[key] in shown, key


def test_a_welsh_partner_site(tab, servers):
    page = tab.page
    page.goto(host_url(servers["partner"], strings=json.dumps(WELSH)))
    launcher = page.locator(".tk-launcher")
    assert launcher.inner_text() == WELSH["title"]
    assert page.locator(".tk").get_attribute("lang") == "cy"
    open_widget(page)
    assert page.locator("#tk-input").get_attribute("placeholder") == WELSH["placeholder"]
    assert page.locator(".tk-send").get_attribute("aria-label") == WELSH["send"]
    assert page.locator(".tk-close").get_attribute("aria-label") == WELSH["close"]
    assert page.locator(".tk .tk-note").inner_text().startswith(WELSH["noteLead"])
    assert page.locator(".tk-greeting").inner_text() == WELSH["greeting"]
    assert page.locator(".tk-chip").all_inner_texts() == WELSH["starters"]
    answer = ask(page, GROUND_RULES)
    assert answer.locator(".tk-sources h3").inner_text().lower() == "ffynonellau"
    assert answer.locator(".tk-meta").first.inner_text().startswith("t. 1 (tudalen 2 o'r PDF)")
    assert WELSH["helpfulAsk"] in answer.locator(".tk-actions").inner_text()
    page.route("**/api/v1/ask", lambda route: route.abort())
    page.locator("#tk-input").fill("eto")
    page.locator("#tk-input").press("Enter")
    expect(page.locator(".tk-error")).to_contain_text(WELSH["errorNetwork"])
    assert tab.errors == ["Failed to load resource: net::ERR_FAILED"], "only the refused request"


def test_dark_scheme_screenshot(open_tab, servers, shots):
    """The README's picture of the dark scheme (its contrast is checked in test_a11y.py)."""
    tab = open_tab(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, color_scheme="dark"
    )
    page = tab.page
    page.goto(servers["api"].url + "/")
    page.locator(".tk-launcher").tap()
    page.locator(".tk-chip").first.tap()
    answer = page.locator("article.tk-bot").first
    answer.wait_for()
    show_latest_question(page)
    page.screenshot(path=str(shots / "phone-dark.png"))
    background = answer.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(31, 37, 44)", "the dark surface"
    assert tab.errors == []
