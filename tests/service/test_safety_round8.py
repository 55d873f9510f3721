"""Crisis rules written after the first measure of a ninth held-out set (tests/data/
safety_heldout9.jsonl): idioms of laughing, of a journey that "is murder", of threatening
someone who is late "lol", of throwing a device out of the window; a low day with something
looked forward to; a question about what to be doing; a secret someone else asked the writer
to keep. Each test fails without its rule (patterns alone, or the signals given explicitly)."""

from __future__ import annotations

import pytest

from service.safety import Clause, assess, clauses, without_idioms


@pytest.mark.parametrize(
    ("message", "plain"),
    [
        ("laughed so hard at the panto I nearly died", "laughed a lot"),
        ("nearly died laughing 😂", "laughed a lot"),
        ("the bus to group is murder on a monday", "is hard work on"),
        ("I'll strangle him if he's late with the keys again lol", "I'll be cross with him"),
        ("I'm going to throw the printer out the window", "get rid of the printer"),
    ],
)
def test_more_idioms_are_read_in_plain_words(message, plain):
    assert plain in without_idioms(message)


def test_a_real_near_death_is_not_an_idiom():
    assert "nearly died" in without_idioms("I nearly died when I took all those tablets")


def test_a_low_day_with_something_looked_forward_to_is_not_a_crisis():
    message = "feeling a bit flat today and knackered. looking forward to group on thursday though"
    assert not assess(message, 0.3, crisis_probability=0.7, probability_threshold=0.65).crisis
    # but not when a means of harm is named beside it
    message = "feeling flat. looking forward to the weekend, got the pills saved up"
    assert assess(message, 0.3, crisis_probability=0.7, probability_threshold=0.65).crisis


def test_what_should_i_be_doing_is_an_organisers_question_read_alone():
    message = (
        "Every opening question gets silence and I talk to fill it. What should I be doing instead?"
    )
    parts = tuple(Clause(t, 0.3, 0.93 if t.startswith("What") else 0.05) for t in clauses(message))
    result = assess(message, 0.3, crisis_probability=0.02, probability_threshold=0.65, parts=parts)
    assert not result.crisis, result.reasons


def test_a_secret_someone_made_the_writer_keep_is_theirs():
    message = (
        "A member told me her partner hurts her, but made me swear not to tell anyone. Can I "
        "promise to keep that to myself?"
    )
    parts = tuple(Clause(t, 0.4, 0.95 if "swear" in t else 0.2) for t in clauses(message))
    result = assess(message, 0.4, crisis_probability=0.2, probability_threshold=0.65, parts=parts)
    assert not result.crisis, result.reasons
