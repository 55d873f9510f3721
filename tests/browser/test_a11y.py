"""The widget's accessibility in headless Chromium: axe-core on every state at desktop and phone
sizes, and the layouts an audit found wanting (200% and 400% zoom, 200% text, dark scheme,
forced colours).

axe-core is the npm package pinned in tests/browser/package.json, installed into the
git-ignored tests/browser/node_modules by `npm ci --prefix tests/browser` (`make test` and
`.ci/run` do it). Without it these tests skip locally with the reason, and fail in CI (CI=true).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

AXE_JS = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
WIDGET = "peer-toolkit-widget"
GROUND_RULES = "How do we agree ground rules as a group?"
CRISIS = "I want to kill myself tonight"
UNCOVERED = "What is the capital of Peru?"
SIZES = {"desktop": DESKTOP, "phone": PHONE}
STATES = ["closed", "open", "answered", "passage", "crisis", "declined", "error-500", "error-down"]


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"the accessibility tests must run in CI, but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.is_file():
        _missing(f"axe-core is not installed at {AXE_JS} (npm ci --prefix tests/browser)")
    return AXE_JS.read_text(encoding="utf-8")


# axe runs on the whole page, so that the page-wide rules (one banner, unique landmarks) see the
# widget beside the host page's own landmarks. A finding counts when it or a node it relates to
# (the second banner of a duplicate) is inside the widget: the host page's own are not ours.
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: { type: "tag", values: tags },
    resultTypes: ["violations"],
  });
  const inWidget = (target) => {
    const top = Array.isArray(target[0]) ? target[0][0] : target[0];
    return top === "peer-toolkit-widget";
  };
  const related = (node) =>
    [...node.any, ...node.all, ...node.none].flatMap((check) => check.relatedNodes || []);
  const ours = (node) => inWidget(node.target) || related(node).some((r) => inWidget(r.target));
  return result.violations
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.filter(ours).map((n) => ({
        target: JSON.stringify(n.target),
        related: related(n).map((r) => JSON.stringify(r.target)),
        html: n.html.slice(0, 160),
        why: n.failureSummary,
      })),
    }))
    .filter((v) => v.nodes.length);
}"""


def settle(page) -> None:
    """Wait for the widget's animations (the panel sliding in) to end: a half-faded panel
    would read as low contrast."""
    page.evaluate(
        f"() => Promise.all(document.querySelector('{WIDGET}').shadowRoot"
        ".getAnimations().filter((a) => a.effect && a.effect.getTiming().iterations !== Infinity)"
        ".map((a) => a.finished))"
    )


def violations(page, axe_source: str) -> list[dict]:
    settle(page)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    return page.evaluate(AXE_RUN, TAGS)


def open_widget(page) -> None:
    page.locator(".tk-launcher").click()
    page.locator(".tk-panel").wait_for(state="visible")


def ask(page, question: str, reply: str = "article.tk-bot"):
    """Send a question with Enter; return the locator of its reply (`reply`: the answer, or
    ".tk-error" when the service is meant to fail)."""
    if not page.locator(".tk-panel").is_visible():
        open_widget(page)
    replies = page.locator(reply)
    before = replies.count()
    page.locator("#tk-input").fill(question)
    page.locator("#tk-input").press("Enter")
    page.locator(".tk-typing").wait_for(state="detached")
    if reply != ".tk-error":
        assert page.locator(".tk-error").count() == 0, page.locator(".tk-error").inner_text()
    found = replies.nth(before)
    found.wait_for(state="visible")
    return found


def show_state(page, state: str) -> None:
    """Bring the widget on the demo page into one of STATES."""
    page.locator(".tk-launcher").wait_for(state="visible")
    if state == "closed":
        return
    open_widget(page)
    if state == "open":
        return
    if state == "error-500":
        page.route(
            "**/api/v1/ask",
            lambda route: route.fulfill(
                status=500,
                content_type="application/json",
                body=json.dumps({"error": {"status": 500, "code": "internal", "message": "x"}}),
            ),
        )
    elif state == "error-down":
        page.route("**/api/v1/ask", lambda route: route.abort("connectionrefused"))
    question = {"crisis": CRISIS, "declined": UNCOVERED}.get(state, GROUND_RULES)
    reply = ask(page, question, ".tk-error" if state.startswith("error") else "article.tk-bot")
    if state in {"answered", "passage"}:  # a conversation: landmarks must stay unique
        reply = ask(page, "How do we choose a venue?")
    if state == "passage":
        for summary in reply.locator("summary").all():
            summary.click()
        assert reply.locator("blockquote").first.is_visible()


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("state", STATES)
def test_axe_finds_no_violation_in_the_widget(open_tab, servers, axe_source, state, size):
    tab = open_tab(viewport=SIZES[size])
    page = tab.page
    page.goto(servers["api"].url + "/")
    show_state(page, state)
    found = violations(page, axe_source)
    assert not found, json.dumps(found, indent=1)


@pytest.mark.parametrize("state", ["answered", "crisis", "error-500"])
def test_axe_finds_no_violation_in_the_dark_scheme(open_tab, servers, axe_source, state):
    tab = open_tab(viewport=DESKTOP, color_scheme="dark")
    page = tab.page
    page.goto(servers["api"].url + "/")
    show_state(page, state)
    found = violations(page, axe_source)
    assert not found, json.dumps(found, indent=1)


# --- layouts -----------------------------------------------------------------------------
# Visible means on screen and not covered: the element the browser hits at the point is it.
HIT_JS = """([selector, index]) => {
  const root = document.querySelector("peer-toolkit-widget").shadowRoot;
  const el = root.querySelectorAll(selector)[index || 0];
  const r = el.getBoundingClientRect();
  const inside = r.left >= -0.5 && r.top >= -0.5 && r.right <= innerWidth + 0.5
    && r.bottom <= innerHeight + 0.5 && r.width > 0 && r.height > 0;
  const points = [[0.5, 0.5], [0.1, 0.1], [0.9, 0.1], [0.1, 0.9], [0.9, 0.9]];
  const covered = points.filter(([fx, fy]) => {
    const hit = root.elementFromPoint(r.left + fx * r.width, r.top + fy * r.height);
    return !(hit && (hit === el || el.contains(hit)));
  });
  return { inside, covered: covered.length, rect: [r.left, r.top, r.width, r.height] };
}"""

# The lines of an element's text that are on screen and not covered (by the sticky question
# box, the header) nor clipped by a scrolling box.
LINES_JS = """(selector) => {
  const root = document.querySelector("peer-toolkit-widget").shadowRoot;
  const els = root.querySelectorAll(selector);
  const el = els[els.length - 1];
  const range = document.createRange();
  range.selectNodeContents(el);
  const tops = new Map();
  for (const r of range.getClientRects()) {
    if (r.width < 2 || r.height < 2) continue;
    const key = Math.round(r.top / 4);
    if (!tops.has(key)) tops.set(key, r);
  }
  let shown = 0;
  for (const r of tops.values()) {
    const x = r.left + Math.min(r.width / 2, 20), y = r.top + r.height / 2;
    if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) continue;
    const hit = root.elementFromPoint(x, y);
    if (hit && el.contains(hit)) shown++;
  }
  // room: how many lines of the answer's height fit in the conversation from its first line
  // down, before the question box, the panel's edge or the screen's edge
  const log = root.querySelector(".tk-log");
  const step = parseFloat(getComputedStyle(el).lineHeight);
  const first = el.getBoundingClientRect();
  let room = 0;
  for (let y = Math.max(first.top, 0) + step / 2; y < innerHeight; y += step, room++) {
    const hit = root.elementFromPoint(first.left + 10, y);
    if (!hit || !log.contains(hit)) break;
  }
  return { lines: tops.size, shown, room };
}"""

# Wait until nothing in the widget scrolls any more (the panel's smooth scrolling).
STILL_JS = """() => new Promise((done) => {
  const root = document.querySelector("peer-toolkit-widget").shadowRoot;
  const boxes = [root.querySelector(".tk-panel"), root.querySelector(".tk-log")];
  let last = "", same = 0;
  const check = () => {
    const now = boxes.map((b) => b.scrollTop).join(",");
    same = now === last ? same + 1 : 0;
    last = now;
    if (same >= 6) done(); else requestAnimationFrame(check);
  };
  check();
})"""


def visible(page, selector: str, index: int = 0) -> dict:
    return page.evaluate(HIT_JS, [selector, index])


def fully_visible(page, selector: str, index: int = 0) -> bool:
    seen = visible(page, selector, index)
    return seen["inside"] and seen["covered"] == 0


def answered(open_tab, servers, **context):
    tab = open_tab(**context)
    page = tab.page
    page.goto(servers["api"].url + "/")
    page.locator(".tk-launcher").wait_for(state="visible")
    ask(page, GROUND_RULES)
    page.evaluate(STILL_JS)
    return tab


def test_at_200_percent_zoom_three_lines_of_the_answer_and_the_text_box_are_on_screen(
    open_tab, servers
):
    # 200% zoom of a 1280x800 window: a viewport of 640x400 CSS pixels
    tab = answered(open_tab, servers, viewport={"width": 640, "height": 400})
    page = tab.page
    lines = page.evaluate(LINES_JS, ".tk-answer")
    assert lines["shown"] >= min(3, lines["lines"]), f"{lines['shown']} lines of the answer shown"
    assert lines["room"] >= 3, f"room for {lines['room']} lines of the answer"
    assert fully_visible(page, "#tk-input"), visible(page, "#tk-input")
    assert fully_visible(page, ".tk-send"), visible(page, ".tk-send")
    assert tab.errors == []


@pytest.mark.parametrize("height", [256, 200])
def test_at_400_percent_zoom_nothing_is_out_of_reach(open_tab, servers, height):
    # 400% zoom of a 1280x1024 window: 320x256 CSS pixels (and of 1280x800: 320x200)
    size = {"width": 320, "height": height}
    tab = answered(open_tab, servers, viewport=size)
    page = tab.page
    input_box = page.locator("#tk-input")
    input_box.focus()
    page.evaluate(STILL_JS)
    assert fully_visible(page, "#tk-input"), visible(page, "#tk-input")
    assert fully_visible(page, ".tk-send"), visible(page, ".tk-send")
    # with the text box focused, the header is brought back by scrolling, not only by Tab
    panel = page.locator(".tk-panel").bounding_box()
    page.mouse.move(panel["x"] + panel["width"] / 2, panel["y"] + panel["height"] / 3)
    for _ in range(10):
        page.mouse.wheel(0, -400)
    page.evaluate(STILL_JS)
    assert fully_visible(page, ".tk-close"), visible(page, ".tk-close")
    # and by keyboard: each control is on screen once it has focus
    for selector in ["#tk-input", ".tk-send", ".tk-close", "article.tk-bot summary"]:
        page.locator(selector).first.focus()
        page.evaluate(STILL_JS)
        assert fully_visible(page, selector), (selector, visible(page, selector))
    assert tab.errors == []


# What would need scrolling sideways: boxes, or lines of text, outside the viewport's width.
REFLOW_JS = """() => {
  const root = document.querySelector("peer-toolkit-widget").shadowRoot;
  const out = [];
  const outside = (r) => r.width > 0 && (r.left < -0.5 || r.right > innerWidth + 0.5);
  const walker = document.createTreeWalker(root.querySelector(".tk-panel"), NodeFilter.SHOW_ALL);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.nodeType === 1 ? n : n.parentElement;
    if (el.closest(".tk-sr") || !el.getClientRects().length) continue;
    let rects = [];
    if (n.nodeType === 1) rects = [n.getBoundingClientRect()];
    else if (n.nodeType === 3 && n.textContent.trim()) {
      const range = document.createRange();
      range.selectNodeContents(n);
      rects = [...range.getClientRects()];
    }
    if (rects.some(outside)) out.push([el.className || el.localName, n.textContent.slice(0, 40)]);
  }
  const panel = root.querySelector(".tk-panel"), log = root.querySelector(".tk-log");
  return { outside: out.slice(0, 10), panel: panel.scrollWidth - panel.clientWidth,
           log: log.scrollWidth - log.clientWidth };
}"""


def test_at_400_percent_zoom_the_panel_reflows_into_320_pixels(open_tab, servers):
    tab = answered(open_tab, servers, viewport={"width": 320, "height": 256})
    page = tab.page
    answer = page.locator("article.tk-bot").first
    for summary in answer.locator("summary").all():
        summary.click()
    ask(page, CRISIS)
    seen = page.evaluate(REFLOW_JS)
    assert seen == {"outside": [], "panel": 0, "log": 0}, "no scrolling sideways"


# The height of one line of text in the box, with its padding and border.
ONE_LINE_JS = """(el) => {
  const s = getComputedStyle(el);
  return ["lineHeight", "paddingTop", "paddingBottom", "borderTopWidth", "borderBottomWidth"]
    .reduce((sum, key) => sum + parseFloat(s[key]), 0);
}"""


@pytest.mark.parametrize("size", list(SIZES))
def test_at_200_percent_text_size_the_send_button_is_not_clipped(open_tab, servers, size):
    tab = open_tab(viewport=SIZES[size])
    page = tab.page
    # the browser's own text size (Settings > Appearance > Font size) at 32 px instead of 16
    cdp = tab.context.new_cdp_session(page)
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
    page.goto(servers["api"].url + "/")
    page.locator(".tk-launcher").wait_for(state="visible")
    open_widget(page)
    page.evaluate(STILL_JS)
    greeting = page.locator(".tk-greeting p")
    font = greeting.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert font >= 31, "the widget's text follows the browser's text size"
    assert fully_visible(page, "#tk-input"), visible(page, "#tk-input")
    for selector in [".tk-send", ".tk-close"]:  # on screen once focused
        page.locator(selector).focus()
        page.evaluate(STILL_JS)
        assert fully_visible(page, selector), (selector, visible(page, selector))
    for icon in [".tk-send svg", ".tk-close svg"]:
        assert page.locator(icon).bounding_box()["width"] >= font, f"{icon} grows with the text"
    box = page.locator("#tk-input")
    assert box.bounding_box()["height"] <= box.evaluate(ONE_LINE_JS) + 4, (
        "the empty box is one line high, whatever its wrapped placeholder's height"
    )
    ask(page, GROUND_RULES)
    page.evaluate(STILL_JS)
    for selector in ["#tk-input", ".tk-send"]:
        assert fully_visible(page, selector), (selector, visible(page, selector))
    assert box.bounding_box()["height"] <= box.evaluate(ONE_LINE_JS) + 4, "and once emptied"
    assert tab.errors == []


# Colour arithmetic of WCAG 2 (relative luminance, contrast ratio) on computed colours.
COLOUR_LIB = """
  const root = document.querySelector("peer-toolkit-widget").shadowRoot;
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const opaque = (s) => { const c = rgb(s); return c.length === 3 || c[3] === 1; };
  const lin = (c) => ((c /= 255) <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const ratio = (a, b) => {
    const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((p, q) => q - p);
    return Math.round(((x + 0.05) / (y + 0.05)) * 100) / 100;
  };
  const background = (el) => {
    for (let e = el; e && e.nodeType === 1; e = e.parentNode) {
      const c = getComputedStyle(e).backgroundColor;
      if (opaque(c)) return c;
    }
    return "rgb(255, 255, 255)";
  };
  const name = (el) => [el.localName, ...el.classList].join(".");
  const within = (el) => {
    const names = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentNode) names.push(...e.classList);
    return names.join(" ");
  };
"""

# Text against what is behind it (WCAG 1.4.3), and the boundaries of the text box and the
# starter buttons, and the fill of the crisis buttons, against what is behind them (1.4.11).
COLOURS_JS = f"""() => {{
  {COLOUR_LIB}
  const text = [];
  for (const el of root.querySelectorAll("*")) {{
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length || el.closest(".tk-sr")) continue;
    const s = getComputedStyle(el);
    if (s.visibility === "hidden") continue;
    const words = el.textContent.trim().slice(0, 30);
    text.push([name(el), within(el), words, ratio(s.color, background(el))]);
  }}
  const ui = [...root.querySelectorAll(".tk-input, .tk-chip")].map((el) => {{
    const s = getComputedStyle(el);
    const drawn = s.borderTopStyle !== "none" && parseFloat(s.borderTopWidth) > 0;
    return [name(el), drawn ? ratio(s.borderTopColor, background(el.parentNode)) : 1];
  }});
  for (const el of root.querySelectorAll(".tk-crisis .tk-contact")) {{
    ui.push([name(el), ratio(getComputedStyle(el).backgroundColor, background(el.parentNode))]);
  }}
  return {{ text, ui, surface: lum(rgb(background(root.querySelector(".tk-log")))) }};
}}"""

# The focus ring of the focused element against what is behind it (1.4.11).
OUTLINE_JS = f"""() => {{
  {COLOUR_LIB}
  const el = root.activeElement;
  const s = getComputedStyle(el);
  if (s.outlineStyle === "none" || !parseFloat(s.outlineWidth)) return [name(el), 0];
  return [name(el), ratio(s.outlineColor, background(el.parentNode))];
}}"""


@pytest.mark.parametrize("accent", ["", "#ffd400", "hotpink", "#1e3a8a"])
def test_dark_scheme_keeps_text_at_4_5_and_controls_at_3_to_1(open_tab, servers, accent):
    tab = open_tab(viewport=DESKTOP, color_scheme="dark")
    page = tab.page
    page.route(
        "**/api/v1/feedback",
        lambda route: route.fulfill(status=503, content_type="application/json", body="{}"),
    )
    page.goto(f"{servers['partner'].url}/?accent={accent.replace('#', '%23')}")
    page.locator(".tk-launcher").wait_for(state="visible")
    open_widget(page)
    settle(page)
    starters = page.evaluate(COLOURS_JS)
    assert starters["surface"] < 0.05, "the panel is dark under prefers-color-scheme: dark"
    chips = [u for u in starters["ui"] if "tk-chip" in u[0]]
    assert chips and all(u[1] >= 3 for u in chips), chips
    answer = ask(page, GROUND_RULES)
    answer.locator("summary").first.click()
    ask(page, "What should we do if a member says they have thoughts of suicide?")
    answer.get_by_role("button", name="Not helpful").click()
    answer.locator(".tk-status").filter(has_text="not sent").wait_for()
    ask(page, CRISIS)
    page.route("**/api/v1/ask", lambda route: route.abort())
    ask(page, "again", ".tk-error")
    measured = page.evaluate(COLOURS_JS)
    checked = {cls for m in measured["text"] for cls in m[1].split()}
    assert {"tk-launcher-text", "tk-answer", "tk-ref", "tk-meta", "tk-status"} <= checked
    assert {"tk-note", "tk-crisis", "tk-contact", "tk-signpost", "tk-error"} <= checked
    low = [m for m in measured["text"] if m[3] < 4.5]
    assert not low, low
    assert any("tk-contact" in u[0] for u in measured["ui"])
    weak = [u for u in measured["ui"] if u[1] < 3]
    assert not weak, weak
    # focus rings, on the way back through the panel by keyboard (:focus-visible)
    rings = []
    for _ in range(25):
        page.keyboard.press("Shift+Tab")
        rings.append(page.evaluate(OUTLINE_JS))
    assert {"a.tk-contact", "a.tk-source-link", "button.tk-icon-btn"} <= {r[0] for r in rings}
    faint = [r for r in rings if r[1] < 3]
    assert not faint, faint


FORCED_JS = """(selector) => {
  const root = document.querySelector("peer-toolkit-widget").shadowRoot;
  return [...root.querySelectorAll(selector)].map((el) => {
    const s = getComputedStyle(el);
    let bg = "";
    for (let e = el.parentNode; e && e.nodeType === 1; e = e.parentNode) {
      const c = getComputedStyle(e).backgroundColor;
      if (!/rgba\\(.*, 0\\)$/.test(c)) { bg = c; break; }
    }
    return { text: el.textContent.trim(), style: s.borderTopStyle,
             width: parseFloat(s.borderTopWidth), colour: s.borderTopColor,
             fill: s.backgroundColor, behind: bg };
  });
}"""


def test_forced_colours_keep_the_crisis_buttons_visible_as_buttons(open_tab, servers):
    tab = open_tab(viewport=DESKTOP, forced_colors="active")
    page = tab.page
    page.goto(servers["api"].url + "/")
    page.locator(".tk-launcher").wait_for(state="visible")
    answer = ask(page, CRISIS)
    assert page.evaluate("matchMedia('(forced-colors: active)').matches")
    buttons = answer.evaluate("a => a.querySelectorAll('.tk-contact').length")
    assert buttons >= 3
    for b in page.evaluate(FORCED_JS, ".tk-crisis .tk-contact"):
        outlined = b["style"] not in {"none", "hidden"} and b["width"] >= 1
        outlined = outlined and b["colour"] != b["behind"]
        filled = b["fill"] != b["behind"] and not b["fill"].endswith(", 0)")
        assert outlined or filled, b
    for b in page.evaluate(FORCED_JS, ".tk-send, .tk-launcher"):
        assert b["style"] not in {"none", "hidden"} and b["width"] >= 1, b


# WCAG 1.4.12: a reader's own style sheet (or a bookmarklet) spacing text out this much must
# not cut any text off.
TEXT_SPACING = """* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
  word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }"""

CLIPPED_JS = """(css) => {
  const root = document.querySelector("peer-toolkit-widget").shadowRoot;
  if (css) root.append(Object.assign(document.createElement("style"), { textContent: css }));
  const clipping = (v) => v === "hidden" || v === "clip";
  const out = [];
  for (const el of root.querySelectorAll(".tk *")) {
    if (el.closest(".tk-sr") || !el.getClientRects().length || el.clientWidth <= 1) continue;
    const s = getComputedStyle(el);
    const wide = clipping(s.overflowX) && el.scrollWidth > el.clientWidth + 1;
    const tall = clipping(s.overflowY) && el.scrollHeight > el.clientHeight + 1;
    if (wide || tall) out.push([el.className || el.localName, el.scrollWidth, el.clientWidth,
                                el.scrollHeight, el.clientHeight]);
  }
  return out;
}"""


@pytest.mark.parametrize("size", list(SIZES))
def test_text_spacing_cuts_no_text_off(open_tab, servers, size):
    tab = open_tab(viewport=SIZES[size])
    page = tab.page
    page.goto(servers["api"].url + "/")
    page.locator(".tk-launcher").wait_for(state="visible")
    assert page.evaluate(CLIPPED_JS, TEXT_SPACING) == [], "closed"
    answer = ask(page, GROUND_RULES)
    for summary in answer.locator("summary").all():
        summary.click()
    ask(page, CRISIS)
    page.evaluate(STILL_JS)
    assert page.evaluate(CLIPPED_JS, "") == []
    assert page.evaluate(REFLOW_JS)["outside"] == []


def test_at_200_percent_zoom_a_first_open_shows_the_title_and_the_crisis_note(open_tab, servers):
    tab = open_tab(viewport={"width": 640, "height": 400})
    page = tab.page
    page.goto(servers["api"].url + "/")
    page.locator(".tk-launcher").wait_for(state="visible")
    open_widget(page)
    page.evaluate(STILL_JS)
    for selector in ["#tk-title", ".tk-note", "#tk-input"]:
        assert fully_visible(page, selector), (selector, visible(page, selector))
    # a conversation to go back to opens at its latest message
    ask(page, GROUND_RULES)
    page.locator(".tk-close").click()
    open_widget(page)
    page.evaluate(STILL_JS)
    assert not fully_visible(page, ".tk-note")
    assert page.evaluate(LINES_JS, ".tk-answer")["shown"] >= 1


def test_the_crisis_buttons_hover_keeps_3_to_1_on_the_dark_crisis_box(open_tab, servers):
    tab = open_tab(viewport=DESKTOP, color_scheme="dark")
    page = tab.page
    page.goto(f"{servers['partner'].url}/")
    page.locator(".tk-launcher").wait_for(state="visible")
    open_widget(page)
    settle(page)
    ask(page, CRISIS)
    contact = page.locator(".tk-crisis .tk-contact").first
    contact.hover()
    settle(page)
    measured = page.evaluate(COLOURS_JS)
    hovered = [u for u in measured["ui"] if "tk-contact" in u[0]]
    assert hovered and all(u[1] >= 3 for u in hovered), hovered
