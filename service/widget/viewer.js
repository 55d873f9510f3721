/* The toolkit's PDF viewer page (service/viewer.py): one page at a time with PDF.js, opened at
   ?page=N, the quoted sentences from the fragment (#q=...&q=...) marked with <mark> in the
   page's text layer. Everything comes from this host (the page's CSP allows nothing else).

   Finding a sentence: the text layer's spans are read as one string of letters and digits only
   (lower case, NFKC), and so is the sentence, so line breaks, hyphenation at line ends,
   ligatures, quotes and spacing do not matter. A sentence carried as "head … tail" is marked
   from its head to its tail; one that runs on to the next page is marked as far as it goes
   (its longest start or end found on the page, if that is a good part of it). */
import * as pdfjs from "./pdfjs/pdf.min.mjs";

const $ = (id) => document.getElementById(id);
const main = $("main");
const sheet = $("sheet");
const canvas = $("canvas");
const textEl = $("text");
const status = $("status");
const where = $("where");
const number = $("page-number");
const buttons = ["prev", "next", "zoom-out", "fit", "zoom-in"].map($);
const [prev, next, zoomOut, fitBtn, zoomIn] = buttons;
const toMark = $("to-mark");

const total = Number(main.dataset.pages) || 1;
let current = Math.min(Math.max(Number(main.dataset.page) || 1, 1), total);
const sentences = new URLSearchParams(location.hash.slice(1))
  .getAll("q")
  .map((s) => s.trim())
  .filter(Boolean)
  .slice(0, 8);
const ELLIPSIS = " … ";
const MIN_PART = 24; // normalised characters: a shorter piece of a sentence is not marked
const PART_SHARE = 0.3; // nor a piece shorter than this share of the sentence
const LOOK_AHEAD = 2; // pages after the cited one searched when the quotes are not on it
const ZOOMS = [0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 2.5, 3, 4];
let fit = true;
let zoom = 1;
let doc = null;
let labels = null;
let seq = 0;
let task = null;
let layer = null;
let firstRender = true;

pdfjs.GlobalWorkerOptions.workerSrc = main.dataset.worker;

// --- reading the page's text as letters and digits --------------------------------------
const KEEP = /[\p{L}\p{N}]/u;
const OPENING = /["'“‘(\[]/;
const CLOSING = /[.!?…:;,"'”’)\]]/;

function normalise(text) {
  let out = "";
  for (const ch of text) {
    for (const c of ch.normalize("NFKC").toLowerCase()) if (KEEP.test(c)) out += c;
  }
  return out;
}

/** flat: the spans' letters and digits; at[i]: [span index, offset in its text] of flat[i]. */
function flatten(spans) {
  let flat = "";
  const at = [];
  spans.forEach((span, s) => {
    const text = span.textContent;
    let offset = 0;
    for (const ch of text) {
      for (const c of ch.normalize("NFKC").toLowerCase()) {
        if (KEEP.test(c)) {
          flat += c;
          at.push([s, offset, offset + ch.length]);
        }
      }
      offset += ch.length;
    }
  });
  return { flat, at };
}

/** The longest prefix (or suffix) of `needle` found in `flat`, as [start, end) or null. */
function longestPart(flat, needle, fromEnd) {
  let lo = 0;
  let hi = needle.length;
  let found = null;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const part = fromEnd ? needle.slice(needle.length - mid) : needle.slice(0, mid);
    const i = fromEnd ? flat.lastIndexOf(part) : flat.indexOf(part);
    if (i >= 0) {
      lo = mid;
      found = [i, i + mid];
    } else {
      hi = mid - 1;
    }
  }
  return found && found[1] - found[0] >= Math.min(MIN_PART, needle.length) ? found : null;
}

/** Where `sentence` is in `flat`: [start, end) or null. */
function locate(flat, sentence) {
  const whole = normalise(sentence);
  if (!whole) return null;
  let i = flat.indexOf(whole);
  if (i >= 0) return [i, i + whole.length];
  const cut = sentence.lastIndexOf(ELLIPSIS);
  if (cut > 0) {
    const head = normalise(sentence.slice(0, cut));
    const tail = normalise(sentence.slice(cut + ELLIPSIS.length));
    i = head ? flat.indexOf(head) : -1;
    if (i >= 0 && tail) {
      const j = flat.indexOf(tail, i + head.length);
      if (j >= 0 && j - i < 1200) return [i, j + tail.length];
    }
    // the sentence runs on to the next page (or began on the one before): its head, or its
    // tail, alone (never a guess at where the rest of it ends)
    if (i >= 0) return [i, i + head.length];
    const t = tail ? flat.indexOf(tail) : -1;
    if (t >= 0) return [t, t + tail.length];
    return null;
  }
  // the sentence runs on from this page to the next (its start is here) or from the page
  // before (its end is here); a running footer may follow it, so it need not end the page
  const least = Math.max(MIN_PART, Math.ceil(whole.length * PART_SHARE));
  const best = [longestPart(flat, whole, false), longestPart(flat, whole, true)]
    .filter((part) => part && part[1] - part[0] >= least)
    .sort((x, y) => y[1] - y[0] - (x[1] - x[0]))[0];
  return best || null;
}

/** Wrap the located sentences in <mark>; returns [how many sentences found, first mark]. */
function highlight(spans, wanted) {
  if (!wanted.length || !spans.length) return [0, null];
  const { flat, at } = flatten(spans);
  const ranges = new Map(); // span index -> [[start, end), ...] in its text
  let found = 0;
  for (const sentence of wanted) {
    const hit = locate(flat, sentence);
    if (!hit) continue;
    found += 1;
    for (let i = hit[0]; i < hit[1]; i++) {
      const [s, a0, b0] = at[i];
      const text = spans[s].textContent;
      let [a, b] = [a0, b0];
      // the sentence's own punctuation around its first and last letters
      if (i === hit[0]) while (a > 0 && OPENING.test(text[a - 1])) a--;
      if (i === hit[1] - 1) while (b < text.length && CLOSING.test(text[b])) b++;
      const list = ranges.get(s) || [];
      const last = list[list.length - 1];
      // characters in between (spaces, punctuation) join the mark
      if (last && a <= last[1] + 3) last[1] = Math.max(last[1], b);
      else list.push([a, b]);
      ranges.set(s, list);
    }
  }
  let first = null;
  for (const [s, list] of [...ranges.entries()].sort((x, y) => x[0] - y[0])) {
    const span = spans[s];
    const text = span.textContent;
    const parts = [];
    let pos = 0;
    for (const [a, b] of list) {
      if (a > pos) parts.push(text.slice(pos, a));
      const mark = document.createElement("mark");
      mark.textContent = text.slice(a, b);
      parts.push(mark);
      first ||= mark;
      pos = b;
    }
    if (pos < text.length) parts.push(text.slice(pos));
    span.replaceChildren(...parts);
  }
  return [found, first];
}

// --- pages and their names ------------------------------------------------------------
function pageName(n) {
  const label = labels && labels[n - 1];
  return label && label !== String(n) ? `p. ${label} (page ${n} of the PDF)` : `Page ${n} of ${total}`;
}

function fitScale(base) {
  const width = Math.max(document.documentElement.clientWidth - 16, 160);
  return Math.min(width / base.width, 1000 / base.width);
}

function setBusy(busy) {
  prev.disabled = busy || current <= 1;
  next.disabled = busy || current >= total;
  zoomOut.disabled = busy || (!fit && zoom <= ZOOMS[0]);
  zoomIn.disabled = busy || (!fit && zoom >= ZOOMS[ZOOMS.length - 1]);
  fitBtn.disabled = busy;
  fitBtn.setAttribute("aria-pressed", String(fit));
}

async function render() {
  const mine = ++seq;
  task?.cancel();
  layer?.cancel();
  const page = await doc.getPage(current);
  if (mine !== seq) return;
  const base = page.getViewport({ scale: 1 });
  const scale = fit ? fitScale(base) : zoom;
  if (fit) zoom = scale;
  const viewport = page.getViewport({ scale });
  const ratio = Math.min(window.devicePixelRatio || 1, 3);
  canvas.width = Math.floor(viewport.width * ratio);
  canvas.height = Math.floor(viewport.height * ratio);
  sheet.style.width = `${Math.floor(viewport.width)}px`;
  sheet.style.height = `${Math.floor(viewport.height)}px`;
  sheet.style.setProperty("--scale-factor", String(scale));
  textEl.replaceChildren();
  task = page.render({
    canvasContext: canvas.getContext("2d"),
    canvas,
    viewport,
    transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : null,
  });
  layer = new pdfjs.TextLayer({
    textContentSource: page.streamTextContent(),
    container: textEl,
    viewport,
  });
  try {
    await Promise.all([task.promise, layer.render()]);
  } catch (err) {
    if (err && err.name === "RenderingCancelledException") return;
    if (err && err.name === "AbortException") return;
    throw err;
  }
  if (mine !== seq) return;
  sheet.hidden = false;
  const name = pageName(current);
  where.textContent = name;
  number.value = String(current);
  document.title = `${main.dataset.title}: ${name}`;
  const [found, first] = highlight(layer.textDivs, sentences);
  let note = "";
  if (sentences.length) {
    note =
      found === 0
        ? "The quoted text is not on this page."
        : `${found === 1 ? "1 quoted sentence is" : `${found} quoted sentences are`} highlighted.`;
  }
  status.textContent = note;
  sheet.classList.toggle("has-marks", found > 0);
  // for a screen reader or keyboard: the quoted text itself, read from the text layer
  toMark.hidden = !first;
  if (first) first.tabIndex = -1;
  if (first && firstRender) {
    first.scrollIntoView({ block: "center", inline: "nearest" });
  }
  if (firstRender && sentences.length && !found) {
    // A passage that runs over a page break is cited at its first page, and the quoted
    // sentences may all be on the next: open the page they are on instead.
    const later = await pageWithQuotes(current + 1, Math.min(current + LOOK_AHEAD, total));
    if (mine !== seq) return;
    if (later) {
      go(later);
      return;
    }
  }
  firstRender = false;
  main.dataset.shown = String(current); // drawn and marked (the browser tests wait for it)
  setBusy(false);
}

/** The first page from `from` to `to` whose text holds one of the sentences, or 0. */
async function pageWithQuotes(from, to) {
  for (let n = from; n <= to; n++) {
    const page = await doc.getPage(n);
    const content = await page.getTextContent();
    const flat = normalise(content.items.map((item) => item.str || "").join(""));
    if (sentences.some((s) => locate(flat, s))) return n;
  }
  return 0;
}

function go(n) {
  const page = Math.min(Math.max(Math.round(n) || current, 1), total);
  number.value = String(page);
  if (page === current) return;
  current = page;
  const url = new URL(location.href);
  url.searchParams.set("page", String(page));
  history.replaceState(null, "", url);
  window.scrollTo(0, 0);
  show();
}

function setZoom(step) {
  const now = zoom; // in fit mode, the scale that fitted
  let i = ZOOMS.findIndex((z) => z >= now - 1e-3);
  if (i < 0) i = ZOOMS.length - 1;
  if (step > 0) i = ZOOMS[i] > now + 1e-3 ? i : i + 1;
  else i = i - 1;
  zoom = ZOOMS[Math.min(Math.max(i, 0), ZOOMS.length - 1)];
  fit = false;
  show();
}

function show() {
  setBusy(true);
  render().catch(failed);
}

function failed(err) {
  console.warn("Toolkit viewer:", err);
  status.textContent = "Sorry, this page could not be shown here. Download the PDF to read it.";
  sheet.hidden = true;
  setBusy(false);
}

toMark.addEventListener("click", () => {
  const mark = textEl.querySelector("mark");
  if (!mark) return;
  mark.scrollIntoView({ block: "center", inline: "nearest" });
  mark.focus({ preventScroll: true });
});
prev.addEventListener("click", () => go(current - 1));
next.addEventListener("click", () => go(current + 1));
zoomIn.addEventListener("click", () => setZoom(1));
zoomOut.addEventListener("click", () => setZoom(-1));
fitBtn.addEventListener("click", () => {
  fit = true;
  show();
});
$("goto").addEventListener("submit", (e) => {
  e.preventDefault();
  go(Number(number.value));
});
number.addEventListener("change", () => go(Number(number.value)));
let resizeTimer = 0;
window.addEventListener("resize", () => {
  if (!fit || !doc) return;
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(show, 150);
});

(async () => {
  try {
    doc = await pdfjs.getDocument({
      url: main.dataset.pdf,
      isEvalSupported: false,
      enableXfa: false,
      standardFontDataUrl: main.dataset.fonts,
      useSystemFonts: false,
    }).promise;
    labels = await doc.getPageLabels().catch(() => null);
  } catch (err) {
    failed(err);
    return;
  }
  show();
})();
