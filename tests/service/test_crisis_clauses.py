"""Long messages judged clause by clause: a disclosure inside a practical question is diluted in
the whole message's embedding and hidden by its context ("how do I tell the members ...?"), so
each clause is judged as if sent alone, with one extra encode call for all of them."""

from __future__ import annotations

import numpy as np
import pytest

from service import crisis, safety
from service.crisis_model import CrisisModel

DISCLOSURE = "im leaving and i wont need the keys after tonight"  # no pattern knows it


def unit(i: int, dim: int = 4) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    v[i] = 1.0
    return v


# crisis along axis 0 (probability 0.998), not along the others (0.002)
MODEL = CrisisModel(np.array([12.0, 0, 0, 0], dtype=np.float32), -6.0, "f", 0.65, 0.85)
EXEMPLARS = np.stack([unit(3)])  # nothing is similar to them


class Encoder:
    """Vectors along axis 0 for texts holding any of `crisis_words`; records every call."""

    def __init__(self, *crisis_words: str) -> None:
        self.crisis_words = crisis_words or (DISCLOSURE,)
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        whole = [len(safety.clauses(t)) >= 2 for t in texts]
        return np.stack(
            [
                unit(1 if w else 0 if any(c in t.lower() for c in self.crisis_words) else 1)
                for t, w in zip(texts, whole, strict=True)
            ]
        )


def test_clauses_split_sentences_and_the_joins_where_a_question_turns():
    text = (
        "Who do I tell at the hall about moving the group? Also the rota - can it skip me; "
        "sorry, I know it's late, but I'm not sure I'll be around"
    )
    assert safety.clauses(text) == [
        "Who do I tell at the hall about moving the group?",
        "Also the rota",
        "can it skip me",
        "sorry, I know it's late",
        "but I'm not sure I'll be around",
    ]
    assert safety.clauses("How long should a session last?") == []
    assert safety.clauses("Hi. Thanks.") == []  # fragments of under three words are not clauses


def test_quoted_words_are_not_clauses_of_the_writer():
    text = 'A member wrote "I want to die. Goodbye everyone." What do I say back to her?'
    parts = safety.clauses(text)
    assert not any("die" in p or "Goodbye" in p for p in parts)


def test_a_clause_flags_a_long_message_its_whole_embedding_does_not():
    text = f"What's the best way to tell members a facilitator is leaving? It's me. {DISCLOSURE}."
    encode = Encoder()
    result = crisis.judge(text, encode, EXEMPLARS, MODEL)
    assert result.crisis and result.reasons == ("learned", "clause")
    assert result.message == safety.CRISIS_MESSAGE
    # the whole message once, then in one batch the clauses in the writer's own words ("It's
    # me." is too short to mean anything alone; the question is not the writer's own)
    assert encode.calls == [[text], [f"{DISCLOSURE}."]]


def test_a_long_message_with_no_clause_in_the_writers_own_words_costs_one_encode_call():
    encode = Encoder()
    text = "Our hall has a new caretaker. The members want a later start. Is that allowed?"
    assert len(safety.clauses(text)) == 3
    assert not crisis.judge(text, encode, EXEMPLARS, MODEL).crisis
    assert encode.calls == [[text]]
    assert safety.embeddable("I won't need the keys after tonight")
    assert not safety.embeddable("A member told me she won't need her keys after tonight")


def test_a_message_of_one_clause_costs_one_encode_call():
    encode = Encoder()
    assert not crisis.judge("How long should a session last?", encode, EXEMPLARS, MODEL).crisis
    assert len(encode.calls) == 1


@pytest.mark.parametrize(
    "text",
    [
        # someone else's tablets, no first person
        "Can members bring their medication to group? One lady needs her tablets at seven.",
        # an ordinary reason for the absence, beside it
        "Who can cover Wednesdays? I won't be around next month, I'm having an operation.",
        # someone else's words reported
        "Should I do anything? A member told me she won't need her tablets after tonight.",
        # a bereavement, read close to a crisis out of context
        "My dad took his own life and I won't need to grieve alone. Can I start a group?",
        # too few words to mean anything alone
        "Our group has a new treasurer and a new venue for the spring. Should I do anything?",
    ],
)
def test_a_clause_flagged_by_its_embedding_alone_needs_the_writers_own_words(text):
    encode = Encoder("tablets", "around", "anything")
    assert not crisis.judge(text, encode, EXEMPLARS, MODEL).crisis


def test_the_part_threshold_is_stricter_than_the_whole_messages():
    text = f"What time does the hall open on Tuesdays? {DISCLOSURE}."
    parts = tuple(safety.Clause(c, 0.0, 0.8) for c in safety.clauses(text))
    assert not safety.assess(
        text, 0.0, crisis_probability=0.1, parts=parts, part_threshold=0.85
    ).crisis
    parts = tuple(safety.Clause(c, 0.0, 0.9) for c in safety.clauses(text))
    assert safety.assess(text, 0.0, crisis_probability=0.1, parts=parts, part_threshold=0.85).crisis


def test_a_clause_pattern_counts_when_the_whole_messages_context_hides_it():
    # "said" makes the whole message read as someone else's words; its last clause is not
    text = "A member said the hall is closing in March. I want to kill myself."
    assert not safety.assess(text).crisis
    parts = tuple(safety.Clause(c) for c in safety.clauses(text))
    result = safety.assess(text, parts=parts)
    assert result.crisis and "clause" in result.reasons


@pytest.mark.parametrize(
    "text",
    [
        "I was suicidal years ago. I want to kill myself was all I thought then. Can I facilitate?",
        "For our funding bid, a quote from a member. I wanted to die before I found this group.",
    ],
)
def test_clauses_are_not_judged_when_the_whole_message_is_the_past_or_a_quote(text):
    parts = tuple(safety.Clause(c, 0.0, 0.99) for c in safety.clauses(text))
    assert len(parts) >= 2
    assert not safety.assess(text, parts=parts, part_threshold=0.85).crisis


class BrokenEmbedder:
    fingerprint = "broken"

    def encode(self, texts):
        raise RuntimeError("the model failed")


def test_without_the_embedder_the_patterns_still_read_each_clause():
    check = crisis.CrisisCheck(lambda: BrokenEmbedder(), model_path=None)
    result = check.assess("A member said the hall is closing in March. I want to kill myself.")
    assert result.crisis and "clause" in result.reasons


def test_the_check_never_raises_even_if_the_clauses_cannot_be_read(monkeypatch):
    def broken(text):
        raise ValueError("no clauses")

    monkeypatch.setattr(safety, "clauses", broken)
    check = crisis.CrisisCheck(lambda: BrokenEmbedder(), model_path=None)
    assert check.assess("I want to kill myself tonight").crisis
    assert not check.assess("How long should a session last?").crisis
