/* Peer support toolkit assistant: the chat widget a charity pastes into its own page.

   <script src="https://HOST/widget.js" async></script>

   Options, as data-* attributes on that script tag (all optional):
     data-api       the service's base URL (default: where widget.js was loaded from)
     data-title     the panel's title and the launcher's label
     data-greeting  the first message in the panel
     data-accent    a CSS colour; text on it is black or white, whichever reads better
     data-position  "right" (default) or "left"
     data-starters  example questions: "one | two | three" or a JSON array ("" for none)

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

  const data = script.dataset;
  const scriptUrl = new URL(script.src, location.href);
  const base = data.api ? new URL(data.api.replace(/\/*$/, "/"), location.href) : new URL("./", scriptUrl);
  const title = (data.title || "").trim() || "Ask the toolkit";
  const greeting =
    (data.greeting || "").trim() ||
    "Hello! Ask me about starting or running a peer support group. I answer in the toolkit's own words, and every answer links to the pages it comes from.";
  const starters = parseStarters(data.starters);
  const storeKey = "peer-toolkit-widget:" + base.href;
  const MAX_KEPT = 20;
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

  function parseStarters(value) {
    if (value === undefined) {
      return [
        "How do we agree ground rules as a group?",
        "What if nobody says anything at the first meeting?",
        "How do we choose a venue?",
      ];
    }
    let list = [];
    try {
      list = value.trim().startsWith("[") ? JSON.parse(value) : value.split("|");
    } catch {
      list = [];
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
  const newTab = () => sr(" (opens in a new tab)");

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
  function theme(value) {
    const white = [255, 255, 255];
    const black = [0, 0, 0];
    const accent = parseColour(value || "") || [15, 118, 110];
    const on = contrast(accent, white) >= 4.5 ? white : black;
    const tint = mix(accent, white, 0.9);
    let ink = accent; // the accent as text on white and on its tint
    for (let i = 0; i < 40 && contrast(ink, tint) < 4.7; i++) ink = mix(ink, black, 0.08);
    return { "--tk-accent": hex(accent), "--tk-on": hex(on), "--tk-tint": hex(tint), "--tk-ink": hex(ink) };
  }

  // --- helpers for citations and contacts ----------------------------------------------
  function safeUrl(url) {
    try {
      const u = new URL(url, base);
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
    } catch {
      return null;
    }
  }
  function pages(c) {
    if (c.page_label) return "p. " + c.page_label;
    return c.page_end > c.page_start ? `pp. ${c.page_start}–${c.page_end}` : "p. " + c.page_start;
  }
  const CONTACT =
    /\b(?:(call|phone|ring)\s+(\+?\d(?:[\d -]*\d)?)|(text)\s+(?:([A-Za-z]+)\s+to\s+)?(\+?\d(?:[\d ]*\d)?))/gi;
  function contactLinks(text) {
    const out = [];
    let last = 0;
    for (const m of String(text).matchAll(CONTACT)) {
      const number = (m[2] || m[5]).replace(/[^\d+]/g, "");
      const href = m[1]
        ? "tel:" + number
        : "sms:" + number + (m[4] ? "?body=" + encodeURIComponent(m[4]) : "");
      out.push(text.slice(last, m.index), h("a", { href, class: "tk-contact" }, m[0]));
      last = m.index + m[0].length;
    }
    out.push(String(text).slice(last));
    return out;
  }

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
        throw new ApiError(
          ctrl.signal.aborted
            ? "The service took too long to answer. Please try again."
            : "Sorry, we couldn't reach the toolkit service. Please check your connection and try again.",
        );
      }
      let json = null;
      try {
        json = await res.json();
      } catch {
        /* not JSON: a proxy's error page */
      }
      if (res.ok && json) return json;
      if (res.ok)
        throw new ApiError("Sorry, the service sent an answer we could not read. Please try again.");
      const message = json && json.error && typeof json.error.message === "string" ? json.error.message : "";
      if (res.status === 429) {
        const wait = retryAfter(res.headers.get("Retry-After"));
        throw new ApiError(
          "Lots of people are asking questions right now." +
            (wait ? ` Please try again in ${wait} seconds.` : " Please try again in a moment."),
          wait,
          429,
        );
      }
      if (res.status >= 500 || !res.status) {
        throw new ApiError(
          message || "Sorry, something went wrong on our side. Please try again in a moment.",
          0,
          res.status,
        );
      }
      throw new ApiError(
        message || `Sorry, the service could not take that question (error ${res.status}).`,
        0,
        res.status,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  // --- the interface -------------------------------------------------------------------
  const host = document.createElement("peer-toolkit-widget");
  const shadow = host.attachShadow({ mode: "open" });
  const root = h("div", {
    class: "tk",
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
  const log = h("div", { class: "tk-log", role: "region", "aria-label": "Conversation", tabindex: "-1" });
  const input = h("textarea", {
    id: "tk-input",
    class: "tk-input",
    rows: "1",
    maxlength: "1000",
    placeholder: "Ask about running a group…",
    enterkeyhint: "send",
    autocomplete: "off",
  });
  const send = h("button", { type: "submit", class: "tk-send", "aria-label": "Send question" }, icon("send"));
  const form = h(
    "form",
    { class: "tk-form", onsubmit: (e) => (e.preventDefault(), ask(input.value)) },
    h("label", { for: "tk-input", class: "tk-sr" }, "Your question"),
    input,
    send,
  );
  const closeBtn = h(
    "button",
    { type: "button", class: "tk-icon-btn tk-close", "aria-label": "Close chat", onclick: () => close() },
    icon("close"),
  );
  const clearBtn = h(
    "button",
    {
      type: "button",
      class: "tk-icon-btn",
      "aria-label": "Start a new conversation",
      title: "Start a new conversation",
      onclick: clearAll,
    },
    icon("clear"),
  );
  const panel = h(
    "section",
    {
      id: "tk-panel",
      class: "tk-panel",
      role: "dialog",
      "aria-modal": "true",
      "aria-labelledby": "tk-title",
      hidden: true,
    },
    h(
      "header",
      { class: "tk-header" },
      h(
        "div",
        { class: "tk-heading" },
        h("h2", { id: "tk-title" }, title),
        h("p", {}, "Answers quoted from the toolkit, with their sources"),
      ),
      clearBtn,
      closeBtn,
    ),
    h(
      "p",
      { class: "tk-note" },
      h("strong", {}, "Not a crisis service. "),
      "To talk to someone now, call Samaritans free on ",
      h("a", { href: "tel:116123" }, "116 123"),
      ", any time, or ",
      h("a", { href: "tel:999" }, "999"),
      " in an emergency.",
    ),
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
          { class: "tk-starters", role: "group", "aria-label": "Example questions" },
          starters.map((q) => h("button", { type: "button", class: "tk-chip", onclick: () => ask(q) }, q)),
        ),
      );
    }
    for (const ex of history) log.append(userView(ex.q), answerView(ex));
  }

  const userView = (q) => h("div", { class: "tk-msg tk-user" }, sr("You asked: "), h("p", {}, q));

  function answerView(ex) {
    const r = ex.r;
    const id = "tk-a" + ++seq;
    const safety = r.safety || {};
    const cites = Array.isArray(r.citations) ? r.citations.filter((c) => c && c.document) : [];
    const art = h("article", { class: "tk-msg tk-bot", "aria-label": "Answer" });
    art.classList.toggle("tk-bot-crisis", !!safety.crisis);
    if (safety.crisis) {
      art.append(crisisBox(safety, r.answer, id));
      // someone else in danger now: after the crisis box, what the documents say to do
      if (cites.length && r.answered) {
        const rest = String(r.answer || "").replace(String(safety.message || ""), "").trim();
        art.append(answerText(rest, cites, id));
        art.append(sourceList(cites, id, cited(rest, cites)));
      }
      return art;
    }
    const text = String(r.answer || "");
    art.append(answerText(text, cites, id));
    if (safety.message || (safety.resources || []).length) {
      art.append(
        h(
          "aside",
          { class: "tk-signpost", "aria-label": "Support if someone is at risk" },
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
            "aria-label": `Source ${c.n}: ${c.document.title}, ${pages(c)}`,
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
      "section",
      { class: "tk-sources", "aria-labelledby": id + "-h" },
      h("h3", { id: id + "-h" }, main === quoted ? "Sources" : "Nearest sections to browse"),
      sourceItems(main, id),
      more.length > 0 &&
        h(
          "details",
          { class: "tk-more" },
          h("summary", {}, `More sections that may help (${more.length})`),
          sourceItems(more, id),
        ),
    );
  }

  function sourceItems(cites, id) {
    return h(
      "ol",
      { role: "list" },
      cites.map((c) => {
        const url = safeUrl(c.url);
        const name = [c.document.title || c.document.filename, newTab()];
        return h(
          "li",
          { id: `${id}-${c.n}`, class: "tk-source", tabindex: "-1" },
          h("span", { class: "tk-num" }, sr("Source "), String(c.n)),
          h(
            "div",
            { class: "tk-source-body" },
            url
              ? h(
                  "a",
                  { class: "tk-source-link", href: url, target: "_blank", rel: "noopener" },
                  name,
                  icon("open", 14),
                )
              : h("strong", {}, name[0]),
            h("p", { class: "tk-meta" }, [pages(c), c.section].filter(Boolean).join(" · ")),
            c.text && h("details", {}, h("summary", {}, "Quoted passage"), h("blockquote", {}, c.text)),
          ),
        );
      }),
    );
  }

  function resourceList(resources) {
    return h(
      "ul",
      { class: "tk-resources", role: "list" },
      (resources || []).map((res) => {
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
                "website",
                sr(` of ${res.name}`),
                newTab(),
              ),
            ),
        );
      }),
    );
  }

  function crisisBox(safety, answer, id) {
    return h(
      "section",
      { class: "tk-crisis", "aria-labelledby": id + "-crisis" },
      h("h3", { id: id + "-crisis" }, "Help is available right now"),
      resourceList(safety.resources),
      h("p", {}, safety.message || answer),
    );
  }

  function actions(ex, cites) {
    const status = h("span", { class: "tk-status", role: "status" });
    const vote = (helpful) =>
      h(
        "button",
        {
          type: "button",
          class: "tk-icon-btn",
          "aria-label": helpful ? "Helpful" : "Not helpful",
          title: helpful ? "Helpful" : "Not helpful",
          "aria-pressed": String(ex.fb === helpful),
          disabled: ex.fb !== undefined,
          onclick: () => feedback(ex, helpful, [up, down], status),
        },
        icon(helpful ? "up" : "down", 18),
      );
    const up = vote(true);
    const down = vote(false);
    if (ex.fb !== undefined) status.textContent = "Feedback recorded";
    const copy = h(
      "button",
      { type: "button", class: "tk-text-btn", onclick: () => copyAnswer(ex.r, cites, status) },
      icon("copy", 16),
      "Copy",
    );
    return h(
      "div",
      { class: "tk-actions" },
      h("span", { class: "tk-ask" }, "Was this helpful?"),
      up,
      down,
      copy,
      status,
    );
  }

  async function feedback(ex, helpful, buttons, status) {
    buttons.forEach((b) => (b.disabled = true));
    status.textContent = "Sending…";
    try {
      await post("feedback", { query_id: ex.r.query_id, helpful });
      ex.fb = helpful;
      save();
      buttons.forEach((b, i) => b.setAttribute("aria-pressed", String((i === 0) === helpful)));
      status.textContent = "Thanks, your feedback was recorded.";
    } catch (err) {
      buttons.forEach((b) => (b.disabled = false));
      status.textContent = "Feedback not sent: " + err.message;
    }
  }

  async function copyAnswer(r, cites, status) {
    const answer = String(r.answer || "");
    const quoted = r.answered === false ? [] : cited(answer, cites);
    const lines = [answer];
    if (cites.length) {
      lines.push("", quoted.length ? "Sources:" : "Nearest sections:");
      for (const c of quoted.length ? quoted : cites) {
        const section = c.section ? ", " + c.section : "";
        lines.push(`[${c.n}] ${c.document.title}, ${pages(c)}${section}: ${c.url}`);
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
      if (!ok) return void (status.textContent = "Copying is blocked here; select the text instead.");
    }
    status.textContent = "Answer and sources copied.";
  }

  function typingView() {
    return h(
      "div",
      { class: "tk-msg tk-bot tk-typing", role: "status" },
      h("span", { class: "tk-dots", "aria-hidden": "true" }, h("span"), h("span"), h("span")),
      "Looking through the toolkit…",
    );
  }

  function errorView(err, retry) {
    const button = h(
      "button",
      { type: "button", class: "tk-text-btn tk-retry", onclick: retry },
      icon("retry", 16),
      "Try again",
    );
    const view = h("div", { class: "tk-msg tk-error", role: "alert" }, h("p", {}, err.message), button);
    if (err.wait) {
      let left = err.wait;
      button.disabled = true;
      const tick = () => {
        if (!view.isConnected && left < err.wait) return;
        if (left <= 0) {
          button.disabled = false;
          button.lastChild.textContent = "Try again";
          return;
        }
        button.lastChild.textContent = `Try again in ${left--} s`;
        setTimeout(tick, 1000);
      };
      tick();
    }
    return view;
  }

  function scrollTo(el) {
    log.scrollTo({
      top: Math.max(0, el.offsetTop - 8),
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
    send.disabled = true;
    input.value = "";
    grow();
    log.querySelectorAll(".tk-starters, .tk-error").forEach((el) => el.remove());
    const mine = userView(question);
    const typing = typingView();
    log.append(mine, typing);
    scrollTo(mine);
    try {
      const r = await post("ask", { question });
      const ex = { q: question, r };
      history.push(ex);
      history = history.slice(-MAX_KEPT);
      save();
      const view = answerView(ex);
      typing.replaceWith(view);
      scrollTo(mine);
      const safety = r.safety || {};
      if (safety.crisis) {
        const lines = (safety.resources || []).map((x) => `${x.name}: ${x.contact}.`);
        announce(assertive, [safety.message || r.answer, ...lines].join(" "));
      } else {
        const n = (r.citations || []).length;
        announce(polite, `Answer: ${r.answer}` + (n ? ` ${n} source${n > 1 ? "s" : ""} listed below.` : ""));
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
      send.disabled = false;
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
    announce(polite, "Conversation cleared.");
    input.focus();
  }

  function grow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 140) + "px";
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
  for (const type of ["keydown", "keyup", "keypress"])
    host.addEventListener(type, (e) => e.stopPropagation());
  if (vv) {
    vv.addEventListener("resize", fitViewport);
    vv.addEventListener("scroll", fitViewport);
  }

  renderAll();
  const mount = () => document.body.append(host);
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });
})();
