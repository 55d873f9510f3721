"""Follow-ups: searched in the context of the question they follow, new topics alone."""

from pathlib import Path

import numpy as np
import pytest

from index import HashEmbedder, Index, build
from index.followup import (
    FollowupParams,
    chain,
    context,
    refers_back,
    weight,
    without_topic_change,
)
from tests.index.test_hybrid import SMALL, CountingEmbedder, src  # noqa: F401  (src: fixture)

FOLLOWUPS = [
    "and for groups that meet by video?",
    "how much is typical?",
    "what about in the evening?",
    "and if they say no?",
    "which one is at the top?",
    "how often should it happen?",
    "should I check on the others afterwards?",
]
# phrases that can only point back, however many other words the message has
BACK_REFERENCES = [
    "one of them is on universal credit, does that change anything?",
    "ive tried the hints in the session and it hasnt worked. what next",
    "do we warn people about it first or just do it on the night",
    "would that apply to the volunteers who run the tea rota as well",
]
STANDALONE = [
    "How do we agree the ground rules together at the first meeting?",
    "What should we do if a member tells us they are being abused at home?",
    "How can facilitators avoid burning out?",
    "Was Side by Side a service that people could be referred to?",
    "Which crisis phone numbers should we keep to hand?",
]


@pytest.mark.parametrize("message", FOLLOWUPS)
def test_a_message_that_refers_back_is_a_followup(message):
    assert refers_back(message)


@pytest.mark.parametrize("message", BACK_REFERENCES)
def test_a_phrase_that_can_only_point_back_makes_a_followup(message):
    assert refers_back(message)


def test_a_long_message_that_names_its_own_subject_stands_alone():
    message = (
        "Can we pay our volunteer facilitators travel money from the grant? One of them is on "
        "benefits and is worried about her housing claim being affected by payments"
    )
    assert not refers_back(message)


@pytest.mark.parametrize("message", STANDALONE)
def test_a_full_question_stands_alone(message):
    assert not refers_back(message)


def test_the_chain_follows_back_to_the_question_that_set_the_topic():
    topic = "How do we find a room for our group?"
    history = ["What is peer support?", topic, "what should we check?"]
    assert chain("and what about the costs?", history) == ["what should we check?", topic]
    assert chain("and what about the costs?", []) == []
    assert chain("How do we write a funding application?", history) == []
    deep = ["and?", "and then?", "and after?", "and later?"]
    assert len(chain("and finally?", deep, FollowupParams(max_chain=3))) == 3


def test_the_context_vector_blends_in_the_topic_question_once():
    vectors = {
        "how much?": np.array([1.0, 0.0], dtype=np.float32),
        "What does room hire cost?": np.array([0.0, 1.0], dtype=np.float32),
    }
    asked = []

    def encode(text):
        asked.append(text)
        return vectors[text]

    c = context("how much?", ["What does room hire cost?"], encode, FollowupParams(0.5))
    assert c.is_followup and c.follows == ("What does room hire cost?",)
    assert np.allclose(c.vector, np.array([1.0, 0.5]) / np.linalg.norm([1.0, 0.5]))
    assert c.keywords == "how much? What does room hire cost?"
    assert asked == ["how much?", "What does room hire cost?"]
    alone = context("What does room hire cost?", ["how much?"], encode)
    assert not alone.is_followup and alone.keywords == "What does room hire cost?"


def test_the_fewer_words_a_followup_has_the_more_its_topic_weighs():
    params = FollowupParams(
        context_weight=1.0, context_weight_per_word=0.15, min_context_weight=0.4
    )
    vague = weight("how do we do that nicely?", params)  # "nicely": one topical word
    assert vague == pytest.approx(0.85)
    assert weight("how much?", params) == 1.0  # nothing of its own
    wordy = "and the volunteers who run the tea rota on thursdays at the library?"
    assert weight(wordy, params) == 0.4  # its own words say most of what it asks


@pytest.mark.parametrize(
    ("message", "asked"),
    [
        ("ok totally different thing - can people bring a friend?", "can people bring a friend?"),
        ("ok ta. unrelated but who paid for it originally?", "who paid for it originally?"),
        ("Something else: what does co-production mean?", "what does co-production mean?"),
        ("different question", "different question"),  # nothing else: the message itself
        ("and what about the other groups?", "and what about the other groups?"),
    ],
)
def test_a_change_of_subject_is_said_and_is_not_what_is_asked(message, asked):
    assert without_topic_change(message) == asked


def test_a_message_that_changes_the_subject_is_never_a_followup():
    # "ok" opens a follow-up, and the pointer "it" leans on the one before: not after "unrelated"
    assert refers_back("ok and what about it?")
    assert not refers_back("ok unrelated, what about it?")
    vectors = {"what about it?": np.array([1.0, 0.0], dtype=np.float32)}
    c = context("ok unrelated, what about it?", ["How do we find a room?"], vectors.__getitem__)
    assert not c.is_followup and c.keywords == "what about it?"  # searched without the marker


@pytest.fixture
def index(src: Path, tmp_path: Path) -> Index:  # noqa: F811
    build(src, tmp_path / "index", HashEmbedder(), SMALL, progress=False)
    return Index.open(tmp_path / "index", CountingEmbedder())


def test_a_followup_finds_the_place_its_topic_question_found(index: Index):
    topic = "Offer tea and biscuits in the break"
    expected = index.search(topic, k=1)[0].chunk
    assert index.search("what about it?", k=1, history=[topic])[0].chunk == expected
    with_history = index.search("and when?", k=3, history=["What is said in the group?", topic])
    assert with_history[0].chunk == expected


def test_a_new_topic_is_searched_as_if_asked_alone(index: Index):
    question = "How do we agree the ground rules together at the first meeting?"
    alone = index.search(question, k=5)
    after = index.search(question, k=5, history=["Offer tea and biscuits in the break"])
    assert [(h.chunk.id, h.score, h.fused) for h in after] == [
        (h.chunk.id, h.score, h.fused) for h in alone
    ]


def test_a_followup_costs_one_extra_encode_at_most(index: Index):
    embedder = index.embedder
    topic = "Offer tea and biscuits in the break"
    index.search(topic)
    assert embedder.calls == 1
    index.search("and when?", history=[topic])
    assert embedder.calls == 2  # the follow-up; the topic question was cached
    index.clear_cache()
    index.search("and when?", history=["What is said in the group?", topic, "and how?"])
    assert embedder.calls == 4  # the follow-up and the topic question, nothing else


def test_the_followup_dev_set_is_well_formed_and_checked_on_its_pages():
    from index.eval import load_followups

    root = Path(__file__).resolve().parents[2]
    entries = load_followups(root / "tests" / "data" / "followups_dev.jsonl")
    assert len(entries) >= 25 and sum(e.new_topic for e in entries) >= 5
    assert all(e.history and e.question for e in entries)
    assert len({e.id for e in entries}) == len(entries)
    docs = {p.name for p in (root / "docs_src").glob("*.pdf")}
    for e in entries:
        assert {filename for filename, _ in e.answers} <= docs, e.id


def test_evaluate_followups_counts_followups_and_controls_apart(index: Index):
    from index.eval import FollowupEntry, evaluate_followups

    tea = index.search("Offer tea and biscuits in the break", k=1)[0].chunk
    where = (("session.pdf", frozenset({tea.page_start})),)
    entries = [
        FollowupEntry(
            "a", ("Offer tea and biscuits in the break",), "what about it?", where, False
        ),
        FollowupEntry("b", ("What is said here?",), "Offer tea and biscuits", where, True),
        FollowupEntry("c", ("x",), "Offer tea", (("guide.pdf", frozenset({99})),), True),
    ]
    r = evaluate_followups(index, entries, "history")
    assert (r.followups, r.followups_found, r.new_topics, r.new_topics_found) == (1, 1, 2, 1)
    assert r.misses == ["c"]
    with pytest.raises(ValueError, match="unknown way"):
        evaluate_followups(index, entries, "magic")
