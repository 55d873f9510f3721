"""Crisis rules written after the first measure of a fifteenth held-out set (examiner-written;
figures in the README): a milestone free from self-harm, "end it with my boyfriend", "just one
of those days", a safety plan that worked, a favour asked of the group, and someone else who
has taken all her tablets and is slurring; asking someone "whether they're suicidal" (a QA
question read as a crisis); and two patterns the guards showed missing ("end it
with pills", "i cut again"). Each test fails without its rule (patterns alone, or the signals
given explicitly)."""

from __future__ import annotations

import pytest

from service.safety import Clause, assess, clauses, without_idioms
from tests.service.safety_signals import with_signals


def test_a_milestone_free_from_self_harm_is_a_past_come_through():
    message = "500 days free from self-harm today!! Never thought I'd get here."
    assert not with_signals(message, 0.9, 0.95).crisis
    assert assess("3 days free from self harm and i cut again tonight").crisis


def test_ending_it_with_a_partner_is_a_break_up():
    message = "I'm going to end it with my boyfriend tonight. Wish me luck lol"
    assert "break up with my boyfriend" in without_idioms(message)
    assert not with_signals(message, 0.9, 0.95).crisis
    assert "end it" in without_idioms("going to end it with pills tonight")
    assert assess("going to end it with pills tonight").crisis


def test_just_one_of_those_days_is_a_bad_day_vented():
    message = "Feeling a bit flat today and I'm knackered. Nothing serious, just one of those days."
    assert not with_signals(message, 0.9, 0.95).crisis
    assert with_signals(
        "Nothing serious, just one of those days. got the pills lined up", 0.9, 0.95
    ).crisis


def test_a_safety_plan_that_worked_is_coping_in_hand():
    message = (
        "My safety plan says ring my sister and go for a walk when things get bad. "
        "Used it last week and it worked. Just wanted to share a win."
    )
    assert not with_signals(message, 0.9, 0.95).crisis


@pytest.mark.parametrize(
    "message",
    ["can anyone swap Thursday with me?", "could someone cover my shift at the drop-in please"],
)
def test_a_favour_asked_of_the_group_is_not_a_plea(message):
    assert not with_signals(message, 0.9, 0.95).crisis


def test_someone_who_has_taken_all_her_tablets_and_is_slurring_is_an_emergency():
    message = (
        "Partner has taken all her antidepressants with half a bottle of wine, she's slurring "
        "and won't let me call anyone. Please help"
    )
    result = assess(message)
    assert result.crisis and result.someone_else


def test_how_to_ask_someone_whether_they_are_suicidal_is_a_question_about_the_topic():
    message = (
        "I'm scared that if I ask someone straight out whether they're suicidal I'll make it "
        "worse or give them ideas. Is that a real risk?"
    )
    parts = tuple(Clause(t, 0.6, 0.1) for t in clauses(message))  # each clause near an exemplar
    result = assess(message, 0.52, crisis_probability=0.02, probability_threshold=0.65, parts=parts)
    assert not result.crisis
    assert assess("im suicidal tonight, should i ask someone if they can help", 0.6).crisis
