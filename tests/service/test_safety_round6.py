"""Crisis rules written after the first measure of a seventh held-out set (tests/data/
safety_heldout7.jsonl): a plan not to be here without a date, a last message ("tell them I'm
sorry, none of it was their fault"; "not at the next session, or any after it"), a farewell to
the chat, a bad day vented, a practical "what should I be checking?", and an idiom that read as
pain. Each test fails without its rule (patterns alone, or the signals given explicitly)."""

from __future__ import annotations

import pytest

from service.safety import Clause, assess, clauses, without_idioms


@pytest.mark.parametrize(
    "message",
    [
        "does anyone notice when someone stops coming? asking because im planning on not being "
        "here much at all soon",
        "I'm going to not be alive soon, I've decided",
    ],
)
def test_a_plan_not_to_be_here_is_a_crisis_without_a_date(message):
    assert assess(message).crisis


def test_planning_an_ordinary_absence_is_not():
    assert not assess("we're planning on not being here in August, we're on holiday").crisis


@pytest.mark.parametrize(
    "message",
    [
        "Please tell my co-facilitator I'm sorry and that none of this was her fault.",
        "tell the others i am sorry, it wasnt their fault x",
    ],
)
def test_sorry_and_not_their_fault_is_a_last_message(message):
    assert assess(message).crisis


def test_never_at_a_session_again_is_a_farewell_unless_a_reason_is_given():
    assert assess("I won't be at group on Monday, or any after it.").crisis
    assert assess("i wont be coming to the sessions ever again").crisis
    assert not assess("I won't be at the next session or any after it, I'm moving to Spain").crisis


def test_a_farewell_to_the_chat_is_a_greeting():
    # the learned signal and the exemplars read "thanks for everything" as a last message
    for message in ("bye, thanks for everything", "thanks for everything!"):
        assert not assess(message, 0.9, crisis_probability=0.95).crisis
    # a farewell with a risk in it is still one
    assert assess("thanks for everything, I won't be around much longer").crisis


def test_a_bad_day_vented_is_not_a_crisis_clause():
    message = (
        "Work was a nightmare today and my manager shouted at me. I'll be fine after a good "
        "sleep, just needed a moan. How do I set up a tea rota?"
    )
    parts = tuple(
        Clause(t, 0.3, 0.98 if t.startswith("I'll be fine") else 0.2) for t in clauses(message)
    )
    result = assess(message, 0.3, crisis_probability=0.4, probability_threshold=0.65, parts=parts)
    assert not result.crisis, result.reasons
    # without the venting said, a clause that reads as a crisis still counts
    plain = "Work was a nightmare today. I'll be fine, honestly don't worry about me. Tea rota?"
    parts = tuple(Clause(t, 0.3, 0.98 if "fine" in t else 0.2) for t in clauses(plain))
    assert assess(
        plain, 0.3, crisis_probability=0.4, probability_threshold=0.65, parts=parts
    ).crisis


def test_a_practical_what_should_i_check_question_is_about_a_situation():
    message = "seeing a church hall tomorrow as a venue - what should I be checking?"
    assert not assess(message, 0.3, crisis_probability=0.75, probability_threshold=0.65).crisis
    # happening now still counts
    urgent = "I've got the pills in front of me right now, what should I be checking?"
    assert assess(urgent, 0.3, crisis_probability=0.75, probability_threshold=0.65).crisis


def test_the_death_of_me_reads_as_a_nuisance_not_a_pain():
    plain = without_idioms("this booking system will be the death of me")
    assert "pain" not in plain and "death" not in plain
