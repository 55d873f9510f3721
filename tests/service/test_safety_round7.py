"""Crisis rules written after the first measure of an eighth held-out set (tests/data/
safety_heldout8.jsonl): a device or a chore that "wants me dead", a bad day vented with an
ordinary plan for the evening, and a clause of an organiser's question that reads close to a
crisis only out of context (why the organiser asks). Each test fails without its rule
(patterns alone, or the signals given explicitly)."""

from __future__ import annotations

import pytest

from service.safety import Clause, assess, clauses, without_idioms


@pytest.mark.parametrize(
    ("message", "plain"),
    [
        ("this spreadsheet wants me dead", "this spreadsheet is frustrating me"),
        ("the council is trying to kill me with these forms", "the council is frustrating me"),
    ],
)
def test_a_chore_that_wants_me_dead_is_an_idiom(message, plain):
    assert without_idioms(message).startswith(plain)


def test_someone_who_wants_me_dead_is_not_an_idiom():
    assert "dead" in without_idioms("my ex wants me dead")


@pytest.mark.parametrize(
    "message",
    [
        "Awful day, the bus was late and the venue double booked us. Just need a moan",
        "rubbish day, cried in the car after my appraisal. going to have an early night",
    ],
)
def test_a_bad_day_vented_with_an_ordinary_evening_is_not_a_crisis(message):
    assert not assess(message, 0.3, crisis_probability=0.8, probability_threshold=0.65).crisis


def test_a_bad_day_with_a_risk_in_it_still_is():
    message = "awful day, just need a moan. i have the pills ready for tonight"
    assert assess(message).crisis  # the means made ready: a pattern
    # venting beside a means of harm excuses nothing the learned signal reads
    message = "rough day, just needed a vent. the tablets are in my bag"
    assert assess(message, 0.3, crisis_probability=0.9, probability_threshold=0.65).crisis


def test_why_an_organiser_asks_is_not_a_crisis_clause():
    message = (
        "What's the best way to respond if someone discloses suicidal thoughts in a session? "
        "I want to be ready for it"
    )
    parts = tuple(Clause(t, 0.3, 0.9 if t.startswith("I want") else 0.0) for t in clauses(message))
    result = assess(message, 0.4, crisis_probability=0.01, probability_threshold=0.65, parts=parts)
    assert not result.crisis, result.reasons
    # ready for something else still counts as the learned signal reads it
    message = "What's the best way to hand over the keys? I want to be ready to go"
    parts = tuple(Clause(t, 0.3, 0.9 if t.startswith("I want") else 0.0) for t in clauses(message))
    assert assess(message, 0.4, crisis_probability=0.01, parts=parts).crisis
    # and a pattern in a clause counts whatever the whole reads as
    message = "What's the best way to respond if someone discloses? I want to kill myself"
    parts = tuple(Clause(t, 0.3, 0.0) for t in clauses(message))
    assert assess(message, 0.4, crisis_probability=0.01, parts=parts).crisis


@pytest.mark.parametrize(
    "message",
    [
        "wrote a card for each of my kids, they'll understand one day",
        "I've written letters to all my family. tell them I'm sorry",
    ],
)
def test_letters_left_for_each_of_the_family_with_a_farewell_are_a_crisis(message):
    assert assess(message).crisis


def test_cards_for_the_family_without_a_farewell_are_not():
    assert not assess("I wrote a card for each of my kids for their first day at school").crisis
