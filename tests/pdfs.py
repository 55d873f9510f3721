"""Tiny PDFs made on the fly for tests: exact text, pages, labels and outlines we control."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A5
from reportlab.pdfgen import canvas


@dataclass
class Page:
    lines: Sequence[str]
    heading: str | None = None  # drawn large at the top and added to the outline


@dataclass
class Spec:
    pages: Sequence[Page]
    title: str | None = None
    header: str | None = None  # running header on every page
    footer: str | None = "Sample footer — page {n}"  # running footer; {n} = printed number
    roman_front_pages: int = 0  # that many pages labelled i, ii, ... then 1, 2, ...
    outline: bool = True
    extra: dict = field(default_factory=dict)


def render(spec: Spec) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A5, invariant=1)
    if spec.title:
        c.setTitle(spec.title)
    _width, height = A5
    for i, page in enumerate(spec.pages):
        printed = i + 1 - spec.roman_front_pages
        if spec.header:
            c.setFont("Helvetica", 8)
            c.drawString(40, height - 30, spec.header)
        y = height - 60
        if page.heading:
            c.setFont("Helvetica-Bold", 16)
            c.drawString(40, y, page.heading)
            if spec.outline:
                key = f"h{i}"
                c.bookmarkPage(key)
                c.addOutlineEntry(page.heading, key, level=0)
            y -= 28
        c.setFont("Helvetica", 10)
        for line in page.lines:
            c.drawString(40, y, line)
            y -= 14
        if spec.footer:
            c.setFont("Helvetica", 8)
            c.drawString(40, 25, spec.footer.format(n=printed if printed > 0 else "x"))
        c.showPage()
    c.save()
    data = buf.getvalue()
    if spec.roman_front_pages:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        writer.set_page_label(0, spec.roman_front_pages - 1, style="/r")
        writer.set_page_label(spec.roman_front_pages, len(spec.pages) - 1, style="/D", start=1)
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    return data


def write(path: Path, spec: Spec) -> Path:
    path.write_bytes(render(spec))
    return path


def encrypted(path: Path, spec: Spec, password: str = "secret") -> Path:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(render(spec))))
    writer.encrypt(user_password=password, owner_password=password)
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def image_only(path: Path, pages: int = 2) -> Path:
    """A 'scanned' PDF: drawings but no text objects at all."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A5, invariant=1)
    for _ in range(pages):
        c.rect(40, 40, 200, 300, fill=1)
        c.showPage()
    c.save()
    path.write_bytes(buf.getvalue())
    return path
