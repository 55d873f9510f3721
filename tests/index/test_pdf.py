from pathlib import Path

import pytest

from index.errors import UnreadablePdfError
from index.pdf import read_pdf
from tests import pdfs
from tests.conftest import guide_spec


def test_pages_keep_physical_numbers_labels_title_and_outline(tmp_path: Path):
    doc = read_pdf(pdfs.write(tmp_path / "g.pdf", guide_spec()))
    assert doc.title == "A small guide to running a group"
    assert [p.number for p in doc.pages] == [1, 2, 3, 4]
    assert [p.label for p in doc.pages] == ["i", "1", "2", "3"]
    assert [(h.page, h.title, h.source) for h in doc.headings] == [
        (1, "Contents", "outline"),
        (2, "Ground rules", "outline"),
        (3, "When nobody talks", "outline"),
        (4, "Choosing a venue", "outline"),
    ]
    assert "Silence at a first meeting is normal" in doc.pages[2].text


def test_no_page_labels_when_the_pdf_defines_none(tmp_path: Path):
    spec = pdfs.Spec(pages=[pdfs.Page(["Hello there."])])
    assert read_pdf(pdfs.write(tmp_path / "a.pdf", spec)).pages[0].label is None


def test_layout_headings_when_there_is_no_outline(tmp_path: Path):
    spec = guide_spec()
    spec.outline = False
    doc = read_pdf(pdfs.write(tmp_path / "g.pdf", spec))
    titles = [(h.page, h.title, h.source) for h in doc.headings]
    assert (2, "Ground rules", "layout") in titles
    assert (3, "When nobody talks", "layout") in titles
    assert all("Silence at a first" not in t for _, t, _ in titles)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_text("just some notes, not a PDF"), "not a PDF"),
        (lambda p: p.write_bytes(pdfs.render(guide_spec())[:400]), "damaged or truncated"),
        (lambda p: pdfs.encrypted(p, guide_spec()), "encrypted"),
        (lambda p: pdfs.image_only(p), "no extractable text"),
    ],
    ids=["zero-byte", "not-pdf", "truncated", "encrypted", "scanned"],
)
def test_bad_files_raise_a_clear_reason(tmp_path: Path, make, reason):
    path = tmp_path / "bad.pdf"
    make(path)
    with pytest.raises(UnreadablePdfError, match=reason):
        read_pdf(path)
