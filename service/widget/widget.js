/* Peer support toolkit assistant: the chat widget a charity pastes into its own page.

   <script src="https://HOST/widget.js" async></script>

   Options, as data-* attributes on that script tag (all optional):
     data-api       the service's base URL (default: where widget.js was loaded from)
     data-title     the panel's title and the launcher's label
     data-greeting  the first message in the panel
     data-accent    a CSS colour; text on it is black or white, whichever reads better
     data-position  "right" (default) or "left"
     data-starters  example questions: "one | two | three" or a JSON array ("" for none)
     data-strings   a JSON object replacing any of the fixed texts in STRINGS below (a partner
                    site in another language: {"lang": "cy", "title": "Gofyn i'r pecyn", ...})

   Plain JavaScript, no build step. Everything lives in a shadow root, so the host page's CSS
   cannot reach it and its CSS cannot leak out. Text from the server is only ever inserted as
   text (textContent, text nodes), never parsed as HTML. */
(() => {
  "use strict";
  const script =
    document.currentScript ||
    document.querySelector('script[src*="widget.js"][data-api], script[src$="/widget.js"]');
  if (!script || window.__peerToolkitWidget) return;
  window.__peerToolkitWidget = true;

  // Every fixed text of the widget; {name} is filled in. data-strings replaces any of them.
  const STRINGS = {
    lang: "en-GB",
    title: "Ask the toolkit",
    subtitle: "Answers quoted from the toolkit, with their sources",
    greeting:
      "Hello! Ask me about starting or running a peer support group. I answer in the toolkit's own words, and every answer links to the pages it comes from.",
    starters: [
      "How do we agree ground rules as a group?",
      "What if nobody says anything at the first meeting?",
      "How do we choose a venue?",
    ],
    startersLabel: "Example questions",
    placeholder: "Ask about running a group…",
    inputLabel: "Your question",
    send: "Send question",
    close: "Close chat",
    clear: "Start a new conversation",
    cleared: "Conversation cleared.",
    conversation: "Conversation",
    noteLead: "Not a crisis service.",
    noteText: "To talk to someone now:",
    youAsked: "You asked:",
    answerTo: "Answer to:",
    announceAnswer: "Answer: {text}",
    announceSources: "{n} sources listed below.",
    announceSource: "1 source listed below.",
    sources: "Sources",
    nearest: "Nearest sections to browse",
    more: "More sections that may help ({n})",
    sourceN: "Source {n}",
    sourceRef: "Source {n}: {title}, {pages}",
    passage: "Quoted passage",
    newTab: "(opens in a new tab)",
    page: "p. {label}",
    pages: "pp. {label}",
    pdfPage: "page {page}",
    pdfPages: "pages {start}–{end}",
    labelled: "{label} ({physical} of the PDF)",
    crisisTitle: "Help is available right now",
    signpost: "Support if someone is at risk",
    website: "website",
    websiteOf: "of {name}",
    helpfulAsk: "Was this helpful?",
    helpful: "Helpful",
    notHelpful: "Not helpful",
    copy: "Copy",
    sending: "Sending…",
    feedbackThanks: "Thanks, your feedback was recorded.",
    feedbackRecorded: "Feedback recorded",
    feedbackFailed: "Feedback not sent: {error}",
    copied: "Answer and sources copied.",
    copyBlocked: "Copying is blocked here; select the text instead.",
    copySources: "Sources:",
    copyNearest: "Nearest sections:",
    typing: "Looking through the toolkit…",
    retry: "Try again",
    retryIn: "Try again in {n} s",
    errorResources: "If you need to talk to someone now:",
    errorTimeout: "The service took too long to answer. Please try again.",
    errorNetwork:
      "Sorry, we couldn't reach the toolkit service. Please check your connection and try again.",
    errorUnreadable: "Sorry, the service sent an answer we could not read. Please try again.",
    errorBusy: "Lots of people are asking questions right now.",
    errorBusyWait: "Please try again in {n} seconds.",
    errorBusyMoment: "Please try again in a moment.",
    errorServer: "Sorry, something went wrong on our side. Please try again in a moment.",
    errorRequest: "Sorry, the service could not take that question (error {status}).",
    // Only when even GET /api/v1/resources fails: the service's own list comes first.
    resources: [
      { name: "Samaritans", contact: "Call 116 123 (free, any time)", url: "https://www.samaritans.org/" },
      {
        name: "Emergency services",
        contact: "Call 999 if a life is at risk now",
        url: "https://www.nhs.uk/nhs-services/urgent-and-emergency-care-services/when-to-go-to-ae/",
      },
    ],
  };

  const data = script.dataset;
  const S = strings(data.strings);
  const scriptUrl = new URL(script.src, location.href);
  const base = data.api ? new URL(data.api.replace(/\/*$/, "/"), location.href) : new URL("./", scriptUrl);
  const title = (data.title || "").trim() || S.title;
  const greeting = (data.greeting || "").trim() || S.greeting;
  const starters = parseStarters(data.starters);
  const storeKey = "peer-toolkit-widget:" + base.href;
  const MAX_KEPT = 20;
  const MAX_TURNS = 10; // history sent with a question (the API's limit)
  const MAX_TURN_CHARS = 1000;
  const NS = "http://www.w3.org/2000/svg";
  const reducedMotion = window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)");
  const ICON = {
    chat: "M21 11.5a8.4 8.4 0 0 1-.9 3.8 8.5 8.5 0 0 1-7.6 4.7 8.4 8.4 0 0 1-3.8-.9L3 21l1.9-5.7a8.4 8.4 0 0 1-.9-3.8 8.5 8.5 0 0 1 4.7-7.6 8.4 8.4 0 0 1 3.8-.9h.5a8.5 8.5 0 0 1 8 8z",
    close: "M18 6 6 18M6 6l12 12",
    send: "M22 2 11 13M22 2l-7 20-4-9-9-4z",
    up: "M7 10v12M15 5.9 14 10h5.8a2 2 0 0 1 1.9 2.6l-2.3 8a2 2 0 0 1-1.9 1.4H4a2 2 0 0 1-2-2v-8a2 2 0 0 1 2-2h2.8a2 2 0 0 0 1.8-1.1L12 2a3.1 3.1 0 0 1 3 3.9z",
    down: "M17 14V2M9 18.1 10 14H4.2a2 2 0 0 1-1.9-2.6l2.3-8A2 2 0 0 1 6.5 2H20a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2h-2.8a2 2 0 0 0-1.8 1.1L12 22a3.1 3.1 0 0 1-3-3.9z",
    copy: "M9 9h11v11H9zM5 15H4V4h11v1",
    open: "M15 3h6v6M10 14 21 3M18 13v6a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h6",
    retry: "M3 12a9 9 0 0 1 15.5-6.2L21 8M21 3v5h-5M21 12a9 9 0 0 1-15.5 6.2L3 16M3 21v-5h5",
    clear: "M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6",
  };

  /** STRINGS with data-strings' replacements (texts for texts, a list for a list). */
  function strings(json) {
    const out = { ...STRINGS };
    if (!json) return out;
    let given = null;
    try {
      given = JSON.parse(json);
    } catch {
      console.warn("Toolkit widget: data-strings is not valid JSON");
    }
    if (!given || typeof given !== "object" || Array.isArray(given)) return out;
    for (const [key, value] of Object.entries(given)) {
      if (!(key in STRINGS)) console.warn("Toolkit widget: data-strings has no text called " + key);
      else if (typeof STRINGS[key] === "string" && typeof value === "string") out[key] = value;
      else if (Array.isArray(STRINGS[key]) && Array.isArray(value)) out[key] = value;
    }
    return out;
  }
  /** The text `key` with {name} filled in from `vars`. */
  function t(key, vars) {
    return String(S[key]).replace(/\{(\w+)\}/g, (m, name) => (vars && name in vars ? String(vars[name]) : m));
  }

  function parseStarters(value) {
    let list = S.starters;
    if (value !== undefined) {
      try {
        list = value.trim().startsWith("[") ? JSON.parse(value) : value.split("|");
      } catch {
        list = [];
      }
    }
    return (Array.isArray(list) ? list : [])
      .map((q) => String(q).trim())
      .filter(Boolean)
      .slice(0, 6);
  }

  // --- building elements: strings are always appended as text nodes ---------------------
  function h(tag, props, ...kids) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value == null || value === false) continue;
      if (key === "class") el.className = value;
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    for (const kid of kids.flat(Infinity)) if (kid != null && kid !== false && kid !== "") el.append(kid);
    return el;
  }
  function icon(name, size = 20) {
    const svg = document.createElementNS(NS, "svg");
    const path = document.createElementNS(NS, "path");
    for (const [k, v] of Object.entries({
      viewBox: "0 0 24 24",
      width: size,
      height: size,
      "aria-hidden": "true",
      focusable: "false",
    })) {
      svg.setAttribute(k, v);
    }
    path.setAttribute("d", ICON[name]);
    svg.append(path);
    return svg;
  }
  const sr = (text) => h("span", { class: "tk-sr" }, text);
  const newTab = () => sr(" " + t("newTab"));

  // --- colours: a custom accent still gets readable text (WCAG AA, 4.5:1) -----------------
  function parseColour(value) {
    try {
      const ctx = document.createElement("canvas").getContext("2d");
      ctx.fillStyle = "#010203";
      ctx.fillStyle = value;
      const m = /^#([0-9a-f]{6})$/i.exec(ctx.fillStyle);
      if (m && (ctx.fillStyle !== "#010203" || /^#010203$/i.test(value))) {
        return [0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16));
      }
    } catch {
      /* no canvas: the default accent */
    }
    return null;
  }
  const channel = (c) => ((c /= 255) <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  function contrast(a, b) {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  }
  const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));
  const hex = (c) => "#" + c.map((v) => v.toString(16).padStart(2, "0")).join("");
  // The dark scheme's surfaces (widget.css uses the same values).
  const DARK_SURFACE = [31, 37, 44];
  const DARK_BG = [20, 24, 29];
  function theme(value) {
    const white = [255, 255, 255];
    const black = [0, 0, 0];
    const accent = parseColour(value || "") || [15, 118, 110];
    const on = contrast(accent, white) >= 4.5 ? white : black;
    const tint = mix(accent, white, 0.9);
    let ink = accent; // the accent as text on white and on its tint
    for (let i = 0; i < 40 && contrast(ink, tint) < 4.7; i++) ink = mix(ink, black, 0.08);
    // dark scheme: the tint is the accent on the dark surface, the ink the accent lightened
    const darkTint = mix(accent, DARK_SURFACE, 0.78);
    let darkInk = accent;
    for (let i = 0; i < 40 && Math.min(contrast(darkInk, darkTint), contrast(darkInk, DARK_BG)) < 4.7; i++)
      darkInk = mix(darkInk, white, 0.08);
    return {
      "--tk-accent": hex(accent),
      "--tk-on": hex(on),
      "--tk-tint-light": hex(tint),
      "--tk-ink-light": hex(ink),
      "--tk-tint-dark": hex(darkTint),
      "--tk-ink-dark": hex(darkInk),
    };
  }

  // --- helpers for citations and contacts ----------------------------------------------
  function safeUrl(url) {
    if (typeof url !== "string" || !url) return null;
    try {
      const u = new URL(url, base);
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
    } catch {
      return null;
    }
  }
  /** "p. 21 (page 28 of the PDF)" where the printed label and the physical page differ. */
  function pages(c) {
    const span = c.page_end > c.page_start;
    const physical = span
      ? t("pdfPages", { start: c.page_start, end: c.page_end })
      : t("pdfPage", { page: c.page_start });
    const label = c.page_label ? String(c.page_label) : "";
    const same = span ? label === `${c.page_start}–${c.page_end}` : label === String(c.page_start);
    if (!label || same) {
      return span
        ? t("pages", { label: `${c.page_start}–${c.page_end}` })
        : t("page", { label: c.page_start });
    }
    const printed = t(/[–-]/.test(label) ? "pages" : "page", { label });
    return t("labelled", { label: printed, physical });
  }
  const CONTACT =
    /\b(?:(call|phone|ring|ffoniwch|ffonio)\s+(\+?\d(?:[\d -]*\d)?)|(text|tecstiwch|tecstio)\s+(?:([A-Za-z]+)\s+(?:to|i)\s+)?(\+?\d(?:[\d ]*\d)?))/gi;
  function contactLinks(text) {
    const out = [];
    let last = 0;
    text = String(text);
    for (const m of text.matchAll(CONTACT)) {
      const number = (m[2] || m[5]).replace(/[^\d+]/g, "");
      const href = m[1]
        ? "tel:" + number
        : "sms:" + number + (m[4] ? "?body=" + encodeURIComponent(m[4]) : "");
      out.push(text.slice(last, m.index), h("a", { href, class: "tk-contact" }, m[0]));
      last = m.index + m[0].length;
    }
    out.push(text.slice(last));
    return out;
  }
  const stripMarkers = (text) => String(text || "").replace(/\s*\[\d+\]/g, "");

  // --- conversation kept for the page session ------------------------------------------
  function load() {
    try {
      const list = JSON.parse(sessionStorage.getItem(storeKey) || "[]");
      return Array.isArray(list) ? list.filter((x) => x && typeof x.q === "string" && x.r) : [];
    } catch {
      return [];
    }
  }
  function save() {
    try {
      sessionStorage.setItem(storeKey, JSON.stringify(history.slice(-MAX_KEPT)));
    } catch {
      /* storage full or blocked: the conversation just isn't kept */
    }
  }
  let history = load();
  let seq = 0;
  let busy = false;

  /** The conversation so far as the API's `history`: the last turns, oldest first. */
  function turns() {
    const out = [];
    for (const ex of history) {
      out.push({ role: "user", content: ex.q }, { role: "assistant", content: String(ex.r.answer || "") });
    }
    return out
      .map((turn) => ({ role: turn.role, content: turn.content.trim().slice(0, MAX_TURN_CHARS) }))
      .filter((turn) => turn.content)
      .slice(-MAX_TURNS);
  }

  // --- crisis resources: the service's list (GET /api/v1/resources), fetched once ---------
  const resourcesKey = storeKey + ":resources";
  const validResources = (list) =>
    Array.isArray(list)
      ? list.filter((r) => r && typeof r.name === "string" && typeof r.contact === "string").slice(0, 8)
      : [];
  let resources = (() => {
    try {
      return validResources(JSON.parse(sessionStorage.getItem(resourcesKey) || "null"));
    } catch {
      return [];
    }
  })();
  const currentResources = () => (resources.length ? resources : validResources(S.resources));
  async function fetchResources() {
    if (resources.length) return;
    try {
      const res = await fetch(new URL("api/v1/resources", base), {
        headers: { Accept: "application/json" },
        credentials: "omit",
      });
      const list = validResources(res.ok ? (await res.json()).resources : null);
      if (!list.length) return;
      resources = list;
      try {
        sessionStorage.setItem(resourcesKey, JSON.stringify(list));
      } catch {
        /* not kept: fetched again on the next page */
      }
      note.replaceChildren(...noteContent());
    } catch {
      /* the built-in list stays */
    }
  }

  // --- the API -----------------------------------------------------------------------
  class ApiError extends Error {
    constructor(message, wait = 0, status = 0) {
      super(message);
      this.wait = wait;
      this.status = status;
    }
  }
  function retryAfter(value) {
    if (!value) return 0;
    const secs = /^\d+$/.test(value.trim()) ? +value : Math.ceil((Date.parse(value) - Date.now()) / 1000);
    return Number.isFinite(secs) ? Math.min(Math.max(secs, 1), 3600) : 0;
  }
  async function post(path, body) {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), 30000);
    try {
      let res;
      try {
        res = await fetch(new URL("api/v1/" + path, base), {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify(body),
          credentials: "omit",
          signal: ctrl.signal,
        });
      } catch {
        throw new ApiError(ctrl.signal.aborted ? t("errorTimeout") : t("errorNetwork"));
      }
      let json = null;
      try {
        json = await res.json();
      } catch {
        /* not JSON: a proxy's error page */
      }
      if (res.ok && json) return json;
      if (res.ok) throw new ApiError(t("errorUnreadable"));
      const message = json && json.error && typeof json.error.message === "string" ? json.error.message : "";
      if (res.status === 429) {
        const wait = retryAfter(res.headers.get("Retry-After"));
        throw new ApiError(
          t("errorBusy") + " " + (wait ? t("errorBusyWait", { n: wait }) : t("errorBusyMoment")),
          wait,
          429,
        );
      }
      if (res.status >= 500 || !res.status) throw new ApiError(message || t("errorServer"), 0, res.status);
      throw new ApiError(message || t("errorRequest", { status: res.status }), 0, res.status);
    } finally {
      clearTimeout(timer);
    }
  }

  // --- the interface -------------------------------------------------------------------
  const host = document.createElement("peer-toolkit-widget");
  const shadow = host.attachShadow({ mode: "open" });
  const root = h("div", {
    class: "tk",
    lang: S.lang,
    "data-position": data.position === "left" ? "left" : "right",
    hidden: true,
  });
  for (const [k, v] of Object.entries(theme(data.accent))) root.style.setProperty(k, v);
  const css = h("link", { rel: "stylesheet", href: new URL("widget.css", scriptUrl).href });
  css.addEventListener("load", () => (root.hidden = false));
  css.addEventListener("error", () => console.warn("Toolkit widget: could not load " + css.href));

  const launcherText = h("span", { class: "tk-launcher-text" }, title);
  const launcher = h(
    "button",
    {
      type: "button",
      class: "tk-launcher",
      "aria-haspopup": "dialog",
      "aria-expanded": "false",
      "aria-controls": "tk-panel",
    },
    h("span", { class: "tk-when-closed" }, icon("chat", 24)),
    h("span", { class: "tk-when-open" }, icon("close", 24)),
    launcherText,
  );
  const polite = h("div", { class: "tk-sr", "aria-live": "polite", "aria-atomic": "true" });
  const assertive = h("div", { class: "tk-sr", "aria-live": "assertive", "aria-atomic": "true" });
  const log = h("div", { class: "tk-log", role: "region", "aria-label": t("conversation"), tabindex: "-1" });
  const input = h("textarea", {
    id: "tk-input",
    class: "tk-input",
    rows: "1",
    maxlength: "1000",
    placeholder: S.placeholder,
    enterkeyhint: "send",
    autocomplete: "off",
  });
  // Never disabled (a disabled button drops keyboard focus to the page): busy is aria-disabled.
  const send = h("button", { type: "submit", class: "tk-send", "aria-label": t("send") }, icon("send"));
  const form = h(
    "form",
    {
      class: "tk-form",
      onsubmit: (e) => {
        e.preventDefault();
        if (shadow.activeElement === send) input.focus();
        ask(input.value);
      },
    },
    h("label", { for: "tk-input", class: "tk-sr" }, t("inputLabel")),
    input,
    send,
  );
  const closeBtn = h(
    "button",
    { type: "button", class: "tk-icon-btn tk-close", "aria-label": t("close"), onclick: () => close() },
    icon("close"),
  );
  const clearBtn = h(
    "button",
    {
      type: "button",
      class: "tk-icon-btn",
      "aria-label": t("clear"),
      title: t("clear"),
      onclick: clearAll,
    },
    icon("clear"),
  );
  function noteContent() {
    const list = currentResources();
    const shown = list.length > 1 ? [list[0], list[list.length - 1]] : list;
    const out = [h("strong", {}, t("noteLead")), " ", t("noteText")];
    shown.forEach((r, i) => out.push(i ? "; " : " ", h("span", { class: "tk-note-name" }, r.name), ": ", ...contactLinks(r.contact)));
    return out.filter((x) => x !== "");
  }
  const note = h("p", { class: "tk-note" }, noteContent());
  const panel = h(
    "div",
    {
      id: "tk-panel",
      class: "tk-panel",
      role: "dialog",
      "aria-modal": "true",
      "aria-labelledby": "tk-title",
      hidden: true,
    },
    h(
      "div",
      { class: "tk-header" },
      h("div", { class: "tk-heading" }, h("h2", { id: "tk-title" }, title), h("p", {}, t("subtitle"))),
      clearBtn,
      closeBtn,
    ),
    note,
    log,
    form,
    polite,
    assertive,
  );
  root.append(launcher, panel);
  shadow.append(css, root);

  function renderAll() {
    log.replaceChildren(h("div", { class: "tk-msg tk-bot tk-greeting" }, h("p", {}, greeting)));
    if (!history.length && starters.length) {
      log.append(
        h(
          "div",
          { class: "tk-starters", role: "group", "aria-label": t("startersLabel") },
          starters.map((q) => h("button", { type: "button", class: "tk-chip", onclick: () => ask(q) }, q)),
        ),
      );
    }
    for (const ex of history) log.append(userView(ex.q), answerView(ex));
  }

  const userView = (q) => h("div", { class: "tk-msg tk-user" }, sr(t("youAsked") + " "), h("p", {}, q));

  function answerView(ex) {
    const r = ex.r;
    const id = "tk-a" + ++seq;
    const safety = r.safety || {};
    const cites = Array.isArray(r.citations) ? r.citations.filter((c) => c && c.document) : [];
    // labelled by its question, so that a list of answers says which is which
    const art = h("article", { class: "tk-msg tk-bot", "aria-label": `${t("answerTo")} ${ex.q}` });
    art.classList.toggle("tk-bot-crisis", !!safety.crisis);
    const text = String(r.answer || "");
    if (safety.crisis) {
      // the reply's parts: the crisis message first, then (for someone else in danger now)
      // what the documents say to do; someone at risk themselves gets the message alone
      art.append(crisisBox(safety, text, id));
      if (cites.length && r.answered && text && text !== safety.message) {
        art.append(answerText(text, cites, id));
        art.append(sourceList(cites, id, cited(text, cites)));
      }
      return art;
    }
    art.append(answerText(text, cites, id));
    if (safety.message || (safety.resources || []).length) {
      art.append(
        h(
          "div",
          { class: "tk-signpost", role: "note", "aria-label": t("signpost") },
          safety.message && h("p", {}, safety.message),
          resourceList(safety.resources),
        ),
      );
    }
    if (cites.length) art.append(sourceList(cites, id, r.answered !== false && cited(text, cites)));
    art.append(actions(ex, cites));
    return art;
  }

  function answerText(text, cites, id) {
    const p = h("p", { class: "tk-answer" });
    const byN = new Map(cites.map((c) => [c.n, c]));
    let last = 0;
    for (const m of text.matchAll(/\[(\d+)\]/g)) {
      const c = byN.get(+m[1]);
      if (!c) continue;
      p.append(
        text.slice(last, m.index),
        h(
          "a",
          {
            class: "tk-ref",
            href: `#${id}-${c.n}`,
            "aria-label": t("sourceRef", { n: c.n, title: c.document.title || c.document.filename, pages: pages(c) }),
            onclick: (e) => (e.preventDefault(), goTo(`${id}-${c.n}`)),
          },
          m[0],
        ),
      );
      last = m.index + m[0].length;
    }
    p.append(text.slice(last));
    return p;
  }

  // The citations the answer quotes ([n] in its text); the others are further reading.
  function cited(text, cites) {
    const used = new Set([...text.matchAll(/\[(\d+)\]/g)].map((m) => +m[1]));
    return cites.filter((c) => used.has(c.n));
  }

  // `quoted` lists the citations the answer quotes, or is false when it quotes none.
  function sourceList(cites, id, quoted) {
    const main = quoted && quoted.length ? quoted : cites;
    const more = main === cites ? [] : cites.filter((c) => !main.includes(c));
    return h(
      "div",
      { class: "tk-sources" },
      h("h3", { id: id + "-h" }, main === quoted ? t("sources") : t("nearest")),
      sourceItems(main, id, id + "-h"),
      more.length > 0 &&
        h(
          "details",
          { class: "tk-more" },
          h("summary", {}, t("more", { n: more.length })),
          sourceItems(more, id),
        ),
    );
  }

  function sourceItems(cites, id, labelledBy) {
    return h(
      "ol",
      { role: "list", "aria-labelledby": labelledBy },
      cites.map((c) => {
        const url = safeUrl(c.viewer_url) || safeUrl(c.url);
        const where = pages(c);
        const name = c.document.title || c.document.filename;
        return h(
          "li",
          { id: `${id}-${c.n}`, class: "tk-source", tabindex: "-1" },
          h("span", { class: "tk-num" }, sr(t("sourceN", { n: c.n })), h("span", { "aria-hidden": "true" }, String(c.n))),
          h(
            "div",
            { class: "tk-source-body" },
            url
              ? h(
                  "a",
                  { class: "tk-source-link", href: url, target: "_blank", rel: "noopener" },
                  name,
                  sr(", " + where),
                  newTab(),
                  icon("open", 14),
                )
              : h("strong", {}, name),
            h("p", { class: "tk-meta" }, [where, c.section].filter(Boolean).join(" · ")),
            c.text && h("details", {}, h("summary", {}, t("passage")), h("blockquote", {}, c.text)),
          ),
        );
      }),
    );
  }

  function resourceList(list) {
    return h(
      "ul",
      { class: "tk-resources", role: "list" },
      validResources(list).map((res) => {
        const url = safeUrl(res.url);
        return h(
          "li",
          {},
          h("strong", {}, res.name),
          " ",
          h("span", {}, contactLinks(res.contact || "")),
          url &&
            h(
              "span",
              { class: "tk-site" },
              " · ",
              h(
                "a",
                { href: url, target: "_blank", rel: "noopener" },
                t("website"),
                sr(" " + t("websiteOf", { name: res.name })),
                newTab(),
              ),
            ),
        );
      }),
    );
  }

  function crisisBox(safety, answer, id) {
    const list = validResources(safety.resources).length ? safety.resources : currentResources();
    return h(
      "div",
      { class: "tk-crisis", role: "group", "aria-labelledby": id + "-crisis" },
      h("h3", { id: id + "-crisis" }, t("crisisTitle")),
      resourceList(list),
      h("p", {}, safety.message || answer),
    );
  }

  // Buttons are made unavailable with aria-disabled, never `disabled`, so that a keyboard
  // user's focus stays on them.
  const unavailable = (button, yes) => button.setAttribute("aria-disabled", String(!!yes));
  const isUnavailable = (button) => button.getAttribute("aria-disabled") === "true";

  function actions(ex, cites) {
    const status = h("span", { class: "tk-status", role: "status" });
    const vote = (helpful) => {
      const button = h(
        "button",
        {
          type: "button",
          class: "tk-icon-btn",
          "aria-label": helpful ? t("helpful") : t("notHelpful"),
          title: helpful ? t("helpful") : t("notHelpful"),
          "aria-pressed": String(ex.fb === helpful),
          "aria-disabled": String(ex.fb !== undefined),
          onclick: () => isUnavailable(button) || feedback(ex, helpful, [up, down], status),
        },
        icon(helpful ? "up" : "down", 18),
      );
      return button;
    };
    const up = vote(true);
    const down = vote(false);
    if (ex.fb !== undefined) status.textContent = t("feedbackRecorded");
    const copy = h(
      "button",
      { type: "button", class: "tk-text-btn", onclick: () => copyAnswer(ex.r, cites, status) },
      icon("copy", 16),
      t("copy"),
    );
    return h("div", { class: "tk-actions" }, h("span", { class: "tk-ask" }, t("helpfulAsk")), up, down, copy, status);
  }

  async function feedback(ex, helpful, buttons, status) {
    buttons.forEach((b) => unavailable(b, true));
    status.textContent = t("sending");
    try {
      await post("feedback", { query_id: ex.r.query_id, helpful });
      ex.fb = helpful;
      save();
      buttons.forEach((b, i) => b.setAttribute("aria-pressed", String((i === 0) === helpful)));
      status.textContent = t("feedbackThanks");
    } catch (err) {
      buttons.forEach((b) => unavailable(b, false));
      status.textContent = t("feedbackFailed", { error: err.message });
    }
  }

  async function copyAnswer(r, cites, status) {
    const answer = String(r.answer || "");
    const quoted = r.answered === false ? [] : cited(answer, cites);
    const lines = [answer];
    if (cites.length) {
      lines.push("", quoted.length ? t("copySources") : t("copyNearest"));
      for (const c of quoted.length ? quoted : cites) {
        const section = c.section ? ", " + c.section : "";
        const url = safeUrl(c.viewer_url) || safeUrl(c.url) || "";
        lines.push(`[${c.n}] ${c.document.title}, ${pages(c)}${section}: ${url}`);
      }
    }
    const text = lines.join("\n");
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const area = h("textarea", { class: "tk-offscreen", "aria-hidden": "true", tabindex: "-1" });
      area.value = text;
      shadow.append(area);
      area.select();
      const ok = document.execCommand && document.execCommand("copy");
      area.remove();
      if (!ok) return void (status.textContent = t("copyBlocked"));
    }
    status.textContent = t("copied");
  }

  function typingView() {
    return h(
      "div",
      { class: "tk-msg tk-bot tk-typing", role: "status" },
      h("span", { class: "tk-dots", "aria-hidden": "true" }, h("span"), h("span"), h("span")),
      t("typing"),
    );
  }

  function errorView(err, retry) {
    const label = h("span", {}, t("retry"));
    const button = h("button", { type: "button", class: "tk-text-btn tk-retry", onclick: () => isUnavailable(button) || retry() }, icon("retry", 16), label);
    const view = h(
      "div",
      { class: "tk-msg tk-error" },
      h("p", { role: "alert" }, err.message),
      button,
      h("div", { class: "tk-error-help" }, h("p", {}, t("errorResources")), resourceList(currentResources())),
    );
    if (err.wait) {
      let left = err.wait;
      unavailable(button, true);
      const tick = () => {
        if (!view.isConnected && left < err.wait) return;
        if (left <= 0) {
          unavailable(button, false);
          label.textContent = t("retry");
          return;
        }
        label.textContent = t("retryIn", { n: left-- });
        setTimeout(tick, 1000);
      };
      tick();
    }
    return view;
  }

  // On short screens (zoomed in) the whole panel scrolls, header and note included.
  const scroller = () => (getComputedStyle(panel).overflowY === "auto" ? panel : log);
  function scrollTo(el) {
    const box = scroller();
    const top = el.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
    box.scrollTo({
      top: Math.max(0, top - 8),
      behavior: reducedMotion && reducedMotion.matches ? "auto" : "smooth",
    });
  }
  function goTo(id) {
    const li = shadow.getElementById(id);
    if (!li) return;
    scrollTo(li);
    li.focus({ preventScroll: true });
    li.classList.remove("tk-flash");
    void li.offsetWidth;
    li.classList.add("tk-flash");
  }

  async function ask(text) {
    const question = String(text).trim();
    if (!question || busy) return;
    busy = true;
    unavailable(send, true);
    const context = turns();
    input.value = "";
    grow();
    // A starter is about to go: keep focus in the panel, on the text box after a key press, on
    // the conversation after a tap (which would otherwise open the on-screen keyboard).
    const active = shadow.activeElement;
    if (active && log.contains(active)) {
      (active.matches(":focus-visible") ? input : log).focus({ preventScroll: true });
    }
    log.querySelectorAll(".tk-starters, .tk-error").forEach((el) => el.remove());
    const mine = userView(question);
    const typing = typingView();
    log.append(mine, typing);
    scrollTo(mine);
    try {
      const body = { question };
      if (context.length) body.history = context;
      const r = await post("ask", body);
      const ex = { q: question, r };
      history.push(ex);
      history = history.slice(-MAX_KEPT);
      save();
      const view = answerView(ex);
      typing.replaceWith(view);
      scrollTo(mine);
      const safety = r.safety || {};
      if (safety.crisis) {
        const lines = validResources(safety.resources).map((x) => `${x.name}: ${x.contact}.`);
        announce(assertive, [safety.message || r.answer, ...lines].join(" "));
      } else {
        const n = (r.citations || []).length;
        const sources = n ? " " + (n === 1 ? t("announceSource") : t("announceSources", { n })) : "";
        announce(polite, t("announceAnswer", { text: stripMarkers(r.answer) }) + sources);
      }
    } catch (err) {
      typing.remove();
      if (err.status >= 400 && err.status < 500 && err.status !== 429) input.value = question;
      const view = errorView(err, () => {
        input.focus(); // the button is about to go: keep focus in the panel
        mine.remove();
        view.remove();
        ask(question);
      });
      log.append(view);
      scrollTo(mine);
    } finally {
      busy = false;
      unavailable(send, false);
    }
  }

  // Empty the live region first, so that the same words are announced again.
  function announce(region, text) {
    region.textContent = "";
    setTimeout(() => (region.textContent = text), 50);
  }

  function clearAll() {
    history = [];
    save();
    renderAll();
    announce(polite, t("cleared"));
    input.focus();
  }

  // Only typed text makes the box grow (an empty box's scrollHeight is its wrapped placeholder's).
  function grow() {
    input.style.height = "";
    if (input.value) input.style.height = Math.min(input.scrollHeight + 2, 140) + "px";
  }

  // --- opening, closing, focus --------------------------------------------------------
  const vv = window.visualViewport;
  function fitViewport() {
    if (!vv) return;
    root.style.setProperty("--tk-vh", vv.height + "px");
    root.style.setProperty("--tk-vt", vv.offsetTop + "px");
  }
  function open() {
    fitViewport();
    panel.hidden = false;
    root.classList.add("tk-open");
    launcher.setAttribute("aria-expanded", "true");
    log.scrollTop = log.scrollHeight;
    // On short screens the whole panel scrolls: a new conversation opens at the top (the title
    // and the crisis note seen first), one to go back to at its latest message.
    panel.scrollTop = history.length ? panel.scrollHeight : 0;
    input.focus();
  }
  function close() {
    panel.hidden = true;
    root.classList.remove("tk-open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  const FOCUSABLE =
    "a[href], button:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";
  const focusables = () => [...panel.querySelectorAll(FOCUSABLE)].filter((el) => el.getClientRects().length);

  launcher.addEventListener("click", () => (panel.hidden ? open() : close()));
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      close();
    } else if (e.key === "Tab") {
      const items = focusables();
      const active = shadow.activeElement;
      const first = items[0];
      const last = items[items.length - 1];
      if (!items.length) return;
      if (e.shiftKey && (active === first || !panel.contains(active))) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && (active === last || !panel.contains(active))) {
        e.preventDefault();
        first.focus();
      }
    }
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener("input", grow);
  // Keys typed in the widget are not the host page's shortcuts.
  for (const type of ["keydown", "keyup", "keypress"]) host.addEventListener(type, (e) => e.stopPropagation());
  if (vv) {
    vv.addEventListener("resize", fitViewport);
    vv.addEventListener("scroll", fitViewport);
  }

  renderAll();
  fetchResources();
  const mount = () => document.body.append(host);
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });
})();
