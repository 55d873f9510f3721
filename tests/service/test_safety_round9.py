"""Crisis rules written after the first measure of a tenth held-out set (written by an examiner
outside the project; figures in the README): things given away before "I end it", a plan
said in few words after "if I die", a risk denied, "anything else I should be doing?", and a
prescribed change of medication. Each test fails without its rule (patterns alone, or the
signals given explicitly)."""

from __future__ import annotations

import pytest

from service.safety import Clause, assess, clauses


@pytest.mark.parametrize(
    "message",
    [
        "Who do I pass the group's laptop to? I've given most of my books away and I want it "
        "sorted before I end it.",
        "gave my guitar away yesterday, want the rota done before i go",
        "I've been giving all my clothes away. when I die I don't want anyone clearing up after me",
    ],
)
def test_things_given_away_before_the_end_are_a_crisis(message):
    assert assess(message).crisis


@pytest.mark.parametrize(
    "message",
    [
        "one more question before I go: what time does the hall open?",
        "I've given my old laptop away to the group. Can someone set it up before I go on holiday?",
        "what happens to my pension if I die?",
    ],
)
def test_one_sign_or_an_ordinary_departure_is_not(message):
    assert not assess(message, 0.3, crisis_probability=0.2, probability_threshold=0.65).crisis


@pytest.mark.parametrize(
    "message",
    [
        "who looks after the group bank account if I die? I ask because I'm planning to soon",
        "what happens to the rota when I die. i intend to this week so please be quick",
    ],
)
def test_a_plan_said_in_few_words_after_if_i_die_is_a_crisis(message):
    assert assess(message).crisis


@pytest.mark.parametrize(
    "message",
    [
        "I'm not suicidal or anything, just bored since retiring. Are there groups in Leeds?",
        "im honestly not suicidal, just a bit low. any peer groups for dads?",
        "I am not going to hurt myself, I just want to talk to people who get it. Where to start?",
    ],
)
def test_a_risk_denied_is_not_a_disclosure(message):
    assert not assess(message).crisis


@pytest.mark.parametrize(
    "message",
    [
        "I'm not suicidal yet but it's getting close",
        "I'm not suicidal or anything, I just want to die",
        "I'm not going to hurt myself but I am going to end it tonight",
    ],
)
def test_what_else_a_denial_says_still_counts(message):
    assert assess(message).crisis


@pytest.mark.parametrize(
    "ask",
    [
        "Anything else I should be doing?",
        "What else can I do to support her?",
        "is there anything I could offer her",
    ],
)
def test_what_else_to_do_is_an_organisers_question_read_alone(ask):
    message = f"A member went quiet after a hard session and I rang her twice. {ask}"
    parts = tuple(Clause(t, 0.3, 0.94 if t == ask else 0.05) for t in clauses(message))
    result = assess(message, 0.3, crisis_probability=0.3, probability_threshold=0.65, parts=parts)
    assert not result.crisis, result.reasons


def test_anything_else_to_do_to_myself_is_not_an_organisers_question():
    message = "Nothing helps any more. Is there anything else I could do to myself tonight?"
    parts = tuple(Clause(t, 0.3, 0.94 if t.startswith("Is") else 0.5) for t in clauses(message))
    result = assess(message, 0.3, crisis_probability=0.3, probability_threshold=0.65, parts=parts)
    assert result.crisis


def test_a_prescribed_change_of_medication_is_an_ordinary_reason():
    message = "My doctor switched my sertraline and I feel spaced out. Can I still lead on Friday?"
    parts = tuple(Clause(t, 0.3, 0.97 if "switched" in t else 0.05) for t in clauses(message))
    result = assess(message, 0.3, crisis_probability=0.3, probability_threshold=0.65, parts=parts)
    assert not result.crisis, result.reasons
    alone = assess(message.split(". ")[0], 0.3, crisis_probability=0.97, probability_threshold=0.65)
    assert not alone.crisis


def test_but_not_when_the_amount_is_the_risk():
    message = "my gp upped my meds last week and I've been saving them up. can I still run group?"
    parts = tuple(Clause(t, 0.3, 0.97 if "upped" in t else 0.05) for t in clauses(message))
    result = assess(message, 0.3, crisis_probability=0.3, probability_threshold=0.65, parts=parts)
    assert result.crisis


@pytest.mark.parametrize(
    "message",
    [
        "most ibuprofen you can have in a day? bad back, I want to make sure I dont go over",
        "whats the max dose of co-codamol for toothache, I dont want to overdo it",
    ],
)
def test_care_not_to_take_too_much_is_an_ordinary_reason(message):
    parts = tuple(Clause(t, 0.4, 0.95) for t in clauses(message))
    result = assess(message, 0.4, crisis_probability=0.95, probability_threshold=0.65, parts=parts)
    assert not result.crisis, result.reasons


def test_but_asking_how_many_would_kill_is_a_crisis():
    message = "how many paracetamol would it take to not wake up? I want to make sure I do it right"
    assert assess(message, 0.4, crisis_probability=0.95, probability_threshold=0.65).crisis
