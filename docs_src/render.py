"""Render the sample-edition PDFs in docs_src/ from the text sources in docs_src/source/.

Run from the repository root:

    .venv/bin/python docs_src/render.py

Each document in ``DOCS`` below is built from the files ``docs_src/source/<prefix>-*.md``,
concatenated in file-name order. The output is deterministic (reportlab ``invariant=1``), so
re-running the script reproduces the committed PDFs byte-for-byte.

Source dialect
--------------
A small Markdown-like dialect. Blocks are separated by blank lines.

``@front``
    What follows is front matter (pages numbered i, ii, iii ... after the cover, which is i).
``@body``
    Start the body on a new page; the body is numbered 1, 2, 3 ...
``@contents``
    Place the table of contents (chapters and sections) here.
``@twocol`` / ``@onecol``
    Continue on a new page with a two-column / one-column layout.
``@pagebreak``
    Force a new page.
``# Title``
    Chapter: starts a new page, outline level 0, listed in the contents. In the body,
    chapters are numbered automatically; ``#* Title`` is an unnumbered chapter
    (appendices, sources).
``## Title``
    Section: outline level 1, listed in the contents (numbered inside numbered chapters).
``### Title``
    Subsection: outline level 2, not listed in the contents.
``- item``
    Bullet list item. ``1. item`` is a numbered list item. A line indented by two spaces
    continues the previous item.
``| a | b |``
    Table row; the first row is the header. Rows made only of dashes are ignored.
``::: kind Title`` ... ``:::``
    Boxed block. ``kind`` is ``case`` (fictional illustrative example), ``tip``, ``note``
    or ``form`` (a template: every line is kept as its own line, e.g. ``Name: ______``).
    The inside of case/tip/note boxes uses the same block syntax.
Anything else is paragraph text; consecutive lines are joined. Inline ``**bold**`` and
``*italic*`` are supported.
"""

from __future__ import annotations

import re
from pathlib import Path

from reportlab import rl_config

rl_config.invariant = 1

from reportlab.lib import colors  # noqa: E402
from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT, TA_RIGHT  # noqa: E402
from reportlab.lib.pagesizes import A5  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.pdfbase.pdfmetrics import stringWidth  # noqa: E402
from reportlab.platypus import (  # noqa: E402
    BaseDocTemplate,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

HERE = Path(__file__).resolve().parent
SOURCE_DIR = HERE / "source"

NOTICE = (
    "Sample edition written for the peer support toolkit assistant. Not an official publication."
)
AUTHOR = "Sample edition written for the peer support toolkit assistant"

DOCS = [
    {
        "prefix": "toolkit",
        "filename": "peer-support-toolkit-sample-edition.pdf",
        "title": "Peer support toolkit for community groups (sample edition)",
        "cover_title": "Peer support toolkit for community groups",
        "short": "Peer support toolkit (sample edition)",
        "kicker": "A practical guide for people who start, run and support "
        "community mental health peer support groups",
        "subject": "Community mental health peer support: values, setting up and running "
        "groups, facilitation, safety, crisis signposting, impact, templates",
    },
    {
        "prefix": "early-findings",
        "filename": "side-by-side-early-findings-sample-edition.pdf",
        "title": "Side by Side: early findings summary (sample edition)",
        "cover_title": "Side by Side: early findings summary",
        "short": "Side by Side early findings (sample edition)",
        "kicker": "A short summary of the Side by Side community peer support programme "
        "and what its evaluation set out to learn",
        "subject": "Side by Side peer support programme (England, 2015-2017): early findings",
    },
    {
        "prefix": "evaluation",
        "filename": "side-by-side-evaluation-report-sample-edition.pdf",
        "title": "Side by Side: evaluation report (sample edition)",
        "cover_title": "Side by Side: evaluation report",
        "short": "Side by Side evaluation report (sample edition)",
        "kicker": "Background, methods, results and lessons from the evaluation of a "
        "community peer support programme in England",
        "subject": "Side by Side peer support programme (England, 2015-2017): evaluation",
    },
]

PAGE_W, PAGE_H = A5
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 48, 44, 58, 60
FRAME_W = PAGE_W - MARGIN_L - MARGIN_R
FRAME_H = PAGE_H - MARGIN_T - MARGIN_B
GUTTER = 14
COL_W = (FRAME_W - GUTTER) / 2

ACCENT = colors.HexColor("#1F4E79")
BOX_COLOURS = {
    "case": (colors.HexColor("#EEF4FA"), ACCENT, "Example (fictional)"),
    "tip": (colors.HexColor("#F3F8EC"), colors.HexColor("#4A7A1E"), "Tip"),
    "note": (colors.HexColor("#FBF5E8"), colors.HexColor("#9A6A12"), "Note"),
    "form": (colors.white, colors.HexColor("#555555"), ""),
}

# --------------------------------------------------------------------------- styles

BODY = ParagraphStyle(
    "body",
    fontName="Times-Roman",
    fontSize=10,
    leading=13.2,
    alignment=TA_JUSTIFY,
    spaceAfter=5,
    hyphenationLang="en_GB",
    embeddedHyphenation=1,
)
BODY_COL = ParagraphStyle("bodycol", parent=BODY, fontSize=9.5, leading=12.2)
BULLET = ParagraphStyle("bullet", parent=BODY, leftIndent=13, bulletIndent=2, spaceAfter=3)
BULLET_COL = ParagraphStyle("bulletcol", parent=BODY_COL, leftIndent=11, bulletIndent=1)
H0 = ParagraphStyle(
    "h0",
    fontName="Helvetica-Bold",
    fontSize=16,
    leading=20,
    textColor=ACCENT,
    spaceBefore=4,
    spaceAfter=12,
    keepWithNext=1,
)
H1 = ParagraphStyle(
    "h1",
    fontName="Helvetica-Bold",
    fontSize=11.5,
    leading=14,
    textColor=ACCENT,
    spaceBefore=9,
    spaceAfter=5,
    keepWithNext=1,
)
H2 = ParagraphStyle(
    "h2",
    fontName="Helvetica-BoldOblique",
    fontSize=10,
    leading=12.5,
    spaceBefore=6,
    spaceAfter=3,
    keepWithNext=1,
)
BOX_TITLE = ParagraphStyle("boxtitle", fontName="Helvetica-Bold", fontSize=9, leading=11.5)
BOX_BODY = ParagraphStyle("boxbody", parent=BODY, fontSize=9.2, leading=12, spaceAfter=3)
BOX_BULLET = ParagraphStyle("boxbullet", parent=BOX_BODY, leftIndent=11, bulletIndent=1)
FORM_LINE = ParagraphStyle(
    "formline", fontName="Helvetica", fontSize=8.8, leading=17, alignment=TA_LEFT
)
CELL = ParagraphStyle("cell", fontName="Helvetica", fontSize=8, leading=10, alignment=TA_LEFT)
CELL_HEAD = ParagraphStyle("cellhead", parent=CELL, fontName="Helvetica-Bold")
TOC0 = ParagraphStyle("toc0", fontName="Helvetica-Bold", fontSize=9, leading=11.5)
TOC1 = ParagraphStyle("toc1", fontName="Helvetica", fontSize=8.5, leading=10.5, leftIndent=12)
TOC_NUM = ParagraphStyle("tocnum", parent=TOC1, leftIndent=0, alignment=TA_RIGHT)
COVER_KICKER = ParagraphStyle(
    "kicker", fontName="Helvetica", fontSize=10, leading=13, textColor=colors.white
)
COVER_TITLE = ParagraphStyle(
    "ctitle", fontName="Helvetica-Bold", fontSize=24, leading=29, textColor=colors.white
)
COVER_SUB = ParagraphStyle(
    "csub", fontName="Helvetica-Bold", fontSize=13, leading=17, textColor=colors.white
)
COVER_NOTE = ParagraphStyle(
    "cnote", fontName="Helvetica", fontSize=8.5, leading=11.5, textColor=colors.white
)


# --------------------------------------------------------------------------- parsing


def inline(text: str) -> str:
    """Escape XML and convert **bold** / *italic*."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", text)
    return text


LIST_RE = re.compile(r"^(- |(\d+)\. )")


def parse(lines: list[str]) -> list[tuple]:
    """Turn source lines into a list of blocks (tuples whose first item is the kind)."""
    blocks: list[tuple] = []
    i = 0
    para: list[str] = []
    items: list[list[str]] = []
    list_kind = None
    rows: list[list[str]] = []

    def flush():
        nonlocal para, items, list_kind, rows
        if para:
            blocks.append(("para", " ".join(s.strip() for s in para)))
            para = []
        if items:
            blocks.append((list_kind, [" ".join(s.strip() for s in it) for it in items]))
            items, list_kind = [], None
        if rows:
            blocks.append(("table", rows))
            rows = []

    while i < len(lines):
        line = lines[i].rstrip("\n")
        stripped = line.strip()
        if line.startswith(":::"):
            flush()
            head = line[3:].strip().split(None, 1)
            kind = head[0]
            title = head[1] if len(head) > 1 else ""
            inner = []
            i += 1
            while i < len(lines) and lines[i].strip() != ":::":
                inner.append(lines[i].rstrip("\n"))
                i += 1
            if kind == "form":
                blocks.append(("box", kind, title, [("formline", s) for s in inner]))
            else:
                blocks.append(("box", kind, title, parse(inner)))
        elif not stripped:
            flush()
        elif stripped.startswith("@"):
            flush()
            blocks.append((stripped[1:],))
        elif line.startswith("#"):
            flush()
            m = re.match(r"^(#+)(\*?)\s+(.*)$", line)
            level = len(m.group(1)) - 1
            blocks.append(("heading", level, m.group(3).strip(), m.group(2) != "*"))
        elif line.startswith("|"):
            if para or items:
                flush()
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                rows.append(cells)
        elif LIST_RE.match(line):
            if para or rows:
                flush()
            kind = "bullets" if line.startswith("- ") else "numbers"
            if list_kind and kind != list_kind:
                flush()
            list_kind = kind
            items.append([LIST_RE.sub("", line, count=1)])
        elif line.startswith("  ") and items:
            items[-1].append(stripped)
        else:
            if items or rows:
                flush()
            para.append(stripped)
        i += 1
    flush()
    return blocks


# --------------------------------------------------------------------------- flowables


class Heading(Paragraph):
    """A heading that registers itself in the outline and (for levels 0-1) the contents."""

    def __init__(self, text, style, level, plain, toc=True):
        super().__init__(text, style)
        self.level = level
        self.plain = plain
        self.toc = toc


def roman(n: int) -> str:
    vals = [(10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
    out = ""
    for v, s in vals:
        while n >= v:
            out += s
            n -= v
    return out


class SampleDoc(BaseDocTemplate):
    def __init__(self, filename, meta, **kw):
        self.meta = meta
        super().__init__(
            filename,
            pagesize=A5,
            leftMargin=MARGIN_L,
            rightMargin=MARGIN_R,
            topMargin=MARGIN_T,
            bottomMargin=MARGIN_B,
            title=meta["title"],
            author=AUTHOR,
            subject=meta["subject"],
            creator="docs_src/render.py (reportlab)",
            producer="ReportLab PDF Library",
            keywords="sample edition, peer support, Side by Side",
            invariant=1,
            **kw,
        )
        full = Frame(MARGIN_L, MARGIN_B, FRAME_W, FRAME_H, id="full", showBoundary=0)
        cover = Frame(0, 0, PAGE_W, PAGE_H, 36, 70, 36, 60, id="cover")
        left = Frame(MARGIN_L, MARGIN_B, COL_W, FRAME_H, id="left")
        right = Frame(MARGIN_L + COL_W + GUTTER, MARGIN_B, COL_W, FRAME_H, id="right")
        self.addPageTemplates(
            [
                PageTemplate("cover", [cover], onPage=self.on_cover, onPageEnd=self.page_end),
                PageTemplate("front", [full], onPageEnd=self.page_end),
                PageTemplate("body", [full], onPage=self.on_body, onPageEnd=self.page_end),
                PageTemplate("twocol", [left, right], onPage=self.on_body, onPageEnd=self.page_end),
            ]
        )

    def beforeDocument(self):
        self.body_start = None
        self.current_chapter = ""
        self.toc_entries = []
        self.n_keys = 0

    def label(self, page: int) -> str:
        if self.body_start is None:
            return roman(page)
        return str(page - self.body_start + 1)

    def on_cover(self, canv, doc):
        canv.saveState()
        canv.setFillColor(ACCENT)
        canv.rect(0, 0, PAGE_W, PAGE_H, stroke=0, fill=1)
        canv.setFillColor(colors.HexColor("#F2C14E"))
        canv.rect(0, PAGE_H - 150, PAGE_W, 6, stroke=0, fill=1)
        canv.restoreState()
        canv.addPageLabel(0, "ROMAN_LOWER", 1)

    def on_body(self, canv, doc):
        if self.body_start is None:
            self.body_start = canv.getPageNumber()
            canv.addPageLabel(self.body_start - 1, "ARABIC", 1)

    def page_end(self, canv, doc):
        page = canv.getPageNumber()
        template = self.pageTemplate.id
        canv.saveState()
        grey = colors.HexColor("#555555") if template != "cover" else colors.white
        canv.setFillColor(grey)
        canv.setStrokeColor(grey)
        canv.setLineWidth(0.4)
        if template in ("body", "twocol"):
            canv.setFont("Helvetica-Oblique", 7)
            canv.drawString(MARGIN_L, PAGE_H - 36, self.meta["short"])
            chap = self.current_chapter
            if stringWidth(chap, "Helvetica", 7) > FRAME_W * 0.48:
                while chap and stringWidth(chap + "\u2026", "Helvetica", 7) > FRAME_W * 0.48:
                    chap = chap[:-1]
                chap = chap.rstrip() + "\u2026"
            canv.setFont("Helvetica", 7)
            canv.drawRightString(PAGE_W - MARGIN_R, PAGE_H - 36, chap)
            canv.line(MARGIN_L, PAGE_H - 41, PAGE_W - MARGIN_R, PAGE_H - 41)
        canv.line(MARGIN_L, 42, PAGE_W - MARGIN_R, 42)
        canv.setFont("Helvetica", 6.3)
        canv.drawString(MARGIN_L, 32, NOTICE)
        if template != "cover":
            canv.setFont("Helvetica-Bold", 8.5)
            canv.drawRightString(PAGE_W - MARGIN_R, 46, self.label(page))
        canv.restoreState()

    def afterFlowable(self, flowable):
        if isinstance(flowable, Heading):
            self.n_keys += 1
            key = f"h{self.n_keys}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.plain, key, flowable.level, closed=None)
            if flowable.level == 0:
                self.current_chapter = flowable.plain
            if flowable.toc and flowable.level <= 1:
                label = self.label(self.canv.getPageNumber())
                self.toc_entries.append((flowable.level, flowable.plain, label))


# --------------------------------------------------------------------------- story


def col_widths(rows: list[list[str]], width: float) -> list[float]:
    ncol = max(len(r) for r in rows)
    weights = []
    for c in range(ncol):
        longest = max((len(r[c]) if c < len(r) else 0) for r in rows)
        weights.append(max(longest, 8) ** 0.6)
    total = sum(weights)
    return [width * w / total for w in weights]


def make_table(rows, width):
    ncol = max(len(r) for r in rows)
    data = []
    for n, r in enumerate(rows):
        r = r + [""] * (ncol - len(r))
        style = CELL_HEAD if n == 0 else CELL
        data.append([Paragraph(inline(c), style) for c in r])
    t = Table(data, colWidths=col_widths(rows, width), repeatRows=1, hAlign="LEFT")
    t.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DCE6F0")),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.HexColor("#AAAAAA")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return [t, Spacer(1, 8)]


def block_flowables(block, width, in_box=False, two_col=False):
    kind = block[0]
    body = BOX_BODY if in_box else (BODY_COL if two_col else BODY)
    bullet = BOX_BULLET if in_box else (BULLET_COL if two_col else BULLET)
    if kind == "para":
        return [Paragraph(inline(block[1]), body)]
    if kind == "formline":
        return [Paragraph(inline(block[1]) or "&nbsp;", FORM_LINE)]
    if kind == "bullets":
        return [Paragraph(inline(t), bullet, bulletText="\u2022") for t in block[1]]
    if kind == "numbers":
        return [Paragraph(inline(t), bullet, bulletText=f"{n}.") for n, t in enumerate(block[1], 1)]
    if kind == "table":
        return make_table(block[1], width)
    if kind == "heading" and in_box:
        return [Paragraph(inline(block[2]), BOX_TITLE)]
    if kind == "box":
        _, bkind, title, inner = block
        bg, edge, label = BOX_COLOURS[bkind]
        head = f"{label}: {title}" if label and title else (label or title)
        rows = [[Paragraph(inline(head), BOX_TITLE)]] if head else []
        for b in inner:
            for f in block_flowables(b, width - 16, in_box=True):
                rows.append([f])
        t = Table(rows, colWidths=[width], hAlign="LEFT")
        t.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), bg),
                    ("BOX", (0, 0), (-1, -1), 0.9, edge),
                    ("LEFTPADDING", (0, 0), (-1, -1), 8),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                    ("TOPPADDING", (0, 0), (-1, 0), 6),
                    ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
                    ("NOSPLIT", (0, 0), (-1, min(1, len(rows) - 1))),
                ]
            )
        )
        return [Spacer(1, 3), t, Spacer(1, 9)]
    raise ValueError(f"unknown block {block!r}")


def toc_flowables(entries):
    if not entries:
        return [Paragraph("(contents are filled in on the next pass)", BODY)]
    data = []
    for level, text, label in entries:
        style = TOC0 if level == 0 else TOC1
        data.append([Paragraph(inline(text), style), Paragraph(label, TOC_NUM)])
    t = Table(data, colWidths=[FRAME_W - 36, 36], hAlign="LEFT")
    styles = [
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]
    for n, (level, _, _) in enumerate(entries):
        if level == 0 and n:
            styles.append(("TOPPADDING", (0, n), (-1, n), 5))
    t.setStyle(TableStyle(styles))
    return [t]


def cover_flowables(meta):
    return [
        Spacer(1, 40),
        Paragraph(inline(meta["kicker"]), COVER_KICKER),
        Spacer(1, 30),
        Paragraph(inline(meta["cover_title"]), COVER_TITLE),
        Spacer(1, 14),
        Paragraph("SAMPLE EDITION", COVER_SUB),
        Spacer(1, 36),
        Paragraph(
            "This is a sample edition written for the peer support toolkit assistant "
            "software so that the service can be tried out. It is <b>not an official "
            "publication</b> and was not produced, reviewed or endorsed by Mind, Bipolar UK, "
            "Depression Alliance, the McPin Foundation, St George's, University of London, "
            "the London School of Economics or the Big Lottery Fund. Facts about the real "
            "Side by Side programme are taken from public web pages listed under "
            "\u201cSources\u201d; everything else is general good practice written for this "
            "edition. Replace this file with the official documents when you deploy.",
            COVER_NOTE,
        ),
        Spacer(1, 18),
        Paragraph(
            "If you are in crisis now: call Samaritans free on 116 123, text SHOUT to 85258, "
            "call NHS 111 and choose option 2, or call 999 / go to A&amp;E if you cannot "
            "keep yourself safe.",
            COVER_NOTE,
        ),
    ]


def make_story(blocks, meta, toc_entries):
    story = [*cover_flowables(meta), NextPageTemplate("front"), PageBreak()]
    at_page_top = True
    in_body = False
    two_col = False
    chap_no = 0
    sec_no = 0
    numbered = False
    for block in blocks:
        kind = block[0]
        width = COL_W if two_col else FRAME_W
        if kind == "front":
            continue
        if kind == "body":
            story += [NextPageTemplate("body"), PageBreak()]
            in_body, at_page_top = True, True
            continue
        if kind in ("twocol", "onecol"):
            two_col = kind == "twocol"
            story += [NextPageTemplate("twocol" if two_col else "body"), PageBreak()]
            at_page_top = True
            continue
        if kind == "pagebreak":
            story.append(PageBreak())
            at_page_top = True
            continue
        if kind == "contents":
            story += toc_flowables(toc_entries)
            at_page_top = False
            continue
        if kind == "heading":
            _, level, text, num = block
            if level == 0:
                if not at_page_top:
                    story.append(PageBreak())
                numbered = in_body and num
                if numbered:
                    chap_no += 1
                    text = f"{chap_no} {text}"
                sec_no = 0
                toc = text != "Contents"
                story.append(Heading(inline(text), H0, 0, text, toc))
            elif level == 1:
                if numbered:
                    sec_no += 1
                    text = f"{chap_no}.{sec_no} {text}"
                story.append(Heading(inline(text), H1, 1, text))
            else:
                story.append(Heading(inline(text), H2, 2, text, toc=False))
            at_page_top = False
            continue
        story += block_flowables(block, width, two_col=two_col)
        at_page_top = False
    return story


def render(meta) -> Path:
    files = sorted(SOURCE_DIR.glob(f"{meta['prefix']}-*.md"))
    lines: list[str] = []
    for f in files:
        lines += [*f.read_text(encoding="utf-8").splitlines(), ""]
    blocks = parse(lines)
    out = HERE / meta["filename"]
    entries = None
    for _ in range(6):
        doc = SampleDoc(str(out), meta)
        doc.build(make_story(blocks, meta, entries))
        if doc.toc_entries == entries:
            break
        entries = doc.toc_entries
    else:
        raise RuntimeError(f"contents of {out.name} did not stabilise")
    return out


def main() -> None:
    for meta in DOCS:
        out = render(meta)
        print(f"wrote {out.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
