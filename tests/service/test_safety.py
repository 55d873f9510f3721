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
    content_words,
    normalise,
    search_text,
    without_idioms,
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


# Greetings, thanks, punctuation and invisible characters: too little in them for an embedding
# to mean anything, so not even a confident learned signal or a close exemplar flags them.
NEAR_EMPTY = [
    "hi",
    "hello there",
    "thanks!",
    "ok",
    "Good morning :)",
    "thank you so much",
    "bye!",
    "x",
    "?",
    "!!!",
    "...",
    "👍",
    "🙂",
    "\u200b",
    " \u200b\u200d ",
    "\ufeff",
    "hello?",
    "test",
]


@pytest.mark.parametrize("message", NEAR_EMPTY)
def test_greetings_and_empty_looking_input_are_never_crises(message):
    result = assess(message, exemplar_similarity=0.9, crisis_probability=0.99)
    assert not result.crisis and result.message is None


def test_invisible_and_styled_characters_are_normalised_away():
    assert normalise("ki\u200bll my\u200dself") == "kill myself"
    assert normalise("ｓｕｉｃｉｄａｌ") == "suicidal"  # full-width letters (NFKC)
    assert normalise("su1c1dal") == "suicidal"
    assert normalise("s u i c i d a l tonight") == "suicidal tonight"
    assert normalise("call 999 or 116 123") == "call 999 or 116 123"  # numbers stay numbers
    assert assess("I want to ki\u200bll my\u200bself").crisis
    assert content_words(normalise("hi there, thanks!")) == 0
    assert content_words(normalise("hi, can't cope")) == 2


# Misspelt practical questions: no pattern fires, and they have enough words for the learned
# signal to judge them (its figures on such questions are in tests/integration and the README).
TYPOS = [
    "wat time shoud we start the meetng",
    "how do i boook a rom for the grup",
    "can u tell me how to get fundng for our grup",
    "hw do we handel someone who talks to much",
]


@pytest.mark.parametrize("message", TYPOS)
def test_misspelt_practical_questions_are_not_crises_by_pattern(message):
    assert not assess(message).crisis
    assert content_words(normalise(message)) >= 2


# Experience the writer has come through, and quotes of what someone said before.
PAST = [
    "I was suicidal years ago, am I ready to facilitate?",
    "I self-harmed as a teenager, can I still run a group?",
    "I attempted suicide in 2015 and have been well since, would my story help the group?",
    "back when I was in hospital I wanted to die every day, now I'm well and want to give back",
    "the last time I felt suicidal was 2016, I'm stable now. What training should I do?",
]
QUOTES = [
    '"I felt like ending it all before I found this group": can I quote that in our funding bid?',
    "for our annual report can I include a member's words: i wanted to die before i came here",
    "quote from our feedback box: 'I'd have killed myself by now if it wasn't for you lot'",
]


@pytest.mark.parametrize("message", PAST + QUOTES)
def test_past_experience_and_quotes_are_signposted_not_crises(message):
    result = assess(message, exemplar_similarity=0.6, crisis_probability=0.9)
    assert not result.crisis, result.reasons
    assert result.message == SIGNPOST_MESSAGE  # the topic still gets the resources


ONGOING = [
    "I took pills last night and feel weird",
    "I was suicidal years ago and now it's back again, I want to die",
    "I self harmed as a teenager and I've started cutting myself again this week",
    "cut really deep last night and it won't stop bleeding, I can't stop cutting myself",
]


@pytest.mark.parametrize("message", ONGOING)
def test_a_risk_still_going_on_is_a_crisis_even_in_the_past_tense(message):
    result = assess(message)
    assert result.crisis and result.message == CRISIS_MESSAGE, result.reasons


IDIOMS = [
    "I could have died of embarrassment when only two people came",
    "this turnout is killing me",
    "my feet are killing me after setting up all those chairs",
    "my phone's about to die, quick question: what time do we open?",
    "I'd kill for a proper kettle at the venue lol",
    "dying to know if the grant came through",
    "ugh kill me, forty emails about the rota this morning",
    # laughter or a lol says what "killed me" / "going to kill me" means
    "that quiz absolutely killed me, we were crying laughing",
    "the manager's going to kill me if the hall isn't tidy lol, who has the key?",
]


@pytest.mark.parametrize("message", IDIOMS)
def test_idioms_of_death_and_killing_are_not_crises(message):
    assert not assess(message).crisis
    plain = without_idioms(message)
    assert plain != message
    assert not any(w in plain.lower() for w in ("died", "killing", "kill ", "die,", "dying"))


def test_without_idioms_says_them_in_plain_words_and_leaves_the_rest():
    assert without_idioms("this turnout is killing me") == "this turnout is frustrating"
    assert without_idioms("I could have died of embarrassment") == "I was so embarrassed"
    for literal in ("I want to die", "this is killing me inside and I can't go on", "kill me"):
        assert without_idioms(literal) == literal


CODED = [
    "kms",
    "i want to kms",
    "thinking about unaliving myself tonight",
    "i want to unalive",
    "sewerslide is all i think about",
    "planning to ctb this weekend",
    "feeling s u i c i d a l again",
]


@pytest.mark.parametrize("message", CODED)
def test_coded_words_for_suicide_are_crises(message):
    result = assess(message)
    assert result.crisis and result.message == CRISIS_MESSAGE, message


@pytest.mark.parametrize(
    "message",
    [
        "what does kms mean? a young member keeps writing it in the chat as a joke",
        "a member keeps saying 'unalive' instead of suicide, should we gently correct her?",
        "my cousin unalived himself last year, how do we support his mum in group?",
    ],
)
def test_coded_words_in_a_question_or_of_someone_else_in_the_past_are_not_crises(message):
    result = assess(message)
    assert not result.crisis and result.topics == ("suicide",)


INDIRECT = [
    # a date chosen around a family occasion
    "I've picked the date, it'll be after my daughter's birthday so I don't ruin it for her",
    "i've worked out when. after my son's graduation so he has that at least",
    # a last message, an apology to someone by name
    "Sorry Sarah, this is my last message. I love you",
    "tell mum im sorry and that i love her",
    "this is the last thing i'll write. sorry priya, you deserved better",
    "I just wanted to say thank you to everyone at the group before I go. Sorry Liz.",
    # giving things away, arrangements for when I'm gone
    "sold my car and gave the money to my brother, i wont need it where im going",
    "I've written down the passwords and the insurance details for my wife for when I'm gone",
    "after I'm gone I want the kids to have the house sorted",
    "I won't be at group next week. Or ever.",
    # plans and means
    "ive worked out how and when, im just waiting for the house to be empty",
    "bought enough pills this time to make sure it works",
    "i have the tablets lined up in front of me",
    "drank half a bottle of vodka and took my nans tablets, feeling sleepy, sorry",
]


@pytest.mark.parametrize("message", INDIRECT)
def test_indirect_wording_of_plans_dates_farewells_and_arrangements_is_a_crisis(message):
    result = assess(message)
    assert result.crisis and result.message == CRISIS_MESSAGE, message


@pytest.mark.parametrize(
    "message",
    [
        "we've picked the date for the summer picnic - after Eid so more people can come",
        "what happens to the group's money when I'm gone? I'm moving to Spain in June",
        "when I'm gone on maternity leave who should run the group?",
        "this is my last message on the rota thread, promise!",
        "I've written a goodbye card for our founder who's retiring, what should we give her?",
        "sorry for the long message everyone, thank you for all the help",
        "before I go on holiday, sorry for the late notice: the hall is booked till September",
    ],
)
def test_the_same_words_in_ordinary_arrangements_are_not_crises(message):
    assert not assess(message).crisis


@pytest.mark.parametrize(
    "message",
    [
        "a woman at our session today said she's chosen the day and it's this weekend",
        "my daughter told me she's picked a date, after her brother's birthday, to kill herself",
        "a member in our group chat just wrote kms tonight and now she's offline",
        "there's a lad outside the hall, he's cutting his arms and there's a lot of blood",
        "her ex is outside the venue right now saying he'll kill her",
        "my dad used to come to your group, he's on the roof now saying he'll jump",
    ],
)
def test_someone_else_in_danger_now_in_indirect_words_is_an_emergency(message):
    result = assess(message)
    assert result.crisis and result.message == SOMEONE_ELSE_MESSAGE, result.reasons


def test_threats_to_the_writer_in_everyday_words_are_crises():
    for message in (
        "he said if I tell anyone he'll kill me",
        "my husband says next time i'm dead. i'm hiding at my sister's",
    ):
        result = assess(message)
        assert result.crisis and "danger" in result.reasons, message


def test_a_question_about_what_to_do_if_someone_else_does_something_is_not_the_writers_crisis():
    # a misspelt question about the group is still one ("membr" reads as "member")
    assert normalise("wat do i do if a membr dosnt come to the grup") == (
        "what do i do if a member dosnt come to the group"
    )
    question = "wat do i do if a membr dosnt turn up for weeks"
    assert not assess(question, crisis_probability=0.99).crisis
    # ... but "if" is not a question in a farewell
    assert assess("if anyone reads this, tell my mum I love her", crisis_probability=0.99).crisis


# Written for these tests (other wordings of the kinds this round's development data showed):
# affairs in order against a date, leaving "for good" with the means, a car running in a
# garage, passwords left with an apology for everything, an exit planned, life wound up.
EMBEDDED_AND_INDIRECT = [
    "Can the float go to Maria? I'm putting all my affairs in order before Friday.",
    "Quick one about the rota. I'm going for good tonight, the pills are on the table.",
    "the tablets are next to me, how do I hand the group over to Dev",
    "last night I sat in my car in the garage with the engine running for an hour",
    "He's in his van with a hose from the exhaust and won't tell me where",
    "The logins are in the tin on the shelf. Sorry for everything, look after the group.",
    "I'm planning my exit, so can you tell me who signs the cheques after me?",
    "I rehomed my rabbits and cancelled my gym, so that's everything tied up",
    "this is my final week on earth so I want the handover notes finished",
    "after Friday I won't be around to open the hall, can someone else do it",
    "got my dad's shotgun out tonight. also what's the deadline for the grant?",
    "if anybody finds this please tell my sister I love her",
    "shd again tonight and it won't stop bleeding",
    "i need to see my nan one last time before i go through with it",
    "I've left a note for my wife in the drawer saying sorry. Who has the hall keys?",
    "Can we have a raffle at the AGM? Not that I'll be around to see it.",
    "how much codeine would it take",
]
TRAPS = [
    "Is it true that talking about suicide with a member makes them more likely to do it?",
    "Does asking someone directly about self-harm put the idea in their head?",
    "myths and facts about suicide for our volunteer training evening",
    "Getting everything in order before the AGM on Sunday, what goes in the treasurer's report?",
    "I'm planning my exit from the committee in March, how do we elect a new chair?",
    "I'll be sat in the car park from six to let people in, is that ok?",
    "Where should we keep the group's passwords if I'm off sick?",
    "this funding form makes me want to jump off a bridge, can you help with section 3?",
    "we said goodbye to a lovely volunteer tonight, any ideas for a card?",
    "I won't be around after Friday, I'm on holiday for two weeks, who can open up?",
    "I'm stepping down as chair. I've written a goodbye letter to the members, is it too long?",
    "I self-harmed when I was fifteen. Could I co-facilitate the young people's group?",
    "I'm getting my affairs in order for the charity's audit by Friday, what records do we keep?",
    "I can't go on like this with no volunteers, how do I recruit?",
]


def test_a_note_left_by_someone_who_cannot_be_reached_is_an_emergency():
    result = assess("my friend's husband left a note and drove off, his phone is off")
    assert result.crisis and result.message == SOMEONE_ELSE_MESSAGE
    assert not assess("the caretaker left a note on the hall door and his phone is off").crisis


@pytest.mark.parametrize("message", EMBEDDED_AND_INDIRECT)
def test_indirect_disclosures_are_crises_by_pattern_alone(message):
    assert assess(message).crisis, message


@pytest.mark.parametrize("message", TRAPS)
def test_questions_of_fact_and_ordinary_arrangements_are_not_crises(message):
    # even with the embedding signals high: they are questions or ordinary arrangements
    similar = 0.9 if "suicide" in message or "self-harm" in message else None
    assert not assess(message, similar).crisis, message


def test_a_question_of_fact_about_suicide_still_gets_the_signposting():
    result = assess(
        "Is it true that asking someone about suicide puts the idea in their head?", 0.9
    )
    assert not result.crisis and result.message == SIGNPOST_MESSAGE and "suicide" in result.topics


@pytest.mark.parametrize(
    "message",
    [
        "Morning! Quick test, is this thing on?",  # test words only: the embedding means nothing
        "What are the warning signs that someone might be planning to end their life?",
        "how would I know if a member was thinking about suicide?",
    ],
)
def test_test_messages_and_questions_about_signs_are_not_crises_even_if_the_model_says_so(message):
    assert not assess(message, 0.9, crisis_probability=0.99).crisis


def test_a_threat_to_the_writer_is_still_danger_without_laughter():
    # the idiom needs its laughter: the words alone may be a real threat
    threat = "he's going to kill me if I leave him"
    assert without_idioms(threat) == threat
    assert assess("he is going to kill me, I am scared").crisis


@pytest.mark.parametrize(
    "message",
    [
        "which helpline numbers should we put on posters for people feeling suicidal?",
        "how do we support members who feel suicidal between sessions?",
        "what should we say to someone feeling suicidal at the end of a session?",
    ],
)
def test_feeling_suicidal_said_of_other_people_is_a_question(message):
    result = assess(message)
    assert not result.crisis, result.reasons
    assert result.resources  # still signposted


@pytest.mark.parametrize("message", ["I'm feeling suicidal", "feeling suicidal again tonight"])
def test_feeling_suicidal_said_of_oneself_is_a_crisis(message):
    assert assess(message).crisis


def test_keep_means_still_going_on_only_before_what_is_kept_doing():
    past = "Years ago I used to self harm, now I run a group. Should I tell them or keep it quiet?"
    assert not assess(past).crisis
    assert assess("years ago I started to self harm and I keep cutting myself").crisis


def test_running_late_is_an_ordinary_reason_for_the_embedding_signals():
    late = "battery's flat so I'll be a bit late, start without me"
    assert not assess(late, exemplar_similarity=0.9, crisis_probability=0.99).crisis
    assert assess("I won't be here much longer, start without me", crisis_probability=0.99).crisis


@pytest.mark.parametrize(
    "message",
    [
        "ending it",
        "im ending it.",
        "whats the quickest way to end it",
        "is there a painless way to go, asking for myself",
        "no point any more. goodbye all",
    ],
)
def test_short_and_method_seeking_messages_are_crises(message):
    assert assess(message).crisis


@pytest.mark.parametrize(
    "message",
    [
        "ending it early tonight, the hall closes at 9",
        "is there any point any more in printing leaflets?",
        "I attempted suicide in 2012 and now I volunteer as a facilitator, should I tell my group?",
        "we're saying goodbye to our old church hall next week, how do we tell members?",
        "a quote for our report from people who'd felt suicidal and found the group helped?",
    ],
)
def test_ordinary_endings_roles_taken_on_and_quotes_are_not_crises(message):
    assert not assess(message).crisis, assess(message).reasons


@pytest.mark.parametrize(
    "message",
    [
        "had flu so I missed last week. bye for now, see you Thursday",
        "my gran died so I'll miss the next two sessions, can someone cover for me?",
    ],
)
def test_absences_with_an_ordinary_reason_silence_the_embedding_signals(message):
    assert not assess(message, exemplar_similarity=0.9, crisis_probability=0.99).crisis


@pytest.mark.parametrize(
    "message",
    [
        "my son has cut his wrists and it won't stop bleeding",
        "she's slit her wrists, what do I do",
    ],
)
def test_an_injury_happening_to_someone_else_now_is_an_emergency(message):
    result = assess(message)
    assert result.crisis and result.someone_else, result.reasons


@pytest.mark.parametrize("message", ["no point anymore", "I'm done. Goodbye everyone"])
def test_a_short_last_word_is_a_crisis_though_its_words_are_few(message):
    assert assess(message).crisis


@pytest.mark.parametrize(
    "message",
    [
        "I'm done for today, bye!",
        "my phone's about to die, will finish this question later",
        "last week volunteering, I got a full time job!! going to miss you all",
    ],
)
def test_ordinary_endings_with_a_reason_are_not_crises(message):
    assert not assess(message, exemplar_similarity=0.9, crisis_probability=0.99).crisis


def test_wont_see_you_is_not_an_ordinary_goodbye():
    assert not assess("see you next week!", crisis_probability=0.99).crisis
    assert assess(
        "you won't see me. I won't see you next week or ever", crisis_probability=0.99
    ).crisis
