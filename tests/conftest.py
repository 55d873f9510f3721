"""Shared fixtures: a deterministic embedder and a folder of small generated PDFs."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import HashEmbedder
from tests import pdfs

GROUND_RULES = [
    "Agree the ground rules together at the first meeting.",
    "Everyone has the chance to speak and nobody has to share.",
    "What is said in the group stays in the group.",
    "Challenge the view, not the person.",
]
SILENCE = [
    "Silence at a first meeting is normal and can be comfortable.",
    "Facilitators can wait, offer a gentle question, or invite pairs to talk first.",
    "Starting with a round of names and a simple check-in question helps people settle.",
]
VENUE = [
    "Choose a venue with step-free access and a quiet private room.",
    "Check that the venue is easy to reach by public transport.",
    "Think about toilets, lighting, and somewhere to make a hot drink.",
]


@pytest.fixture
def embedder() -> HashEmbedder:
    return HashEmbedder()


def guide_spec(title: str = "A small guide to running a group") -> pdfs.Spec:
    return pdfs.Spec(
        title=title,
        header="Small guide to peer support groups",
        pages=[
            pdfs.Page(["Contents", "Ground rules 1", "Silence 2", "Venues 3"], heading="Contents"),
            pdfs.Page(GROUND_RULES, heading="Ground rules"),
            pdfs.Page(SILENCE, heading="When nobody talks"),
            pdfs.Page(VENUE, heading="Choosing a venue"),
        ],
        roman_front_pages=1,
    )


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A source folder with two good PDFs."""
    src = tmp_path / "docs"
    src.mkdir()
    pdfs.write(src / "guide.pdf", guide_spec())
    pdfs.write(
        src / "notes.pdf",
        pdfs.Spec(
            title="Facilitator notes",
            pages=[
                pdfs.Page(["Self-care matters for facilitators.", "Take breaks and ask for help."]),
                pdfs.Page(["Supervision gives facilitators a space to reflect on sessions."]),
                pdfs.Page(["Sharing the load between two facilitators prevents burnout."]),
            ],
        ),
    )
    return src


@pytest.fixture(autouse=True)
def _no_rate_limits_by_default(monkeypatch):
    """Tests hammer the API from one address; the rate-limit tests turn limits back on."""
    monkeypatch.setenv("TOOLKIT_RATELIMIT_ENABLED", "false")


@pytest.fixture(autouse=True)
def _instance_outside_the_checkout(monkeypatch, tmp_path):
    """Apps made by tests keep their instance folder (secret key, database) in tmp_path."""
    monkeypatch.setenv("TOOLKIT_INSTANCE_PATH", str(tmp_path / "instance"))
