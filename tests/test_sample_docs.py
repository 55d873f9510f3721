"""Checks for the sample-edition PDFs in docs_src/ and the QA set in tests/data/qa.jsonl.

Uses only pypdf; nothing is rendered here (rendering is checked by hand with
``docs_src/render.py``, which is deterministic).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
DOCS_DIR = ROOT / "docs_src"
QA_PATH = ROOT / "tests" / "data" / "qa.jsonl"
HELDOUT_PATH = ROOT / "tests" / "data" / "qa_heldout.jsonl"  # written after calibration
# written by an examiner who saw only the PDFs, after this round's tuning
HELDOUT2_PATH = ROOT / "tests" / "data" / "qa_heldout2.jsonl"
FOLLOWUPS_HELDOUT_PATH = ROOT / "tests" / "data" / "followups_heldout.jsonl"
# later rounds' held-out sets, each by an examiner who saw only the PDFs
LATER_HELDOUT = [
    "qa_heldout3.jsonl",
    "qa_heldout4.jsonl",
    "qa_heldout5.jsonl",
    "qa_heldout6.jsonl",
    "qa_heldout7.jsonl",
    "qa_heldout8.jsonl",
    "qa_heldout9.jsonl",
    "qa_heldout10.jsonl",
    "qa_heldout11.jsonl",
    "qa_heldout12.jsonl",
    "qa_heldout13.jsonl",
    "qa_heldout14.jsonl",
    "qa_heldout15.jsonl",
    "followups_heldout3.jsonl",
    "followups_heldout5.jsonl",
    "followups_heldout6.jsonl",
    "followups_heldout7.jsonl",
    "followups_heldout8.jsonl",
    "followups_heldout9.jsonl",
    "followups_heldout10.jsonl",
    "followups_heldout11.jsonl",
    "followups_heldout12.jsonl",
    "followups_heldout13.jsonl",
    "followups_heldout14.jsonl",
    "followups_heldout15.jsonl",
]

DOCUMENTS = {
    "peer-support-toolkit-sample-edition.pdf": "Peer support toolkit for community groups",
    "side-by-side-early-findings-sample-edition.pdf": "Side by Side: early findings summary",
    "side-by-side-evaluation-report-sample-edition.pdf": "Side by Side: evaluation report",
}
REPORTS = [
    "side-by-side-early-findings-sample-edition.pdf",
    "side-by-side-evaluation-report-sample-edition.pdf",
]
NOTICE = "Sample edition written for the peer support toolkit assistant"
KINDS = {"answerable": 70, "unanswerable": 15, "crisis": 10, "crisis_info": 5}
ROMAN = re.compile(r"^[ivxlc]+$")


@cache
def reader(name: str) -> PdfReader:
    return PdfReader(DOCS_DIR / name)


@cache
def page_texts(name: str) -> tuple[str, ...]:
    return tuple(page.extract_text() or "" for page in reader(name).pages)


def normalised_variants(text: str) -> tuple[str, str]:
    """Whitespace-normalised, lower-cased text, with end-of-line hyphens joined.

    Two variants: the hyphen dropped (hyphenation) and kept (a real hyphen at a line end).
    """
    joined = re.sub(r"-\s*\n\s*", "", text)
    kept = re.sub(r"-\s*\n\s*", "-", text)
    return tuple(re.sub(r"\s+", " ", t).strip().lower() for t in (joined, kept))


@cache
def qa_entries(path: Path = QA_PATH) -> tuple[dict, ...]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return tuple(json.loads(line) for line in lines if line.strip())


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_pdf_exists_with_metadata(name):
    assert (DOCS_DIR / name).is_file()
    meta = reader(name).metadata
    assert meta is not None
    assert meta.title.startswith(DOCUMENTS[name])
    assert "sample edition" in meta.title.lower()
    assert "sample edition" in (meta.author or "").lower()


def test_total_size():
    pages = sum(len(reader(n).pages) for n in DOCUMENTS)
    words = sum(len(t.split()) for n in DOCUMENTS for t in page_texts(n))
    assert pages >= 80
    assert words >= 30_000


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_page_labels(name):
    r = reader(name)
    assert "/PageLabels" in r.trailer["/Root"]
    labels = [r.page_labels[i] for i in range(len(r.pages))]
    assert labels[0] == "i"
    body_start = labels.index("1")
    assert body_start >= 2, "cover and front matter come before page 1"
    assert all(ROMAN.match(label) for label in labels[:body_start])
    assert labels[body_start:] == [str(n) for n in range(1, len(labels) - body_start + 1)]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_outline_has_levels(name):
    outline = reader(name).outline
    assert len(outline) >= 5
    assert any(isinstance(item, list) for item in outline), "outline has nested levels"


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_page_has_notice(name):
    for number, text in enumerate(page_texts(name), 1):
        assert NOTICE in text, f"{name} page {number} lacks the sample-edition notice"


def test_hyphenation_at_line_ends():
    hyphenated = sum(
        len(re.findall(r"[a-z]{2}-\n[a-z]", text)) for n in DOCUMENTS for text in page_texts(n)
    )
    assert hyphenated >= 10


def test_qa_schema_and_counts():
    entries = qa_entries()
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids))
    counts = {kind: 0 for kind in KINDS}
    for e in entries:
        assert re.fullmatch(r"q\d{3}", e["id"])
        assert set(e) <= {"id", "question", "kind", "answers", "evidence"}
        assert {"id", "question", "kind", "answers"} <= set(e)
        assert isinstance(e["question"], str) and e["question"].strip()
        assert e["kind"] in KINDS
        counts[e["kind"]] += 1
        assert isinstance(e["answers"], list)
        if e["kind"] in ("unanswerable", "crisis"):
            assert e["answers"] == []
            assert "evidence" not in e
        if e["kind"] == "answerable":
            assert e["answers"], e["id"]
            assert "evidence" in e, e["id"]
        for answer in e["answers"]:
            assert set(answer) == {"document", "pages"}
            assert answer["document"] in DOCUMENTS
            assert answer["pages"] and all(isinstance(p, int) for p in answer["pages"])
    for kind, minimum in KINDS.items():
        assert counts[kind] >= minimum, kind


def test_heldout_set_is_new_questions_with_evidence():
    entries = qa_entries(HELDOUT_PATH)
    assert len({e["id"] for e in entries}) == len(entries) >= 60
    seen = {e["question"].strip().lower() for e in qa_entries()}
    assert not [e["id"] for e in entries if e["question"].strip().lower() in seen]
    for e in entries:
        assert e["kind"] in ("answerable", "unanswerable"), e["id"]
        assert bool(e["answers"]) == (e["kind"] == "answerable") == ("evidence" in e), e["id"]
        assert all(a["document"] in DOCUMENTS for a in e["answers"]), e["id"]


def test_qa_answers_cover_reports():
    for name in REPORTS:
        n = sum(
            1
            for e in qa_entries()
            if e["kind"] == "answerable" and any(a["document"] == name for a in e["answers"])
        )
        assert n >= 15, name


@pytest.mark.parametrize(
    "path",
    [QA_PATH, HELDOUT_PATH, HELDOUT2_PATH, FOLLOWUPS_HELDOUT_PATH]
    + [ROOT / "tests" / "data" / name for name in LATER_HELDOUT],
    ids=["qa", "heldout", "heldout2", "followups-heldout", *LATER_HELDOUT],
)
def test_qa_pages_exist_and_evidence_is_on_them(path):
    for e in qa_entries(path):
        if not e["answers"]:
            continue
        for answer in e["answers"]:
            n_pages = len(reader(answer["document"]).pages)
            assert all(1 <= p <= n_pages for p in answer["pages"]), e["id"]
        evidence = e.get("evidence")
        if evidence is None:
            continue
        assert 5 <= len(evidence.split()) <= 15, e["id"]
        phrase = re.sub(r"\s+", " ", evidence).strip().lower()
        found = any(
            phrase in variant
            for answer in e["answers"]
            for p in answer["pages"]
            for variant in normalised_variants(page_texts(answer["document"])[p - 1])
        )
        assert found, f"{e['id']}: evidence not found on the listed pages"
