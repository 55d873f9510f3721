"""Crisis rules written after the first measure of a sixth held-out set (tests/data/
safety_heldout6.jsonl): a plan not to be alive by a date, what is happening now (sat with the
means, someone about to jump at a station), a past come through told either way round ("these
days I'm stable", "last year ... doing well now", someone else's "used to ... now 3 years
free"), a question put to the writer and answered no, a scene of a story, and a device "about to
die". Each test fails without its rule (patterns alone unless a signal is given)."""

from __future__ import annotations

import pytest

from service.safety import _happening_now, _in_the_past, assess, normalise, without_idioms


def test_a_plan_not_to_be_alive_by_a_date_is_a_crisis_even_beside_a_question_about_the_group():
    message = (
        "need to know if the Coventry group can keep going without me, as I'm planning on not "
        "being alive by Christmas"
    )
    assert assess(message).crisis
    assert not assess("we're planning on not being here for the Christmas week, any tips?").crisis


@pytest.mark.parametrize(
    "message",
    [
        "as a facilitator I'm meant to hold it together but I'm sat here with a blade",
        "i cant stop thinking about using it",
        "she's going to jump, she said so",
    ],
)
def test_what_is_happening_now(message):
    assert _happening_now(normalise(message))


def test_someone_at_a_station_about_to_jump_is_an_emergency():
    message = (
        "Friend from the Teesside group rang me drunk saying she's at the station waiting for "
        "the fast train and she's going to jump. Line went dead."
    )
    result = assess(message)
    assert result.crisis and result.someone_else
    assert not assess("my friend is at the station waiting for the train, she'll be late").crisis


@pytest.mark.parametrize(
    "message",
    [
        "I used to think about ending my life all the time when I was first diagnosed. These days "
        "I'm stable on meds and I'd like to mentor newly diagnosed people. How do I apply?",
        "Someone in our group used to self-harm and is now 3 years free. She wants to run a "
        "session on recovery. Any guidance on safe messaging?",
    ],
)
def test_a_past_come_through_is_not_a_crisis(message):
    assert not assess(message).crisis, assess(message).reasons


def test_last_year_is_the_past_unless_it_is_still_going_on():
    assert _in_the_past(normalise("Last year I was in a dark place, I'm doing well now"))
    assert not _in_the_past(normalise("I tried last year and this year I will do it properly"))


def test_a_question_put_to_the_writer_and_answered_no_is_not_a_disclosure():
    message = "My GP asked if I had any thoughts of harming myself and I said no, which was true."
    assert not assess(message).crisis, assess(message).reasons
    assert assess("My GP asked and I said I have thoughts of harming myself every day").crisis


def test_a_scene_of_a_film_is_not_the_writers_own():
    message = (
        "We're watching It's a Wonderful Life at our Christmas social - is the bit where George "
        "wants to jump off the bridge too much for a mental health group?"
    )
    assert not assess(message).crisis, assess(message).reasons


def test_a_phone_about_to_die_is_an_idiom():
    message = "my phone's on 2% and about to die, quick: what time does the Leeds venue close?"
    assert "die" not in without_idioms(message)
    assert not assess(message).crisis


def test_someone_whose_risk_is_past_but_who_is_at_a_dangerous_place_now_is_an_emergency():
    message = "my friend who used to self-harm is on the roof now saying she'll jump"
    assert assess(message).someone_else
