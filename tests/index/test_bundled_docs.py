"""The bundled sample PDFs (docs_src/) through extraction, cleaning and chunking: no running
header or footer is left in any chunk, and the tables of contents are marked."""

import re
from pathlib import Path

import pytest

from index.chunk import PageText, SectionMark, chunk_document
from index.clean import clean_pages
from index.pdf import read_pdf

DOCS = Path(__file__).resolve().parents[2] / "docs_src"
PDFS = sorted(DOCS.glob("*.pdf"))
# the running lines the sample editions print on their pages
FOOTERS = re.compile(
    r"Sample edition written for the peer support toolkit assistant\. Not an official"
    r"|[a-z] \(sample edition\)"
)
CONTENTS_PAGES = {  # physical pages of each table of contents (read in the PDFs)
    "peer-support-toolkit-sample-edition.pdf": {4, 5, 6, 7},
    "side-by-side-early-findings-sample-edition.pdf": {3, 4},
    "side-by-side-evaluation-report-sample-edition.pdf": {3, 4, 5},
}


def _chunks(path: Path):
    pdf = read_pdf(path)
    cleaned = clean_pages([p.text for p in pdf.pages])
    pages = [
        PageText(p.number, p.label, c.text, c.joins_next, c.contents)
        for p, c in zip(pdf.pages, cleaned, strict=True)
    ]
    marks = [SectionMark(h.page, h.title, h.level) for h in pdf.headings]
    return pdf, cleaned, chunk_document(path.stem, pages, marks)


@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.name)
def test_no_chunk_of_a_bundled_pdf_contains_a_running_footer(path: Path):
    pdf, _, chunks = _chunks(path)
    raw = sum(len(FOOTERS.findall(p.text)) for p in pdf.pages)
    assert raw >= len(pdf.pages)  # every page prints one: the check is not vacuous
    leaks = [c.id for c in chunks if FOOTERS.search(c.text)]
    assert leaks == []
    # nor the chapter title printed as a running footer ("... talk honestly. 5 Group
    # agreements and ground rules")
    chapters = [h.title for h in pdf.headings if h.level == 0]
    assert [c.id for c in chunks if any(c.text.endswith(f". {t}") for t in chapters)] == []


@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.name)
def test_table_of_contents_chunks_are_marked_and_no_others(path: Path):
    _, cleaned, chunks = _chunks(path)
    pages = {n for n, c in enumerate(cleaned, start=1) if c.contents}
    assert pages == CONTENTS_PAGES[path.name]
    marked = {c.id for c in chunks if c.contents}
    assert marked and marked == {
        c.id for c in chunks if c.page_start in pages and c.page_end in pages
    }
