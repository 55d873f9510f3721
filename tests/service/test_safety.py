"""Crisis detection: recall on messages from someone at risk, no alarms on questions about it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.safety import (
    CRISIS_MESSAGE,
    DEFAULT_RESOURCES,
    SIGNPOST_MESSAGE,
    SOMEONE_ELSE_MESSAGE,
    assess,
    normalise,
    search_text,
)

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


# A facilitator describing someone else's risk in everyday words: signposting, not a crisis,
# and the risk named so that retrieval can use the documents' words for it.
DESCRIBED_RISKS = [
    ("a member told me she wants to end her life, what do I do", ("suicide",)),
    ("a volunteer told me he has thoughts of taking his own life", ("suicide",)),
    ("a member keeps talking about ending it all, what now?", ("suicide",)),
    ("a member said she has no reason to live anymore", ("suicide",)),
    ("what if somebody at the meeting says they want to die", ("suicide",)),
    ("someone in my group said he wants to kill himself", ("suicide",)),
    ("one of our members has been cutting herself, how do I support her", ("self-harm",)),
    ("a group member disclosed they took an overdose last week", ("overdose",)),
]


@pytest.mark.parametrize(("message", "topics"), DESCRIBED_RISKS)
def test_risks_described_in_everyday_words_get_signposting_and_are_named(message, topics):
    result = assess(message)
    assert not result.crisis
    assert result.message == SIGNPOST_MESSAGE and result.resources == DEFAULT_RESOURCES
    assert result.topics == topics


def test_search_text_adds_the_documents_words_for_a_described_risk_only():
    described = "a member told me she wants to end her life, what do I do"
    assert search_text(described, assess(described)) == f"{described} (suicide, suicidal thoughts)"
    cutting = "one of our members has been cutting herself"
    assert search_text(cutting, assess(cutting)).endswith("(self-harm)")
    # a question that already names the risk, or has none, is searched as it is
    for question in (
        "how should our group mark suicide prevention week?",
        "what should a facilitator do if a member talks about self-harm?",
        "how do we write a group agreement?",
    ):
        assert search_text(question, assess(question)) == question


def test_close_to_a_crisis_message_but_about_someone_else_is_signposted():
    message = "how do we support a member in a dark place"
    assert assess(message, exemplar_similarity=0.3).resources == ()
    near = assess(message, exemplar_similarity=0.5)
    assert (near.crisis, near.message) == (False, SIGNPOST_MESSAGE)


def test_no_other_qa_question_is_named_a_risk_it_does_not_describe():
    for entry in QA:
        if entry["kind"] in ("answerable", "unanswerable"):
            topics = assess(entry["question"]).topics
            text = normalise(entry["question"])
            assert not topics or any(w in text for w in ("suicid", "self", "kill", "die")), entry


# Someone else in danger now: an emergency for the person writing, not a question for the toolkit.
SOMEONE_ELSE_NOW = [
    "my friend is going to kill himself tonight what do i do",
    "a member has just texted me saying goodbye and that she's taken all her pills",
    "member collapsed after taking pills, what now",
    "one of our members is unconscious in the toilets",
    "a member is threatening to end her life right now",
    "my friend is going to kill himself tonight, I don't know if I should call someone",
    "she says she'd be better off dead and she's going to do it tonight",
]
# ... and questions about such situations, or about what happened before: not emergencies.
NOT_NOW = [
    "what should we do if a member says they are going to kill themselves?",
    "a member keeps talking about ending it all, what now?",
    "a member just died by suicide, how do we tell the group?",
    "a group member disclosed they took an overdose last week",
    "how should our group mark suicide prevention week?",
    "what do we do if someone collapses in a session?",
]


@pytest.mark.parametrize("message", SOMEONE_ELSE_NOW)
def test_someone_else_in_danger_now_is_an_emergency_for_the_writer(message):
    result = assess(message)
    assert result.crisis, message
    assert result.message == SOMEONE_ELSE_MESSAGE and "999" in result.message
    assert result.resources == DEFAULT_RESOURCES


@pytest.mark.parametrize("message", NOT_NOW)
def test_questions_about_someone_elses_risk_are_not_emergencies(message):
    result = assess(message)
    assert not result.crisis, message
    assert result.message != SOMEONE_ELSE_MESSAGE


def test_the_writers_own_words_are_not_reported_speech():
    assert assess("I've said my goodbyes to everyone, they think I'm moving away").crisis
    assert assess("been self harming again every day and i havent told anyone").crisis
    assert not assess('a member said "I want to kill myself" after the session, what now?').crisis


def test_a_week_or_a_day_in_a_message_does_not_make_it_a_question_about_an_awareness_week():
    assert assess("been cutting every day this week", crisis_probability=0.9).crisis
    assert not assess(
        "how do we mark suicide prevention week with the group?", crisis_probability=0.9
    ).crisis
    assert not assess(
        "is it ok to ask someone directly if they are thinking about suicide?",
        exemplar_similarity=0.6,
    ).crisis
