"""Read a PDF into pages of raw text, page labels, outline headings and layout headings.

This is the only module that imports pypdf. Everything it returns is plain data, so the
cleaning and chunking steps can be tested without PDFs.
"""

from __future__ import annotations

import logging
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import pypdf
from pypdf.errors import FileNotDecryptedError, PdfReadError

from .errors import UnreadablePdfError

# pypdf logs every recoverable oddity of a damaged file; the build reports what matters itself.
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Heading:
    """A section heading found on a page: from the PDF outline or from a larger font."""

    page: int  # 1-based physical page
    title: str
    level: int  # 0 = top level
    source: str  # "outline" or "layout"


@dataclass(frozen=True)
class RawPage:
    number: int  # 1-based physical page number (what #page=N opens)
    label: str | None  # printed label from /PageLabels, None when the PDF defines none
    text: str


@dataclass
class PdfDocument:
    path: Path
    title: str | None
    pages: list[RawPage]
    headings: list[Heading] = field(default_factory=list)


def read_pdf(path: Path) -> PdfDocument:
    """Extract every page's text; raise UnreadablePdfError with a plain reason when we can't."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadablePdfError(f"cannot open file: {exc.strerror}") from exc
    if size == 0:
        raise UnreadablePdfError("the file is empty (0 bytes)")
    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" not in head:
        raise UnreadablePdfError("not a PDF file (no %PDF header)")
    try:
        reader = pypdf.PdfReader(path)
        if reader.is_encrypted:
            try:
                reader.decrypt("")
                _ = len(reader.pages)
            except (FileNotDecryptedError, PdfReadError, NotImplementedError) as exc:
                raise UnreadablePdfError("the PDF is encrypted with a password") from exc
            if not _decrypted(reader):
                raise UnreadablePdfError("the PDF is encrypted with a password")
        labels = _page_labels(reader)
        pages: list[RawPage] = []
        layout_lines: list[list[tuple[str, float]]] = []
        for i, page in enumerate(reader.pages):
            text, lines = _extract(page)
            pages.append(RawPage(number=i + 1, label=labels[i] if labels else None, text=text))
            layout_lines.append(lines)
        headings = _outline_headings(reader)
        title = _title(reader)
    except UnreadablePdfError:
        raise
    except FileNotDecryptedError as exc:
        raise UnreadablePdfError("the PDF is encrypted with a password") from exc
    except Exception as exc:  # pypdf raises many types on damaged files
        reason = str(exc).strip() or type(exc).__name__
        raise UnreadablePdfError(f"damaged or truncated PDF ({reason})") from exc
    if not pages:
        raise UnreadablePdfError("the PDF has no pages")
    if not any(p.text.strip() for p in pages):
        raise UnreadablePdfError("no extractable text (a scanned or image-only PDF?)")
    if not headings:
        headings = _layout_headings(layout_lines)
    return PdfDocument(path=path, title=title, pages=pages, headings=headings)


def _decrypted(reader: pypdf.PdfReader) -> bool:
    try:
        reader.pages[0].extract_text()
    except FileNotDecryptedError:
        return False
    return True


def _page_labels(reader: pypdf.PdfReader) -> list[str] | None:
    """Printed labels only where the PDF defines /PageLabels (pypdf invents 1..n otherwise)."""
    try:
        if "/PageLabels" not in reader.trailer["/Root"]:
            return None
        return list(reader.page_labels)
    except Exception:
        return None


def _extract(page: pypdf.PageObject) -> tuple[str, list[tuple[str, float]]]:
    """Text of a page plus each line with the largest font size seen on it."""
    fragments: list[tuple[str, float]] = []

    def visit(text: str, cm: list, tm: list, font: object, size: float) -> None:
        scale = abs(tm[3] * cm[3]) if tm and cm else 1.0
        fragments.append((text, float(size) * (scale or 1.0)))

    text = page.extract_text(visitor_text=visit) or ""
    lines: list[tuple[str, float]] = []
    current, biggest = "", 0.0
    for frag, size in fragments:
        parts = frag.split("\n")
        for j, part in enumerate(parts):
            if j > 0:
                lines.append((current, biggest))
                current, biggest = "", 0.0
            current += part
            if part.strip():
                biggest = max(biggest, size)
    lines.append((current, biggest))
    return text, [(t.strip(), s) for t, s in lines if t.strip()]


def _outline_headings(reader: pypdf.PdfReader) -> list[Heading]:
    found: list[Heading] = []

    def walk(items: list, level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:
                continue
            title = " ".join(str(getattr(item, "title", "") or "").split())
            if title and page is not None and page >= 0:
                found.append(Heading(page=page + 1, title=title, level=level, source="outline"))

    try:
        walk(reader.outline, 0)
    except Exception:
        return []
    found.sort(key=lambda h: h.page)
    return found


def _layout_headings(pages: list[list[tuple[str, float]]]) -> list[Heading]:
    """Short lines set clearly larger than the body text, when the PDF has no outline."""
    sizes = [s for lines in pages for _, s in lines if s > 0]
    if not sizes:
        return []
    body = statistics.median(sizes)
    found: list[Heading] = []
    for number, lines in enumerate(pages, start=1):
        for text, size in lines:
            words = text.split()
            if (
                size >= body * 1.25
                and 1 <= len(words) <= 14
                and any(c.isalpha() for c in text)
                and not text.rstrip().endswith((",", ";"))
            ):
                level = 0 if size >= body * 1.6 else 1
                found.append(
                    Heading(page=number, title=" ".join(words), level=level, source="layout")
                )
    return found


def _title(reader: pypdf.PdfReader) -> str | None:
    try:
        meta = reader.metadata
        title = (meta.title if meta else None) or ""
    except Exception:
        return None
    title = re.sub(r"^microsoft (word|powerpoint) - ", "", " ".join(str(title).split()), flags=re.I)
    if re.search(r"\.(docx?|pptx?|pdf|indd|odt)$", title, re.IGNORECASE):
        title = re.sub(r"[_]+", " ", title.rsplit(".", 1)[0]).strip()
    if not title or title.lower() in {"untitled", "microsoft word"}:
        return None
    return title
