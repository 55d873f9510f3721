"""Crisis rules written after the first measure of an eleventh held-out set (examiner-written;
figures in the README): a rope put up and a hose taped to a car's exhaust, self-harm as a
statistic, a hypothetical "if I ever did feel suicidal", safety said outright, risk words said
as a joke by someone else, supplies that "run out", hyperbole with a laugh, and a device that
"genuinely" wants the writer dead. Each test fails without its rule (patterns alone, or the
signals given explicitly)."""

from __future__ import annotations

import pytest

from service.safety import Clause, assess, clauses, without_idioms


@pytest.mark.parametrize(
    "message",
    [
        "that's it. rope's up in the garage. bye all",
        "noose is tied. sorry mum",
        "got the hosepipe and gaffer tape in the car, heading off somewhere nobody goes",
        "going to run a hose to the exhaust tonight",
    ],
)
def test_a_rope_put_up_or_a_hose_for_the_exhaust_is_a_crisis(message):
    assert assess(message).crisis


def test_a_hose_for_the_garden_is_not():
    assert not assess("need a longer hosepipe for the allotment, the tap is miles away").crisis


@pytest.mark.parametrize(
    "message",
    [
        "I read that self-harm rates in teenagers have doubled. Can I quote that in our bid?",
        "i keep seeing self harm statistics on the news, are they reliable?",
    ],
)
def test_self_harm_as_a_statistic_is_not_a_disclosure(message):
    assert not assess(message).crisis


def test_but_self_harm_of_ones_own_still_is():
    assert assess("i keep self harming and i can't stop tonight").crisis


def test_if_i_ever_did_feel_suicidal_is_a_hypothetical():
    message = "Just planning ahead: if I ever did feel suicidal again, who could I call?"
    assert not assess(message).crisis
    assert assess("I feel suicidal again and I don't know who to call").crisis


def test_safety_said_outright_is_an_ordinary_reason():
    message = (
        "Rubbish day, nothing serious, I'm safe and seeing friends later. Who can chair Monday?"
    )
    parts = tuple(Clause(t, 0.35, 0.98 if "safe" in t else 0.3) for t in clauses(message))
    result = assess(message, 0.35, crisis_probability=0.95, probability_threshold=0.65, parts=parts)
    assert not result.crisis, result.reasons


@pytest.mark.parametrize(
    "message",
    [
        "I'm safe for now but I don't know about tonight",
        "I'm safe, I've just got the pills lined up in case",
    ],
)
def test_but_not_safe_for_now_or_with_the_means_named(message):
    result = assess(message, 0.35, crisis_probability=0.95, probability_threshold=0.65)
    assert result.crisis


def test_risk_words_said_as_a_joke_by_someone_else_are_not_an_emergency():
    message = "one of the lads is always joking he wants to die right now when it rains"
    result = assess(message)
    assert not result.crisis and result.resources  # signposted as a topic, not an emergency


def test_but_a_joke_and_then_they_cannot_be_reached_is():
    message = "he was joking about 'unaliving' himself earlier and now his phone is off"
    assert assess(message).crisis


def test_supplies_that_run_out_are_not_someone_running_off():
    message = "my mate keeps saying he'll kill himself when the biscuits run out lol, is that ok?"
    result = assess(message)
    assert "someone else now" not in result.reasons


@pytest.mark.parametrize(
    ("message", "gone"),
    [
        (
            "if one more person asks me for the wifi password im going to throw myself out the "
            "window 😂",
            "throw myself",
        ),
        ("this photocopier genuinely wants me dead", "me dead"),
    ],
)
def test_hyperbole_with_a_laugh_and_devices_are_idioms(message, gone):
    assert gone not in without_idioms(message)


def test_the_same_threat_without_a_laugh_is_read_as_written():
    message = "if one more thing goes wrong I'm going to throw myself out the window"
    assert "throw myself" in without_idioms(message)
