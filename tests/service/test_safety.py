"""Crisis detection: recall on messages from someone at risk, no alarms on questions about it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.safety import CRISIS_MESSAGE, DEFAULT_RESOURCES, assess, normalise

QA = [json.loads(line) for line in (Path(__file__).parents[1] / "data" / "qa.jsonl").open()]

# Written for these tests, not taken from the QA set: other wordings, typos, no punctuation.
MORE_CRISIS = [
    "i dont want to be here anymore",
    "Im going to take all my tablets tonight",
    "ive got the rope ready",
    "cant cope no more with any of it, wnat to die",
    "i have been self harming again and its getting worse",
    "I've just swallowed a bottle of vodka and 20 paracetamol",
    "I'm scared I'll hurt my baby",
    "I keep thinking about jumping in front of a train",
    "I’m a facilitator but honestly I feel suicidal myself",
    "my partner says he's going to kill me",
]
MORE_SAFE = [
    "how do we support a member who self-harms?",
    "What training do facilitators need for suicide awareness?",
    "Our group wants to raise money for Samaritans, any tips?",
    "can we talk about suicide in the group or is it banned?",
    "how do I look after myself after a hard session",
    "I'm exhausted from running the group on my own",
    "How many people need to come to make a group worthwhile?",
    "what's the point of a group agreement?",
    "We want to stop the group, how do we close it kindly?",
    'A member said "I want to kill myself" after the session. What should I do?',
    "roughly how much money does it take to run a peer group",
]


def test_every_crisis_message_of_the_qa_set_is_flagged_by_patterns_alone():
    crisis = [e["question"] for e in QA if e["kind"] == "crisis"]
    assert len(crisis) >= 10
    missed = [q for q in crisis if not assess(q).crisis]
    assert missed == []


def test_no_other_qa_question_is_a_false_alarm():
    others = [e["question"] for e in QA if e["kind"] != "crisis"]
    alarms = [q for q in others if assess(q).crisis]
    assert alarms == []


@pytest.mark.parametrize("message", MORE_CRISIS)
def test_other_wordings_of_risk_are_flagged(message):
    result = assess(message)
    assert result.crisis, message
    assert result.message == CRISIS_MESSAGE
    assert result.resources == DEFAULT_RESOURCES


@pytest.mark.parametrize("message", MORE_SAFE)
def test_questions_about_risk_are_not_crises(message):
    assert not assess(message).crisis


def test_informational_risk_topics_get_signposting_without_the_crisis_flag():
    result = assess("what should a facilitator do if a member talks about self-harm?")
    assert not result.crisis
    assert result.message and "not a crisis service" in result.message
    assert result.resources[0].name == "Samaritans"
    plain = assess("how do we write a group agreement?")
    assert (plain.crisis, plain.message, plain.resources) == (False, None, ())


def test_similarity_catches_wording_no_pattern_foresaw():
    message = "i think i might do something stupid tonight"
    assert not assess(message, exemplar_similarity=0.3).crisis
    assert assess(message, exemplar_similarity=0.7).crisis
    # ... but not when the message is plainly about someone else or the group
    assert not assess("how do we support a member in a dark place", exemplar_similarity=0.7).crisis


def test_the_signposting_names_the_uk_services_with_their_numbers():
    contacts = " ".join(f"{r.name} {r.contact}" for r in DEFAULT_RESOURCES)
    for needle in ("Samaritans", "116 123", "Shout", "85258", "111", "option 2", "999", "A&E"):
        assert needle in contacts
    for needle in ("116 123", "85258", "111", "999", "not a crisis service"):
        assert needle in CRISIS_MESSAGE


def test_normalise_tolerates_apostrophes_and_stretched_letters():
    assert normalise("I can’t   goooo on") == "i cant goo on"
    assert normalise("I'm") == "im"
