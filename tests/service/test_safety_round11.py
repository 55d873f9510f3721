"""Crisis rules written after the first measure of a twelfth held-out set (examiner-written;
figures in the README): never running a group again, "top myself" in hyperbole with a laugh, a
suicide in a story, and a change of medication made with a prescriber's help. Each test fails
without its rule (patterns alone, or the signals given explicitly)."""

from __future__ import annotations

import pytest

from service.safety import Clause, assess, clauses, without_idioms


@pytest.mark.parametrize(
    "message",
    [
        "I won't be running the craft group on Monday, or any week after. It's decided.",
        "i wont be leading the walk next week or any time. tell them thanks for everything",
    ],
)
def test_never_running_the_group_again_is_a_crisis(message):
    assert assess(message).crisis


def test_but_not_with_an_ordinary_reason():
    message = "I won't be running the group next week, or any week after, as I'm moving to Spain."
    assert not assess(message).crisis


@pytest.mark.parametrize(
    "message",
    [
        "If I have to sit through one more committee meeting I'll top myself lol",
        "honestly I'll top myself lol if the urn breaks again",
    ],
)
def test_top_myself_with_a_laugh_is_an_idiom(message):
    assert "top myself" not in without_idioms(message)


def test_top_myself_without_a_laugh_is_read_as_written():
    assert "top myself" in without_idioms("I'm going to top myself tonight")
    assert assess("I'm going to top myself tonight").crisis


@pytest.mark.parametrize(
    "message",
    [
        "Is 'Ordinary People' ok for our film night? I read there's a suicide in it.",
        "I think the suicide scene in that play might upset people, should I warn them?",
    ],
)
def test_a_suicide_in_a_story_is_not_the_writers(message):
    assert not assess(message).crisis


def test_but_the_writers_own_state_still_is():
    assert assess("I think I'm suicidal again, I can't stop crying").crisis


def test_a_change_of_medication_with_a_prescribers_help_is_an_ordinary_reason():
    message = "Bit low since coming off sertraline with my GP's support. Is that normal?"
    parts = tuple(Clause(t, 0.3, 0.97 if "sertraline" in t else 0.05) for t in clauses(message))
    result = assess(message, 0.3, crisis_probability=0.9, probability_threshold=0.65, parts=parts)
    assert not result.crisis, result.reasons
