"""Crisis detection and signposting (pure: no Flask, no model).

Someone who may be at risk now must get UK crisis signposting first, whatever they typed:
direct or indirect wording, typos, no punctuation. Three signals are combined:

- patterns for first-person risk (suicidal thoughts, self-harm, an overdose, being in danger,
  danger to someone else), written over a normalised text that tolerates common typos;
- the similarity of the message to exemplar crisis messages (`EXEMPLARS`), computed by the
  caller with the same embedder as retrieval, which catches wording no pattern foresaw;
- a learned crisis probability (service/crisis_model.py), also computed by the caller, which
  generalises furthest: on messages written apart from all of this, patterns and exemplars
  alone found 21 of 55 crises, all three 52.

Questions *about* these topics ("how should our group mark suicide prevention week?", "what do
we do if a member talks about self-harm?") are not crises: they get an answer from the documents,
plus the signposting resources and a short note, because the topic is a risk topic. So do
messages close to a crisis exemplar (80% of the crisis threshold) that are plainly about someone
else. A risk described in everyday words ("she wants to end her life") is named (`topics`) so
that retrieval can add the documents' words for it (`search_text`). But someone else in danger
*now* ("my friend is going to kill himself tonight", "a member collapsed after taking pills") is
an emergency, not a question: `crisis` is true, with a message for the person writing (call 999
for them) instead of the one for someone at risk themselves.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

CRISIS_MESSAGE = (
    "It sounds like you may be going through something really difficult right now, and you "
    "deserve support straight away. This service only answers questions about running peer "
    "support groups: it is not a crisis service and cannot help in an emergency. If your life "
    "or someone else's is at risk now, call 999 or go to A&E. You can talk to Samaritans at any "
    "time on 116 123 (free), text SHOUT to 85258, or call NHS 111 and choose option 2 for "
    "mental health."
)
SOMEONE_ELSE_MESSAGE = (
    "If someone's life is in danger right now, call 999 or take them to A&E; if they have "
    "taken an overdose, call 999 even if they seem well. This service only answers questions "
    "about running peer support groups: it is not a crisis service and cannot help in an "
    "emergency. Samaritans (116 123, free, any time) and NHS 111 option 2 can also advise you, "
    "and are there for you afterwards."
)
SIGNPOST_MESSAGE = (
    "If anyone is at risk right now, this service is not a crisis service: call 999 or go to "
    "A&E in an emergency; Samaritans (116 123), Shout (text 85258) and NHS 111 option 2 are "
    "there at any time."
)


REVIEW_INTERVAL_DAYS = 183  # Samaritans: check the numbers and hours you signpost regularly


@dataclass(frozen=True)
class Resource:
    name: str
    contact: str
    url: str
    reviewed: date | None = None  # when someone last checked the contact against the service

    def to_dict(self) -> dict:
        out = {"name": self.name, "contact": self.contact, "url": self.url}
        if self.reviewed is not None:
            out["reviewed"] = self.reviewed.isoformat()
        return out

    def overdue(self, today: date, days: int = REVIEW_INTERVAL_DAYS) -> bool:
        """Never reviewed, or last reviewed more than `days` ago."""
        return self.reviewed is None or (today - self.reviewed).days > days


# Checked on 2026-12-01 against the toolkit's own table ("Crisis numbers to keep to hand") and
# the numbers the charity gave; a short list, as the Samaritans' guidance for online services
# asks: a few signposts that are open at any time, not a wall of them.
_CHECKED = date(2026, 12, 1)
DEFAULT_RESOURCES: tuple[Resource, ...] = (
    Resource(
        "Samaritans", "Call 116 123 (free, any time)", "https://www.samaritans.org/", _CHECKED
    ),
    Resource("Shout", "Text SHOUT to 85258", "https://giveusashout.org/", _CHECKED),
    Resource(
        "NHS 111 (mental health option)",
        "Call 111 and choose option 2",
        "https://111.nhs.uk/",
        _CHECKED,
    ),
    Resource(
        "Emergency services",
        "Call 999 or go to A&E if a life is at risk now",
        "https://www.nhs.uk/nhs-services/urgent-and-emergency-care-services/when-to-go-to-ae/",
        _CHECKED,
    ),
)
_RESOURCE_FIELDS = ("name", "contact", "url")


def parse_resources(value: object) -> tuple[Resource, ...]:
    """The CRISIS_RESOURCES setting: empty for the defaults, Resource objects, or a JSON list
    (or its text) of {"name", "contact", "url", "reviewed"?: "YYYY-MM-DD"}.

    `reviewed` is optional so that older configurations keep working, but `flask resources
    check` reports a resource without it as never reviewed. Raises ValueError saying what is
    wrong and where."""
    if value is None or value == "" or value == [] or value == ():
        return DEFAULT_RESOURCES
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"CRISIS_RESOURCES is not valid JSON: {exc}") from exc
        if value == []:
            return DEFAULT_RESOURCES
    if not isinstance(value, list | tuple):
        raise ValueError(
            'CRISIS_RESOURCES must be a JSON list of {"name", "contact", "url", "reviewed"}'
        )
    return tuple(_resource(item, i) for i, item in enumerate(value))


def _resource(item: object, i: int) -> Resource:
    if isinstance(item, Resource):
        return item
    where = f"CRISIS_RESOURCES[{i}]"
    if not isinstance(item, dict):
        raise ValueError(f'{where} must be an object with "name", "contact" and "url"')
    missing = [
        k for k in _RESOURCE_FIELDS if not isinstance(item.get(k), str) or not item[k].strip()
    ]
    if missing:
        raise ValueError(f"{where} needs a non-empty text {', '.join(map(repr, missing))}")
    unknown = sorted(set(item) - {*_RESOURCE_FIELDS, "reviewed"})
    if unknown:
        raise ValueError(f"{where} has unknown field(s) {', '.join(map(repr, unknown))}")
    reviewed = item.get("reviewed")
    if reviewed is not None:
        try:
            reviewed = date.fromisoformat(str(reviewed))
        except ValueError as exc:
            raise ValueError(
                f"{where}.reviewed must be a date like 2026-12-01: {reviewed!r}"
            ) from exc
    return Resource(item["name"].strip(), item["contact"].strip(), item["url"].strip(), reviewed)


# Exemplars of messages from someone at risk now, for the similarity signal.
EXEMPLARS: tuple[str, ...] = (
    "I want to kill myself",
    "I am going to end my life tonight",
    "I don't want to be alive any more",
    "I can't go on living like this",
    "there is no point in living",
    "I wish I was dead",
    "I want to die",
    "everyone would be better off if I was gone",
    "I have taken an overdose",
    "I swallowed all my tablets",
    "I have been cutting myself and I can't stop",
    "I am going to hurt myself",
    "I have a plan to take my own life",
    "I have said goodbye to everyone",
    "I am standing at the edge and I am going to jump",
    "I can't keep myself safe tonight",
    "nobody would miss me if I was gone",
    "I am thinking about suicide",
    "I feel suicidal",
    "I am scared I will do something stupid to myself tonight",
    "my partner says he is going to kill me",
    "I am in danger right now",
    "I am going to hurt someone",
    "I have written a note for my family because I won't be here",
    "I just want it all to stop forever",
    "goodbye everyone, thank you for everything",
    "I want everything to stop for good",
    "I keep thinking about jumping off a bridge",
    "I just want to go to sleep and never wake up",
    "what's the point of anything any more",
    "I have been saving up my tablets",
    "I keep looking up ways to do it",
    "I can't do this any more, I'm done",
    "I have been burning myself most nights",
    "I keep getting urges to hurt someone and I'm scared I'll do it",
    "I'm sat on the roof and I don't know why I'm here",
    "everyone thinks I'm fine but I'm falling apart and I want it to end",
    "I won't be here much longer",
)

# Words for suicide that dodge moderation online; "unalive" also of someone else ("unalived
# himself"), so the pattern needs first person or nothing else around it (see `assess`).
CODED = r"kms|ctb|sewer\s*slid\w*|unaliv\w*|self[\s-]?delet\w*"
# Arrangements for "after I'm gone", "I won't be coming back": unless the message says why in
# ordinary words (a move, a holiday, stepping down), see _ORDINARY_ABSENCE.
_GONE = (
    r"\b(after|when|once|for\s+when|in\s+case)\s+(im|i\s+am)\s+(gone|dead|not\s+(here|around)|no\s+longer"
    r"\s+(here|around))\b(?!\s+(on|to|from|away|abroad|travelling|next|for\s+(a|an|the|two|three|\d+)\b))"
    r"|\b(wont|will\s+not|never)\s+be\s+coming\s+back\b"
    # "I won't be at the next session, or any after it"
    r"|\b(wont|will\s+not)\s+be\s+(at|coming\s+to|in|here\s+for|running|leading|doing|facilitating|chairing|hosting)\s+"
    r"[^.?!]{0,30}\b(or\s+any\s+(after|since|other|more|week|session|meeting|time)|ever\s+again)\b"
)
# "after this week I won't be around": unless an ordinary reason is given (as for _GONE)
_AFTER_A_DATE = (
    r"\bafter\s+(this\s+(week|weekend|month)|tonight|tomorrow|next\s+week|(mon|tues|wednes|thurs|fri|satur|sun)day)\b"
    r"[^.?!]{0,15}\bi\s+(wont|will\s+not)\s+be\s+(around|here|alive)\b"
)
# "I'll be gone before the next session comes round": unless why is said
_GONE_BEFORE = (
    r"\b(ill|i\s+will|im\s+going\s+to|im\s+gonna)\s+(already\s+)?be\s+gone\s+(before|by)\s+(the\s+)?"
    r"(next|tomorrow|tonight|the\s+weekend|this\s+(week|weekend)|christmas|then|\w+day)\b"
)
# "it won't matter after tonight": unless why is said ("the deadline's passed")
_WONT_MATTER_AFTER = (
    r"\b((it|this|that|any\s+of\s+(it|this|that))\s+(wont|will\s+not|isnt\s+going\s+to|is\s+not\s+going\s+to)|"
    r"(none\s+of\s+(it|this|that)|nothing)\s+(will|is\s+going\s+to|is\s+gonna))\s+matter\s+(any\s*more\s+)?(after|past|beyond|by)\s+(tonight|tomorrow|today|this\s+(week|weekend)|the\s+weekend|\w+day)\b"
    r"(?![^.?!]{0,30}\b(because|cos|coz|since|deadline|closes|closing|expires|ends|finishes|over|cancelled)\b)"
)
_NOT_HERE_BY = r"\b(wont|will\s+not)\s+be\s+(here|around)\s+(much\s+longer|for\s+long|tomorrow|by|after|at\s+christmas)"
_PLANNED_GONE = (
    r"\b(planning|plan|intend\w*|expect\w*)\s+(on|to)\s+(be|being)\s+(gone|dead|not\s+(here|around))\s+(by|before|after)\b"
    r"|\b(dont|do\s+not)\s+(intend|plan|expect)\s+(on|to)\s+(still\s+)?(be|being)\s+(here|around)\s+(by|after|for|at|next)\b"
    # "planning on not being here at all soon"
    r"|\b(planning|plan|intend\w*|going)\s+(on|to)\s+not\s+(be|being)\s+(here|around|alive)\b"
    r"(?!\s+(for|in|on|during|over|next|this|that|until|till|from|between|at\s+(the|christmas|easter|half))\b)"
)
_MIND_MADE_UP = (
    r"\b(wont|will\s+not)\s+be\s+(here|around)\b[^?]{0,40}\b(made\s+(my|up\s+my)\s+mind(\s+up)?|decided)\b"
    r"|\b(made\s+(my|up\s+my)\s+mind(\s+up)?|decided)\b[^?]{0,40}\b(wont|will\s+not)\s+be\s+(here|around)\b"
)
# "it's my last night": unless a reason is given (a trip, a job)
_LAST_NIGHT = (
    r"\b(its|it\s+is|this\s+is|tonights)\s+my\s+(last|final)\s+(night|day|evening)\b"
    r"(?!\s+(shift|at|in|as|with|of|on|off|here\s+at|before|working|volunteering))"
)
# a formal last word: "nobody is to blame ... I am at peace with my decision"
_NOBODY_TO_BLAME = (
    r"\b(nobody|no\s*one|noone)\s+(is|was|will\s+be)\s+to\s+blame\b[^?]{0,120}\b(decision|at\s+peace|for\s+a\s+long\s+time)\b"
    r"|\b(decision|at\s+peace)\b[^?]{0,120}\b(nobody|no\s*one|noone)\s+(is|was|will\s+be)\s+to\s+blame\b"
)
# a last message: "tell the group I'm sorry and that none of it was their fault"
_SORRY_NOT_THEIR_FAULT = (
    r"\b(tell|let)\s+([\w-]+\s+){1,3}(know\s+)?(that\s+)?(im|i\s+am)\s+sorry\b[^?]{0,80}\b(none\s+of\s+(it|this)\s+(was|is)|"
    r"(it|this)\s+(wasnt|isnt|was\s+not|is\s+not))\s+(their|your|his|her|anyones|anyone's)\s+fault\b"
)
_ABSENCES = (
    _GONE,
    _AFTER_A_DATE,
    _WONT_MATTER_AFTER,
    _GONE_BEFORE,
    _NOT_HERE_BY,
    _PLANNED_GONE,
    _MIND_MADE_UP,
    _LAST_NIGHT,
    _NOBODY_TO_BLAME,
    _SORRY_NOT_THEIR_FAULT,
)
# Putting a life in order: two of these together ("rehomed the cat and cancelled my phone
# contract", "gave my bike away, everything's tidy"); one alone is everyday life.
_WINDING_UP_SIGNS = tuple(
    re.compile(p)
    for p in (
        r"\b(rehomed|re-homed|found\s+(a\s+)?(new\s+)?homes?\s+for|sorted\s+(new\s+)?homes?\s+for|(given|gave)\s+(away\s+)?)"
        r"\s*(my|the|both|all\s+my|our)?\s*(\w+\s+)?(cats?|dogs?|pets?|rabbits?|birds?|hamsters?)\b",
        r"\bcancel+ed\s+(my|the|all\s+my)\s+(phone|mobile|gym|contracts?|subscriptions?|direct\s+debits?|standing\s+orders?|"
        r"netflix|insurance|memberships?)\b",
        r"\b(everything|all|it\s+all)\s*(s|is|now|has\s+been)?\s+(tied\s+up|tidy|tidied|in\s+order|sorted\s+now)\b"
        r"|\bthats\s+everything\s+(tied\s+up|sorted|done)\b",
        r"\b(wont|will\s+not|dont)\s+need\s+(them|it|any\s+of\s+(it|them))\s+(after|past|any\s*more|where)\b",
        r"\bso\s+(nobody|no\s*one)\s+(has|have|is|will)\s+(to|left|have)\b",
        r"\b(weirdly|strangely|oddly|really)\s+calm\b",
        r"\b(given|gave|giving)\s+away\s+(my|all\s+my|most\s+of\s+my)\b|\bsold\s+my\s+(bike|car|guitar|things|stuff)\b"
        r"|\b(given|gave|giving|give)\s+(all\s+|most\s+)?(of\s+)?my\s+(\w+\s+){0,2}away\b",
        # the end the order is for: "before I end it", "if I die" (with another sign)
        r"\bbefore\s+i\s+(end\s+it|go|die|do\s+it)\b(?!\s+(on|to|for|with|home|away|out|back|in|into|off|up|down|"
        r"over|through|the|a|my|this|that|any|some|shopping|abroad))|\b(if|when|once)\s+i\s+(die|am\s+dead|pass\s+away)\b",
        r"\b(sorted|made|written|updated)\s+my\s+will\b",
        # "get it all sorted properly before I go. I don't want to leave them in a mess"
        # (not "everything in order": the sign above)
        r"\b(get|getting|got|have|having)\s+(it\s+all|things|my\s+affairs|my\s+things|my\s+stuff)\s+(all\s+)?sorted\b"
        r"|\b(get|getting|got)\s+(my\s+affairs|my\s+things|my\s+stuff)\s+in\s+order\b"
        r"|\b(dont|do\s+not)\s+want\s+to\s+leave\s+(them|her|him|you|everyone|anyone|my\s+\w+|the\s+\w+)\s+"
        r"(in\s+a\s+mess|with\s+(a\s+mess|debts?|nothing|the\s+mess|everything\s+to\s+sort))\b",
    )
)


def _winding_up(norm: str) -> bool:
    """Two signs of a life being put in order (see _WINDING_UP_SIGNS), in the first person."""
    signs = sum(bool(p.search(norm)) for p in _WINDING_UP_SIGNS)
    return signs >= 2 and bool(_OWN.search(norm) or not _THIRD_SUBJECT.search(norm))


_THIRD_SUBJECT = re.compile(r"\b(he|she|they|hes|shes|theyre|theyve|theyd|hed|shed)\b")

# a poison drunk or swallowed (the writer's own in _FIRST_PERSON_RISK, anyone's in _EMERGENCY)
_POISON_TAKEN = (
    r"(drunk|drank|swallowed|downed|necked|had|taken|took|ingested)\s+(some\s+|a\s+(bottle|cup|glass|mug|load)\s+of\s+)?"
    r"(antifreeze|bleach|weed\s*killer|rat\s+poison|poison|pesticide|paraquat|drain\s+cleaner|screen\s*wash|methanol)\b"
)
# "she'd be better off ... if i go", in either order (in _FIRST_PERSON_RISK)
_OTHERS_BETTER_OFF = (
    r"\b(shed|hed|theyd|she\s+would|he\s+would|they\s+would|everyone\s+would|(the|my)\s+\w+\s+would)\s+"
    r"(all\s+)?be\s+better\s+off\b"
)
_IF_I_GO = (
    r"\b(if|when|once)\s+i\s+(go|die|was\s+gone|wasnt\s+here|am\s+gone)\b"
    r"(?!\s+(to|on|for|out|in|into|back|home|away|abroad|with|and|there|ahead|over))"
)


_ORDINARY_ABSENCE = re.compile(
    r"\b(moving|move|moved|relocat\w*|emigrat\w*|retir\w*|holiday|maternity|paternity|sabbatical|"
    r"step(ping)?\s+down|leaving\s+(the|my|our)\s+(group|committee|charity|job|post|role|area)|"
    r"operation|surgery|hospital\s+for|travel\w*|abroad|contract|new\s+job|uni\b|university|handing\s+(it\s+)?over)"
)
_FIRST_PERSON_RISK = [
    # "end it with pills", "end it all using the rope"
    r"\bend(ing)?\s+it\s+(all\s+)?(with|using)\s+(the\s+|my\s+|a\s+|some\s+)?(pills|tablets|meds|medication|paracetamol|"
    r"rope|noose|blades?|razors?|knife|knives|car|gun|insulin|painkillers)\b",
    # self-harm again: "i cut again tonight", "burnt myself again"
    r"\bi\s+(just\s+|have\s+|ve\s+)?(cut|burnt|burned|hurt|harmed)\s+(myself\s+)?again\b",
    # a poison drunk: "i drank bleach", "ive had some antifreeze"
    rf"\b(i|ive|i\s+have|i\s+just|just)\s+(just\s+)?{_POISON_TAKEN}",
    # a crash on purpose: "crashing the car on purpose", "drive into a tree"
    r"\b(crash|crashing|crashed|drive|driving|steer|steering|wrap|wrapping)\s+(the|my)\s+(car|van|motorbike|bike|lorry)\s+"
    r"(on\s+purpose|deliberately|into\s+(a|the)\s+(tree|wall|lorry|bridge|river|barrier|oncoming))\b"
    r"|\b(drive|driving|steer|steering)\s+(off|into)\s+(a|the)\s+(bridge|cliff|tree|wall|river|oncoming\s+\w+)\b",
    # wanting no one to stop it: "I don't want anyone coming to stop me"
    r"\b(dont|do\s+not)\s+want\s+(anyone|anybody|them|you|people|the\s+police|police|an\s+ambulance)\s+"
    r"(coming\s+to\s+|to\s+come\s+(and|to)\s+|to\s+)?(stop|save|find|rescue)\s+me\b",
    # a life insurance checked for suicide; others better off if I go
    r"\blife\s+(insurance|cover|policy)\b[^?]{0,60}\b(pays?\s+out|covers?|valid|counts?)\b[^?]{0,30}\bsuicide\b"
    r"|\b(checked|read|looked\s+at|been\s+through)\s+(the|my)\s+(life\s+)?(insurance|policy)\b[^?]{0,60}\bsuicide\b",
    rf"{_OTHERS_BETTER_OFF}[^?]{{0,80}}{_IF_I_GO}|{_IF_I_GO}[^?]{{0,80}}{_OTHERS_BETTER_OFF}",
    # "im planning on not being alive by christmas"
    r"\b(plan|plans|planning|planned|intend|intending|going|gonna|want|wanting)\s+(on|to)\s+not\s+"
    r"(be|being)\s+(alive|here\s+any\s*more)\b|\bnot\s+(be|being)\s+alive\s+(by|after|for|at)\b",
    r"\b(kill|killing|hang|hanging|drown|drowning|shoot|shooting|poison|poisoning|starve)\s*my ?sel(f|ves)\b",
    r"\b(end|ending|take|taking)\s+(my|me)\s+(own\s+)?life\b",
    r"\bend(ing)?\s+it\s+(all\b|now\b|tonight\b|today\b)",
    # the whole message: "ending it", "im ending it." (nothing else to read it by)
    r"^\W*(im\s+|i\s+am\s+)?(ending|end)\s+it\W*$",
    r"^\W*(theres\s+|there\s+is\s+)?no\s+point\s+(any\s*more|in\s+(anything|living|going\s+on))\W*$",
    # a short last word: "im done. goodbye everyone" (greeting words alone would not count)
    r"^\W*(im|i\s+am|ive)\s+(done|had\s+enough|finished)\W+((good\s*)?bye|farewell)(\s+(everyone|all|guys|everybody))?(\s+x+)?\W*$",
    # ... and without "I'm" when it is said to everyone: "done. goodbye everyone x"
    r"^\W*(done|had\s+enough)\W+((good\s*)?bye|farewell)\s+(everyone|all|guys|everybody|world)(\s+x+)?\W*$",
    # asking for a way to die: "the least painful way to go", "quickest way to end it"
    r"\b(least\s+painful|painless|quickest|easiest|fastest|surest|quietest)\s+(way|method|means)s?\s+"
    r"(to\s+|of\s+)?(go\b|die|dying|end\s+(it|things|my\s+life)|do\s+it|kill|top)"
    r"(?!\s+(without\s+(being|sounding|seeming|upsetting|offending|hurting)|politely|nicely|kindly|gracefully|on\s+time|early|for\s+everyone))",
    # no point any more, with a goodbye: "no point anymore. bye"
    r"\bno\s+point\s+(any\s*more|in\s+(living|going\s+on|carrying\s+on|being\s+here)|to\s+(life|living))\b"
    r"(?=.*\b(bye|goodbye|farewell|so\s+long|take\s+care\s+(all|everyone)|love\s+you\s+all)\b)",
    r"\b(want|wnat|wamt|wnt|wanna|wana|wish|wishing|going|gonna|plan|planning|ready|about|trying|deserve)\s*(to\s+)?(die|be\s+dead)\b",
    r"\b(the|a|my)\s+(rope|noose)\b(?!\s+(swing|ladder|bridge|course|climb\w*|walk|access))",
    r"\b(rope|noose)s?\s+(is\s+|s\s+)?(up|ready|tied|set\s+up)\b",
    # a hose and tape in the car: exhaust fumes
    r"\bhose(pipe)?s?\b[^.?!]{0,20}\b(tape|exhaust)\b[^.?!]{0,30}\b(car|boot|van|garage)\b"
    r"|\bhose(pipe)?\s+(to|on|onto|into|from)\s+the\s+exhaust\b",
    r"\b(jump|jumping|throw\s+my ?self|step|stepping|walk|walking)\s+(in\s+front\s+of|off|from)\s+(a|the)\s+(train|bus|lorry|bridge|building|roof|cliff|car|balcony)\b",
    r"\b(i|ive|im|been|keep|kept|started|start|again)\b[^.?!]{0,15}\bself[\s-]?harm(?!\w*\s+(rates?|statistics|stats|"
    r"figures|numbers|among|research|awareness|policy|policies|training|leaflets?|services?))",
    r"\b(cant|cannot|can\s+not)\s+cope\b[^.?!]{0,20}\b(no\s+more|any\s*more)\b",
    r"\b(take|taking|swallow|swallowing|down|downing)\s+(all|a\s+load|loads|lots|the\s+whole|every|\d+)\s+(of\s+)?(my\s+|the\s+)?(pills|tablets|paracetamol|meds|medication|painkillers)\b",
    r"\b(taken|took|swallowed|had|necked|downed)\b[^.?!]{0,40}\b\d+\s+(pills|tablets|paracetamol|painkillers|sleeping\s+pills)\b",
    r"\bi\s*(ll|will|might|could|may|want\s+to|feel\s+like\s+i\s*(ll|will|might))\s+(hurt|harm|kill|attack|stab)\s+(my\s+)?(baby|child|children|kids?|son|daughter|mum|dad|partner|wife|husband|someone|somebody|him|her|them)\b",
    r"\bi\s+(wish|hope)\s+i\s+(was|were|could\s+be)\s+dead\b",
    # "feeling suicidal" is the writer's own, unless said of others ("leaflets for people feeling
    # suicidal", "members who feel suicidal"): those are questions about the topic
    r"\b(i|im|i\s+am|(?<!people\s)(?<!anyone\s)(?<!someone\s)(?<!somebody\s)(?<!members\s)(?<!member\s)"
    r"(?<!those\s)(?<!others\s)(?<!who\s)(?<!whos\s)(?<!whod\s)(?<!whove\s)(?<!whore\s)(?<!they\s)(?<!them\s)(?<!person\s)(?<!anybody\s)"
    # (not "i want to ask if they're suicidal": the state is someone else's)
    r"(feel|feeling|felt))\b(?:(?!\b(theyre|they\s+are|hes|he\s+is|shes|she\s+is|if\s+(they|he|she|someone|anyone|a\s+member)|"
    r"whether|someone|anyone|somebody)\b)[^.?!]){0,25}(?<!\ba\s)(?<!\bthe\s)\bsuicid(e|al)\b(?!\s+(scene|in\s+(it|the\s+(film|book|play|story|show|episode|series|novel))))(?!\s+(rates?|prevention|awareness|statistics|stats|figures|numbers|training|policy|policies|bereavement|loss|research|stud(y|ies)|risk|act|charity|charities|helplines?|survivors?|postvention|first\s+aid|is\s+(the|a|more|less|still)|in\s+(men|women|the\s+uk|young)))",
    r"\bsuicidal\s+(thoughts|feelings|urges)\b[^.?!]{0,20}\b(tonight|now|today|again|keep)\b",
    r"\b(dont|do\s+not|no\s+longer)\s+want\s+to\s+(be\s+(here|alive|around)|live|exist|wake\s+up|go\s+on)\b",
    r"\b(no|any|the)\s+point\s+(in\s+|of\s+)?(living|going\s+on|carrying\s+on|being\s+(here|alive)|me\s+being)\b",
    r"\bcant\s+see\s+the\s+point\b",
    r"\b(cant|can\s+not|cannot)\s+(go\s+on(?!\s+(like\s+this\s+)?(with\s+no|without\s+(any\s+)?(volunteers|funding|money|"
    r"a\s+venue|a\s+treasurer|help\s+from|more\s+help)))|carry\s+on|do\s+this\s+any\s*more|take\s+(it|this)\s+any\s*more|keep\s+(my ?self|me)\s+safe)\b",
    r"\bbetter\s+off\s+(without\s+me|dead|if\s+i\s+(was|were)(\s+not|nt)?\s+(here|around|gone|dead|alive))\b",
    r"\b(if|when)\s+i\s+(just\s+)?(disappeared|was\s+gone|died|vanished)\b",
    # "what happens to my role if I die? asking because I plan to soon"
    r"\b(if|when)\s+i\s+(die|am\s+dead|pass\s+away)\b[^.?!]{0,30}[.?!]*[^.?!]{0,40}\b(plan|planning|intend|intending|"
    r"mean|going|gonna)\s+to\s+(soon|shortly|before\s+long|this\s+(week|weekend|month)|tonight|tomorrow)\b",
    r"\b(disappear|gone)\s+for\s+good\b",
    r"\b(said|saying)\s+(my\s+)?goodbyes?\b",
    r"\b(written|wrote|writing)\s+(a\s+|my\s+)?(suicide\s+)?(note|letters?|goodbye)\b"
    r"(?!\s+(card|speech|email|e-mail|present|gift|for\s+(the|our)|to\s+(the|our)|letter\s+(to|for)\s+(the|our|all)))",
    # a letter left for the family that explains everything
    r"\b(left|leaving|written|wrote|writing)\s+(a\s+|my\s+)?(letter|note)s?\s+(for|to)\s+(my|each\s+of\s+my)\s+"
    r"(husband|wife|partner|kids|children|son|daughter|mum|mam|dad|family|parents|brother|sister|boyfriend|girlfriend)\b"
    r"[^.?!]{0,60}\b(explaining|saying\s+(sorry|goodbye)|to\s+find|for\s+when)\b",
    r"\b(standing|stood|sitting|sat|on)\s+(on|at)\s+(the|a)\s+(bridge|ledge|edge|roof|cliff|platform|tracks)\b",
    r"\bhow\s+(many|much)\b[^.?!]{0,30}\b(take|takes|need)\b[^.?!]{0,20}\b(die|end\s+it|kill|overdose|od)\b",
    r"\bhow\s+(many|much)\s+(of\s+)?(my\s+)?(pills|tablets|paracetamol|ibuprofen|aspirin|meds|medication|painkillers|insulin|sleeping\s+pills|"
    r"co-?codamol|codeine|tramadol|sertraline|citalopram|fluoxetine|amitriptyline|mirtazapine|diazepam|zopiclone|"
    r"propranolol|quetiapine|lithium|antidepressants)\b[^.?!]{0,30}\b(take|kill|die|overdose|od|fatal|lethal|enough|do\s+it)\b",
    r"\b(cut|cutting|burn|burning|hurt|hurting|harm|harming|punish|punishing)\s*my ?self\b",
    r"\bi\s*(ve|have|just)?\s*(self[\s-]?harmed|relapsed\s+(into|with)\s+self[\s-]?harm)\b",
    r"\b(taken|took|swallowed|had|done)\s+(an?\s+)?(overdose|od)\b",
    r"\b(taken|took|swallowed|had|necked|downed)\s+(a\s+load|loads|lots|all|a\s+lot|a\s+bunch|a\s+handful|handfuls|a\s+whole\s+\w+|\d+)\s+(of\s+)?(my\s+|the\s+)?(pills|tablets|paracetamol|meds|medication|painkillers)\b",
    r"\b(going\s+to|gonna|want\s+to|will)\s+(hurt|kill|attack|stab|harm)\s+(him|her|them|someone|somebody|people|my\s+\w+)\b",
    # slang and indirect wording
    r"\b(top|topping|off|offing|unalive|unaliving)\s*my ?self\b|\bkms\b",
    # self-harm going on now without "myself" ("ive been cutting tonight and cant stop")
    r"\b(ive|i\s+have|im|i\s+am|i\s+keep|i\s+started)\s+(been\s+)?(cutting|self[\s-]?harming)(\s+(again|tonight|today|now|and|every|most|a\s+lot|badly)\b|\s*[.,!?]|\s*$)",
    r"\bi\s+(wont|will\s+not)\s+(be\s+alive|be\s+breathing|still\s+be\s+alive)\b",
    # farewells: the last time online, peace made, belongings not needed after a date
    r"\b(last|final)\s+time\s+(ill|i\s+will|im\s+going\s+to)\s+(log\s*on|post|be\s+(here|on\s+here|online)|message|talk\s+to\s+(you|anyone))\b",
    r"\b(ive|i\s+have)\s+made\s+(my\s+)?peace\s+with\s+(it|everything|dying|this)\b",
    r"\b(wont|will\s+not)\s+be\s+needing\s+(it|them|these|those|any\s+of\s+(it|this|them)|my\s+\w+)\s+(after|from|past|beyond|any\s*more)\b",
    r"\b(sleep|go\s+to\s+sleep|take|would\s+it\s+take|could|want|wish|enough)\b[^.?!]{0,30}\b(and\s+)?(not|never)\s+wake\s+up\b",
    r"\b(whats|what\s+is)\s+the\s+point\s+(any\s*more|of\s+(anything|it\s+all|me|life|living|going\s+on|carrying\s+on))",
    r"\b(saving|saved|stockpiling|stockpiled|hoarding|collecting|stashing)\s+(up\s+)?(my\s+|all\s+my\s+)?(tablets|pills|meds|medication|painkillers|paracetamol)\b",
    r"\b(looking\s+up|looked\s+up|researching|researched|googling|googled|searching)\s+(for\s+)?(ways|how|methods)\s+(to\s+)?(do\s+it|die|end\s+(it|my\s+life)|kill)",
    r"\b(tonight|today)\s*(s|is)\s+the\s+(night|day)\b",
    r"\b(cant|cannot|can\s+not)\s+(do\s+this|go\s+on|cope|carry\s+on|take\s+(it|this))\s+(no|any)\s*more\b",
    r"\b(cut|cutting|burn|burning|scratch|scratching|hit|hitting|punch|punching|bang|banging)\s+(my|me)\s+(arms?|legs?|wrists?|skin|thighs?|stomach|head|body)\b",
    r"\burges?\s+to\s+(hurt|harm|kill|attack|stab|cut|burn)\b",
    r"\b(ive|i\s+have|im|i\s+am|i\s+keep|i\s+get|i\s+m)\b[^.?!]{0,20}(?<!\ba\s)(?<!\bthe\s)\bsuicid(al|e)\b(?!\s+(rates?|prevention|awareness|statistics|stats|figures|numbers|training|policy|policies|bereavement|loss|research|stud(y|ies)|risk|act|charity|charities|helplines?|survivors?|postvention|first\s+aid|is\s+(the|a|more|less|still)|in\s+(men|women|the\s+uk|young)))"
    r"|(^|[.!?]\s*)(been\s+)?having\s+suicid(al|e)\s+(thoughts|feelings|urges)",
    r"\b(im|i\s+am|i\s+m)\s+(sat|sitting|stood|standing|up)\s+(on|at)\s+(the\s+)?(top\s+of\s+)?(the\s+|a\s+)?(roof|bridge|ledge|edge|cliff|multi[\s-]?storey|car\s+park\s+roof|railway|tracks|platform)",
    _NOT_HERE_BY,
    # coded words people use online for suicide ("kms", "unalive", "sewerslide", "ctb")
    rf"\b({CODED})\b",  # _CODED_PATTERN
    # arrangements for the family "after I'm gone" (not a move, a holiday or a handover)
    r"\b(wont|will\s+not|dont|do\s+not)\s+(be\s+)?need(ing)?\b[^.?!]{0,30}\bwhere\s+im\s+going\b",
    # a date chosen around a family occasion, "so I don't ruin it"
    r"\bso\s+(i|it|that\s+i)\s+(dont|doesnt|do\s+not|does\s+not|wont|will\s+not)\s+(ruin|spoil)\b"
    r"[^.?!]{0,40}\b(birthday|christmas|wedding|anniversary|graduation|exams?|day|party|for\s+(her|him|them))\b",
    r"\b((i|ive|i\s+have|im|i\s+am)\s+(picked|chosen|chose|set|fixed|decided\s+on|settled\s+on)\s+(the|a)\s+"
    r"(date|day|night)|(ive|i\s+have)\s+(worked\s+out|decided|figured\s+out)\s+when)\b[^?]{0,60}\b(birthday|christmas|wedding|anniversary|graduation|funeral|so\s+(i|it))\b",
    # a last message, with an apology or a farewell to someone by name
    r"\b(my\s+)?(last|final)\s+(message|text|post|words|note)\b[^?]{0,80}\b(sorry|love\s+you|forgive|"
    r"goodbye|look\s+after|not\s+your\s+fault|its\s+time|you\s+helped)\b"
    r"|\b(sorry|forgive\s+me|goodbye)\b[^?]{0,80}\b(my\s+)?(last|final)\s+(message|text|post|words)\b",
    r"\b(tell|please\s+tell)\s+(my\s+)?\w+\s+(im|i\s+am|that\s+im)\s+sorry\b",
    r"\b(none\s+of\s+(this|it)\s+is|it\s+(wasnt|was\s+not|isnt|is\s+not))\s+(your|her|his|their)\s+fault\b"
    r"[^?]{0,60}\b(sorry|goodbye|love)\b|\bsorry\b[^?]{0,60}\b(none\s+of\s+(this|it)\s+is|it\s+(wasnt|isnt))"
    r"\s+(your|her|his|their)\s+fault\b",
    r"\b(last|final)\s+thing\s+(ill|i\s+will|im\s+going\s+to|i\s+am\s+going\s+to)\s+(write|say|post|send)\b",
    r"\bbefore\s+i\s+go\b(?!\s+(on|to|away|abroad|into|out|back|home|in\b|for\b|off))[^?]{0,60}\bsorry\b"
    r"|\bsorry\b[^?]{0,60}\bbefore\s+i\s+go\b(?!\s+(on|to|away|abroad|into|out|back|home|in\b|for\b|off))",
    _GONE,
    r"\b(wont|will\s+not)\s+be\s+(at|in|here|around|coming)\b[^?]{0,30}\bor\s+ever\b",
    r"\bsorry\b[^?]{0,40}\byou\s+tried\b|\byou\s+tried\b[^?]{0,40}\bsorry\b"
    r"|\bthank(s|\s+you)\s+(all\s+)?for\s+being\s+my\s+friends?\b[^?]{0,60}\bsorry\b",
    r"\bthis\s+is\s+goodbye\b|\bgoodbye\b[^?]{0,40}\b(forever|for\s+good|thank(s|\s+you)\s+for\s+everything)\b",
    # plans and means
    r"\b(worked\s+out|figured\s+out|decided|planned)\s+(exactly\s+)?(how|when)\s+and\s+(when|where|how)\b",
    r"\b(i|ive|i\s+have)\s+(now\s+)?(know|worked\s+out|figured\s+out|decided)\s+(exactly\s+)?how\s+"
    r"(im\s+going\s+to|im\s+gonna|ill|i\s+will|to)\s+(do|end)\s+it\b"
    r"(?!\s+(in|on|with|for|using|via|online|better|right|properly|differently|again))",
    r"\b(took|taken|swallowed|necked|downed|had)\b[^.?!]{0,30}\b(tablets|pills|meds|paracetamol|painkillers)\b"
    r"[^?]{0,60}\b(sleepy|drowsy|dizzy|weird|woozy|cant\s+stay\s+awake|sorry|blurry|funny|strange|faint|numb|spinning)\b"
    r"|\b(vodka|wine|whisky|whiskey|gin|booze|alcohol|bottle)\b[^.?!]{0,40}\b(took|taken|swallowed|necked|downed)"
    r"\b[^.?!]{0,30}\b(tablets|pills|meds|paracetamol|painkillers)\b",
    r"\b(bought|got|have|saved|collected)\s+enough\s+(pills|tablets|paracetamol|painkillers|meds|insulin)\b",
    r"\b(tablets|pills|paracetamol)\s+(are\s+)?(lined\s+up|counted\s+out|in\s+front\s+of\s+me|in\s+my\s+hand)\b",
    r"\b(tired|sick)\s+of\s+(being\s+alive|living|existing)\b",
    r"\bdisappear\b[^.?!]{0,20}\b(and\s+)?(not|never)\s+come\s+back\b",
    r"\b(happier|easier|better)\s+(off\s+)?if\s+i\s+(wasnt|was\s+not|werent|were\s+not)\s+(here|around|alive)\b",
    r"\b(tonight|today)\s+is\s+the\s+end\b|\b(dont|do\s+not)\s+think\s+ill\s+(see|make\s+it\s+to)\s+(the\s+)?"
    r"(morning|tomorrow)\b",
    r"\b(drive|driving|crash|crashing)\s+(my\s+car\s+)?(into|off)\s+(a|the)\s+(wall|tree|bridge|lorry|river|cliff)\b",
    # affairs put in order against a date, or so that nobody is left with anything
    r"\b(getting|got|get|put|putting|sorting|sorted|have|had)\s+(everything|all\s+my\s+affairs|my\s+affairs|"
    r"all\s+my\s+things|my\s+things|it\s+all)\s+(in\s+order|sorted|tied\s+up)\b(?!\s+for\s+(the|our|a|an)\b)[^?]{0,40}\b((before|by)\s+("
    r"(mon|tues|wednes|thurs|fri|satur|sun)day\b(?!\s*s\b)|tonight|tomorrow|the\s+weekend|next\s+week|the\s+\d+\w*\b(?!\s+of\s+\w+\s+(meeting|agm)))"
    r"|so\s+(that\s+)?(nobody|no\s*one|noone|my\s+\w+)\s+(is|are|has|have|gets?|wont)\b)",
    # leaving "for good" with the means at hand, the means set out, a car running in a garage
    r"\b(leaving|going|gone|off|goodbye)\s+for\s+good\b[^?]{0,60}\b(tablets|pills|meds|rope|knife|blades?|"
    r"gun|car\s+running|engine\s+running|bridge|tonight)\b",
    r"\b(the\s+|my\s+|all\s+my\s+)(tablets|pills|meds|paracetamol|painkillers|blades?|rope)\s+(are|is|s)\s+"
    r"(next\s+to|beside|by|in\s+front\s+of|here\s+with)\s+me\b"
    r"|\b(tablets|pills|meds|paracetamol|painkillers)\s+(are|is)\s+(on\s+the\s+(table|bed|side)|ready|out)\b"
    r"[^?]{0,40}\b(tonight|for\s+good|goodbye|sorry|now)\b"
    r"|\b(tonight|for\s+good|goodbye|sorry)\b[^?]{0,40}\b(tablets|pills|meds|paracetamol|painkillers)\s+(are|is)\s+"
    r"(on\s+the\s+(table|bed|side)|ready|out)\b",
    r"\b(sat|sitting|sit|sat\s+here)\s+in\s+(the|my)\s+(car|garage)\b[^.?!]{0,50}\b(engine|car|motor)\s+(running|on)\b"
    r"|\bgarage\b[^.?!]{0,40}\b(engine|car|motor)\s+(running|on)\b"
    r"|\b(engine|car|motor)\s+running\b[^.?!]{0,40}\bgarage\b"
    r"|\bhose\b[^.?!]{0,30}\bexhaust\b|\bexhaust\b[^.?!]{0,30}\bhose\b",
    r"\b(gun|shotgun|rifle|pistol)\s+(out|loaded|ready|in\s+my\s+(hand|lap))\b",
    # passwords and handovers left with an apology for everything; an exit being planned
    r"\b(passwords?|logins?|log\s*ins?|bank\s+details|pin|keys|handover)\b[^?]{0,160}\bsorry\s+for\s+everything\b"
    r"|\bsorry\s+for\s+everything\b[^?]{0,160}\b(passwords?|logins?|bank\s+details|keys|wont\s+be\s+(around|here)|"
    r"thank(s|\s+you)\s+for\s+being|look\s+after|love\s+you)\b",
    r"\b(planning|planned|plan|worked\s+out|sorting)\s+(my|an)\s+(exit|way\s+out)\b"
    r"(?!\s+(strategy|plan|interview|from\s+(the|this|our|my)\s+(group|committee|board|charity|role|job|post|company)|"
    r"as\s+(chair|treasurer|secretary|trustee|coordinator|facilitator)))",
    # the last days of a life, the last sight of someone, going through with it
    r"\b(last|final)\s+(day|days|night|week|weekend|month|christmas|birthday)\s+(on\s+(this\s+)?earth|alive|of\s+my\s+life)\b",
    r"\bsee\s+(her|him|them|my\s+\w+)\s+one\s+(last|final)\s+time\b",
    r"\bbefore\s+i\s+go\s+through\s+with\s+it\b|\b(going\s+to|gonna|will|ill)\s+go\s+through\s+with\s+it\s+"
    r"(tonight|today|tomorrow|this|after|on|when)\b",
    r"\b(letters?|notes?)\b[^?]{0,80}\b(sorry|goodbye)\b[^?]{0,60}\b(then|and\s+then)\s+(ill\s+|i\s+will\s+)?do\s+it\b"
    r"|\b(writing|written|wrote)\s+(letters|notes)\s+to\s+(everyone|all\s+of\s+(you|them)|my\s+\w+)\s+(saying|to\s+say)\s+"
    r"(sorry|goodbye)\b",
    r"\b(researching|researched|looked\s+up|googled|worked\s+out|know|googling)\s+how\s+(many|much)\s+(it\s+(takes|would\s+take)|"
    r"would\s+do\s+it|i\s+(need|would\s+need))\b",
    r"^(im\s+|i\s+am\s+)?(doing|going\s+to\s+do|gonna\s+do)\s+it\s+(now|tonight|today)\W*$",
    # not part of anything after a date; not coming back to anything
    r"\bnot\s+(going\s+to\s+be\s+)?part\s+of\s+anything\s+(after|any\s*more|again|past)\b"
    r"|\bnot\s+(coming\s+back\s+)?to\s+anything\b",
    # a farewell: "if anyone reads this", "this is my goodbye", love to someone with an apology
    r"\bif\s+any(one|body)\s+(reads|finds|sees)\s+this\b",
    r"\bthis\s+is\s+my\s+goodbye\b(?!\s+(card|speech|party|post\s+for|to\s+(the|our)\s+(hall|venue|group\s+as)))",
    r"\btell\s+(my\s+)?\w+\s+(i|that\s+i)\s+love\s+(him|her|them)\b[^?]{0,60}\bsorry\b"
    r"|\bsorry\b[^?]{0,60}\btell\s+(my\s+)?\w+\s+(i|that\s+i)\s+love\s+(him|her|them)\b",
    # self-harm now in short forms: "sh'd again", "cut pretty deep"
    # "shd" (self-harmed) ends its clause or says when: "i shd again", "shd last night"; as
    # text-speak for "should" a subject or a verb follows ("how often shd we look")
    r"\bshd\b(?=\s*([.!?,;]|$|x+\b|again\b|last\b|tonight\b|today\b|earlier\b|yesterday\b|"
    r"this\s+(morning|afternoon|evening)\b|and\s+(its|it|i|im)\b))|\bsh(ing)?\s+again\b",
    r"\bi\s*(ve|have)?\s*cut\s+(pretty\s+|really\s+|too\s+|quite\s+|very\s+|a\s+bit\s+)?(deep|deeper|badly)\b",
    r"\b(cut|cuts|cutting|sh|shd|burn|burns|burning)\b[^.?!]{0,30}\bdeeper\s+than\b",
    r"\b(been\s+|keep\s+|im\s+|i\s+keep\s+)thinking\s+(about|abt|bout)\s+(suicide|killing\s+my\s*self|ending\s+it|dying)\b"
    r"(?!\s+(prevention|awareness|training|week|day|statistics|in\s+the\s+group))",
    r"\bcant\s+see\s+my\s*self\s+(being\s+|still\s+)?(here|around|alive)\s+(at|by|for|next|in|after|much)\b",
    r"\bso\s+(nobodys|no\s*ones|their|her|his|the)\s+(day|birthday|wedding|christmas|party)\s+(is|isnt|wont\s+be|doesnt\s+get)\s+"
    r"(spoilt|spoiled|ruined)\b",
    r"\b(im\s+done|no\s+point)\b[^?]{0,60}\b(picked|chosen|set)\s+(the|a)\s+date\b"
    r"|\b(picked|chosen|set)\s+(the|a)\s+date\b[^?]{0,60}\b(im\s+done|no\s+point)\b"
    r"|\b(got|have)\s+the\s+date\s+in\s+my\s+head\b",
    _AFTER_A_DATE,
    _WONT_MATTER_AFTER,
    _GONE_BEFORE,
    r"\bnot\s+that\s+(ill|i\s+will|im\s+going\s+to|i\s+am\s+going\s+to|im\s+gonna)\s+be\s+(around|here|alive)\b",
    # a state as the whole sentence: "suicidal again tonight", "so suicidal rn"
    r"(^|[.!?]\s*)((feeling|been|so|really|very|proper|properly|just)\s+)*suicidal\b(?!\s+(people|members?|person|thoughts\s+(in|among)))",
    # the whole of a supply of medicine: "if you take the whole box"
    r"\b(take|taking|swallow|swallowing|took|taken|down|downing|neck|necking)\s+(the|a|my|her|his)\s+(whole|entire|full)\s+"
    r"(box|pack|packet|bottle|strip|tub|lot|prescription|supply)\b",
    r"\b(look|looks|looked|make\s+it\s+look|seem|seems)\s+like\s+an?\s+accident\b",
    # a date picked, said as the whole of it: "ive got a date picked"
    r"\b(ive|i\s+have|i)\s+(got\s+)?(a|the)\s+date\s+(picked|chosen|set|sorted)(\s+(now|out|already))?\s*($|[.!?,])",
    r"\b(whats|what\s+is)\s+the\s+point\s+(in|of)\s+(me|my\s+life|living|being\s+(here|alive)|carrying\s+on|going\s+on|trying)\b",
    r"\bnothing\s+(will|is\s+going\s+to|gonna|is\s+gonna)\s+matter\s+(after|by|once|beyond|past)\b",
    r"\bwant\s+(it|everything|it\s+all)\s+(all\s+)?to\s+(be\s+quiet|stop|end|go\s+away|be\s+over)\s+(forever|for\s+good|permanently)\b",
    r"\b(sleep|asleep)\s+(forever|for\s+good|permanently)\b",
    r"\b(dont|do\s+not)\s+(intend|plan|expect)\s+(on|to)\s+(still\s+)?(be|being)\s+alive\b",
    r"\b(looking\s+up|looked\s+up|googling|googled|checking|checked|measuring|working\s+out)\s+how\s+(high|tall|far\s+down|deep)\b",
    r"\b(walk|walking|wade|wading|swim|swimming|go|going)\s+(out\s+)?into\s+the\s+(sea|river|water|lake|canal|reservoir)\b"
    r"(?!\s+(for|with|to\s+cool))",
    # an absence with its ordinary reason denied: "if i dont turn up its not because im poorly"
    r"\b(dont|do\s+not|never)\s+(turn\s+up|show\s+up|come|reply|answer)\b[^.?!]{0,30}\b(its|it\s+is|it\s+wont\s+be|thats)\s+not\s+because\b",
    _PLANNED_GONE,
    _MIND_MADE_UP,
    # watching for the trains that do not stop; done with life itself
    r"\b(checking|looking\s+(at|up)|watching|timing|times\s+(of|for))\b[^.?!]{0,30}\b(fast|express|non[\s-]?stop)\b"
    r"[^.?!]{0,20}\b(dont|do\s+not|never)\s+stop\b",
    r"\b(done|finished)\s+with\s+(life|living|being\s+alive|existing|this\s+(world|life))\b",
    r"\b(i\s*ll|i\s+will|im\s+going\s+to|im\s+gonna|i\s+am\s+going\s+to)\s+be\s+dead\s+(by|before|soon|tonight|tomorrow|"
    r"in\s+(a|an|the)\s+(day|week|hour|few|couple|morning))\b",
    r"\bhow\s+long\s+(it\s+|does\s+it\s+|would\s+it\s+)?(takes?|would\s+take)\s+(you\s+|someone\s+|me\s+)?(to\s+)?"
    r"(die|bleed\s+out|drown|freeze\s+to\s+death|lose\s+consciousness)\b",
    # a question about a place or a means, "asking for me" ("is the multistorey roof locked at night?")
    r"\b(multi[\s-]?storey|roof|rooftop|bridge|cliffs?|ledge|tracks|railway|rope|pills|tablets|paracetamol|overdose|"
    r"lethal|fatal|painless|dose|insulin)\b[^.!]{0,80}\b(asking|its)\s+for\s+(me|myself)\b",
    _LAST_NIGHT,
    _NOBODY_TO_BLAME,
    _SORRY_NOT_THEIR_FAULT,
    # letters left for each of the family, with a word of farewell: "wrote a card for each of my
    # kids, they'll understand one day"
    r"\b(wrote|written|writing|left|leaving)\s+(a\s+)?(cards?|letters?|notes?)\s+(for|to)\s+(each|every|all)\s+"
    r"(of\s+)?(my|the)\s+(\w+\s+)?(kids|children|family|sons|daughters|grandchildren|friends|loved\s+ones)\b"
    r"(?=[^?]*\b(understand|sorry|goodbye|forgive|miss\s+me|without\s+me|better\s+off)\b)",
    # the means made ready: "i have the pills ready for tonight", "got the rope sorted"
    r"\b(i\s+have|ive\s+got|i\s+got|got|have|ive)\s+(the|my|all\s+my|enough|all\s+the)\s+(pills|tablets|meds|"
    r"paracetamol|rope|blade|blades|razor|knife)\s+(all\s+)?(ready|lined\s+up|counted(\s+out)?|sorted|saved)\b",
    # how far a fall, how much of a thing, would be fatal
    r"\bhow\s+(high|far|tall|deep|long|much|many)\b[^.?!]{0,50}\b(be\s+fatal|fatal|lethal|deadly|to\s+kill\s+(you|me|someone|a\s+person))\b",
]
_RISK_TOPIC = (
    r"\b(suicid\w*|self[\s-]?harm\w*|overdos\w*|kill(s|ed|ing)?\s+(my|him|her|them|your|our)sel(f|ves)|"
    r"(going\s+to|gonna|will|threaten\w*\s+to|wants?\s+to|tried\s+to)\s+kill|crisis|crises|at\s+risk|risk\s+to\s+life|"
    r"sectioned|sectioning|mental\s+health\s+act|first\s+aid|asist|safetalk|"
    r"cutting(?!\s+(costs?|back|down|short|corners|out|it|the|our|a|in|off|up|edge|loose|hair|cake))|"
    r"hurt(ing)?\s+(them|him|her)sel(f|ves)|harm(ing)?\s+(them|him|her)sel(f|ves)|helplines?|"
    r"samaritans|shout|999|111|a&e|emergency|safeguarding|danger|abus\w*|violen\w*|"
    r"(want|wanting|wants)\s+to\s+die|hits?\s+(her|him|them|me))\b"
)
# Risks someone may describe in other words than the documents use ("she wants to end her
# life", "he has been cutting himself"), each with the documents' own words for it: a question
# about one is searched with those words added, so the guidance on it is found (unless the
# question already names it: then the words would only dilute it).
_PERSON = r"(my|his|her|their|your|our|own|a|one'?s)"
_SELF = r"(my|him|her|them|your|our|one)\s*sel(f|ves)"
RISK_TOPICS: dict[str, tuple[str, str]] = {
    "suicide": (
        rf"\bsuicid\w*|\bsucid\w*|\bsuicd\w*|\b({CODED})\b"
        rf"|\b(kill|killing|kills|killed|hang|hanging|hanged|shoot|shooting|shot|drown|drowning)\s+{_SELF}\b"
        rf"|\b(end|ending|ends|ended|take|taking|takes|took|taken)\s+{_PERSON}\s+(own\s+)?life\b"
        r"|\bend(ing|s)?\s+it\s+all\b"
        r"|\b(want|wants|wanted|wanting|wish|wishes|wishing)\s+(to\s+)?(die|be\s+dead)\b"
        r"|\b(no|any)\s+(reason|point)\s+(to|in|of)\s+(live|living|going\s+on|being\s+alive)\b"
        r"|\b(dont|doesnt|didnt|do\s+not|does\s+not|no\s+longer)\s+want\s+to\s+"
        r"(be\s+(here|alive|around)|live|exist|wake\s+up|go\s+on)\b"
        r"|\bbetter\s+off\s+dead\b",
        "suicide, suicidal thoughts",
    ),
    "self-harm": (
        r"\bself[\s-]?harm\w*|\bself[\s-]?injur\w*"
        rf"|\b(cut|cuts|cutting|burn|burns|burning|hurt|hurts|hurting|harm|harms|harming|"
        rf"injure|injures|injuring)\s+{_SELF}\b",
        "self-harm",
    ),
    "overdose": (
        r"\boverdos\w*|\b(took|taken|taking|swallowed|necked|downed)\s+(a\s+|the\s+)?(whole\s+|full\s+|"
        r"entire\s+)?(pack|packet|box|bottle|load|handful|strip)s?\s+of\b|\b(took|taken|taking|take|swallowed)\s+(too\s+many|a\s+lot\s+of|lots\s+of|"
        r"all\s+(of\s+)?(my|his|her|their|the))\s+(pills|tablets|paracetamol|meds|medication)\b"
        r"|\b(took|taken|taking|swallowed|necked|downed)\s+(my|his|her|their|the)\s+(whole|entire|full)\s+"
        r"(prescription|supply|box|pack|packet|bottle|strip|tub)\b",
        "overdose, self-harm",
    ),
}
_RISK_TOPICS = {name: re.compile(pattern) for name, (pattern, _) in RISK_TOPICS.items()}
_NAMED = {
    "suicide": re.compile(r"\bsuicid"),
    "self-harm": re.compile(r"\bself[\s-]?harm"),
    "overdose": re.compile(r"\boverdos"),
}
TOPIC_SIMILARITY_SHARE = 0.8  # of the crisis threshold: close to a crisis message -> signpost

# Someone asking *about* a situation: a member, the group, a role, an event, a leaflet.
_ASKING_ABOUT = (
    r"\b(a|our|the|one\s+of\s+our|group|new|long[\s-]?standing)\s+(\w+\s+)?(member|members|participant|"
    r"volunteer|peer|attendee|facilitator)s?\b|\b(our|the|my)\s+(\w+\s+)?(group|session|meeting|leaflet|"
    r"poster|volunteers|members)\b|\bfacilitat\w*|\bhow\s+(do|should|can|could)\s+(we|i|you|"
    r"facilitators|groups)\b|\bwhat\s+(should|do|can)\s+(we|a|the|facilitators|groups)\b|"
    r"\bsomeone\s+(in|at|from)\b|\b(he|she|they)\s+(said|says|told|mentioned|talks?|talked)\b|"
    r"\btold\s+(me|us)\b|\bworried\s+about\s+(someone|somebody|a\s+\w+|my\s+\w+|him|her|them)\b|"
    r"\bwho\s+(do|should|can)\s+(i|we)\s+(ring|call|phone|contact|tell)\b|"
    r"\bwhat\s+(should|do|can)\s+i\s+(be\s+)?(check|checking|look(ing)?\s+(out\s+)?for|bring|bringing|ask\s+(the|them|about)|"
    r"asking\s+(the|them|about))\b|\bwhat\s+(does|do|is)\s+[\w' ]{1,20}\s+mean\b|\b(prevention|awareness|mental\s+health|remembrance)\s+(week|day|month)\b|"
    r"\bis\s+it\s+(true|a\s+myth|a\s+fact)\b|\bwarning\s+signs?\b|\b(signs|symptoms)\s+(that|of)\b|"
    r"\bhow\s+(do|can|would|could|should)\s+(i|we|you)\s+(know|tell|spot|recognise|recognize)\b|\bmyths?\b|\bfacts?\s+(about|on)\b|"
    r"\b(does|do|can|could|will|would)\s+(asking|talking|mentioning|ask|talk)\b[^.?!]{0,30}\babout\b|"
    r"\b(puts?|putting|plant\w*)\s+(the\s+)?ideas?\s+(in|into)\b|\bgiv(e|es|ing)\s+(them|him|her|someone|people)\s+(the\s+)?ideas?\b|"
    # "if I ask someone straight out whether they're suicidal": how to ask, not the writer's state
    r"\bask(ing)?\s+(someone|somebody|them|him|her|a\s+member|people|members)\s+(straight\s+out\s+|directly\s+|outright\s+)?"
    r"(whether|if|about\s+(suicide|self[\s-]?harm))\b|"
    r"\b(campaign|awareness|training|course|policy|research|statistics?|figures?|evaluation|"
    r"toolkit|leaflet|poster|quotes?|quoting|quoted|testimonials?|case\s+stud(y|ies)|funders?|"
    r"funding\s+(bid|application)|bid|newsletter|annual\s+report|impact\s+stor(y|ies)|booklet|"
    # materials being written, a story being read or watched, a joke being told
    r"notice\s*board|slides?|handouts?|flyers?|welcome\s+pack|script|wording|role[\s-]?play|scenarios?|"
    r"module|trainer|(a|the|this|that)\s+book|novels?|films?|movies?|(a|the|our|this)\s+play|poems?|poetry|"
    r"storyline|episode\s+of|series|"
    r"characters?|podcasts?|documentar(y|ies)|book\s+club|reading\s+group|scenes?|"
    r"jokes?|joked|joking|banter|cracked\s+up|dark\s+humou?r|feedback\s+(box|forms?|book|cards?|sheets?))\b|\bis\s+it\s+(ok|okay|safe|right|wise|appropriate)\s+to\s+"
    r"(ask|talk|mention|say|discuss|bring\s+up|raise)\b"
)

# Someone threatening the writer, or the writer in danger: never someone else's words.
_DANGER_TO_WRITER = [
    r"\b(he|she|they)\s*(s|is|are|has|have)?\s*(going\s+to|gonna|threatening\s+to|threatened\s+to)\s+(kill|hurt|stab)\s+(me|us)\b",
    r"\b(i\s+am|im|i\s+feel|we\s+are)\s+(in\s+danger|not\s+safe)\b",
    r"\b(in\s+danger|not\s+safe)\s+(right\s+)?now\b",
    r"\b(hell|shell|theyll|he\s+will|she\s+will|they\s+will)\s+(kill|hurt|stab)\s+(me|us)\b",
    r"\b(said|says|saying|told\s+me|threatened|shouting|screaming)\b[^.?!]{0,40}\b(im|i\s+am|were|we\s+are)\s+dead\b",
]
# Someone else in danger now, described by the writer: an emergency state, injury or a threat to
# life happening now; or a risk, a farewell or a dangerous place together with a sign that it is
# happening now or that the person cannot be reached. Not a question about what to do "if" it
# happens; a past event ("last week", a death) only counts when the person can't be reached.
_TAKEN_SOMETHING = (
    r"\b(\w+s|hes|shes|theyve|he\s+has|she\s+has|they\s+have|has|have)\s+(just\s+|definitely\s+|obviously\s+)?"
    r"(taken|swallowed|necked|downed)\s+(something(?!\s+(to|for|off|from|in|on)\b)|some\s+(pills|tablets|stuff)|"
    r"a\s+load\s+of\s+\w+|loads\s+of\s+(pills|tablets)|(all|most)\s+(of\s+)?(her|his|their)\s+\w+|(her|his|their)\s+whole\s+\w+)\b"
)
_OVERDOSE_SIGNS = (
    r"\b(drowsy|slurring|slurred|cant\s+(stay\s+awake|keep\s+(her|his|their)\s+eyes\s+open)|barely\s+(awake|conscious)|"
    r"not\s+making\s+(any\s+)?sense|being\s+sick|throwing\s+up|vomiting|floppy|keeps?\s+(passing|nodding)\s+(out|off))\b"
)
_EMERGENCY = (
    r"\b(collapsed|collapsing|unconscious|not\s+breathing|unresponsive|(wont|will\s+not|cant)"
    r"\s+(wake|be\s+woken)|bleeding\s+(heavily|badly|a\s+lot|loads|everywhere))\b"
    # an injury now: "it wont stop bleeding", "she's cut her wrists"
    r"|\b(wont|will\s+not|cant|doesnt|isnt\s+going\s+to)\s+stop\s+bleeding\b|\bbleeding\s+(wont|will\s+not)\s+stop\b"
    r"|\b(has|have|hes|shes|theyve|just)\s+(cut|slit|slashed)\s+(his|her|their)\s+(wrists?|arms?|throat)\b"
    r"|\b(is|s|are|re|hes|shes|theyre)\s+(cutting|burning|hurting|harming|stabbing)\s+((him|her|them)sel(f|ves)|"
    r"(his|her|their)\s+(arms?|wrists?|legs?|skin|body))"
    r"|\b(will|going\s+to|gonna|threatened\s+to|threatening\s+to|says\s+(he|she)\s*(ll|will)|hell|shell|"
    r"theyll)\s+(kill|stab|shoot|attack)\s+(her|him|them|(his|her|their|my)\s+\w+)\b|\b(use|turn)\s+it\s+on\s+(him|her|them)sel(f|ves)\b"
    # threatening to kill themselves, a weapon in hand, a hanging, a fit, a fire with someone in it
    r"|\b(threatening|threatens)\s+to\s+(kill|shoot|hang|stab|hurt|drown|poison|cut|burn|harm)\s+(him|her|them)sel(f|ves)\b"
    r"|\b(holding|waving|brandishing|carrying|got)\s+a\s+(knife|gun|machete|blade|shotgun|rifle)\s+(in\s+(his|her|their)\s+hand|at\s+(him|her|them|me|us))\b"
    r"|\b(waving|brandishing)\s+a\s+(knife|gun|machete|blade|shotgun)\b"
    r"|\bhanging\s+(from|off)\s+(a|the)\s+(tree|beam|banister|bannister|door|ceiling|loft|bridge|railing)\b"
    r"|\b(fitting|having\s+a\s+(fit|seizure)|seizing)\b(?!\s+(in|into)\b)"
    r"|\bset\s+fire\s+to\s+(him|her|them)sel(f|ves)\b|\bwith\s+(him|her|them)sel(f|ves)\s+(still\s+)?in\s+it\b"
    r"|\b(got|has|have|had)\s+a\s+plan\s+to\s+(kill|end|take)\b"
    # a photo of pills sent, a hose on an exhaust, violence heard through the wall
    r"|\b(photo|picture|pic|image|video)\s+of\b[^.?!]{0,30}\b(pills|tablets|blister\s+packs?|paracetamol|meds|"
    r"empty\s+(packets|packs|boxes))\b|\bblister\s+packs?\s+(emptied|empty)\b"
    r"|\bhose\b[^.?!]{0,30}\bexhaust\b|\bexhaust\b[^.?!]{0,30}\bhose\b"
    r"|\b(can|could)\s+hear\b[^.?!]{0,40}\b(screaming|smashing|hitting|punching|beating)\b"
    # someone who has taken something and shows it: "my flatmate's taken something, she's
    # drowsy and slurring" (the signs of an overdose; "let her sleep it off" is the danger)
    rf"|{_TAKEN_SOMETHING}[^?]{{0,80}}{_OVERDOSE_SIGNS}|{_OVERDOSE_SIGNS}[^?]{{0,80}}{_TAKEN_SOMETHING}"
    # a poison drunk: "he'd drunk antifreeze before logging on"
    rf"|\b(hed|shed|theyd|hes|shes|theyve|he\s+had|she\s+had|they\s+had|has|have|had|just)\s+(just\s+)?{_POISON_TAKEN}"
)
_NOW = (
    r"\b(right\s+now|now|tonight|today|this\s+(morning|afternoon|evening)|an\s+hour\s+ago|"
    r"at\s+the\s+moment|currently|about\s+to|just\s+(now|\w+ed|taken|swallowed|told|said|sent|"
    r"left|rang|posted|texted|messaged|called|phoned|tried|done|gone|seen|saw|got)|"
    r"(is|are|s|re)\s+(going\s+to|gonna|threatening\s+to|trying\s+to)|threatening|"
    r"(is|are|hes|shes|theyre)\s+(sending|texting|messaging|posting|standing|sitting|climbing|walking\s+towards)|"
    r"(\d+|a\s+few|few|ten|twenty|half\s+an)\s+(mins?|minutes?|hours?)\s+ago|"
    r"(has|have|s|ve|hes|shes|theyve)\s+(just\s+)?(taken|swallowed|cut|collapsed|gone\s+missing)|"
    # "im sat here with a blade", "shes going to jump", "i cant stop thinking about using it"
    r"(im|i\s+am|hes|shes|theyre|he\s+is|she\s+is|they\s+are)\s+(sat|sitting|stood|standing|lying|waiting|"
    r"parked|holding)|(hes|shes|theyre)\s+(going\s+to|gonna|about\s+to|threatening\s+to|trying\s+to)|"
    r"cant\s+stop\s+thinking\s+about|line\s+went\s+dead)\b"
)
_FAREWELL = (
    r"\b(left|leaving|written|wrote)\s+(a\s+)?(goodbye\s+)?(note|letter)\b(?!\s+(for|to|on|at|with|in)\s+(the|our)\s+"
    r"(caretaker|hall|door|committee|group|office|desk|venue))|"
    r"\b(good\s*bye|bye\s+forever|last\s+message|final\s+message|sorry\s+for\s+(being\s+a\s+"
    r"burden|everything)|thank(s|\s+you)\s+for\s+everything|this\s+is\s+it|sorry\s+everyone|"
    r"(wont|never)\s+see\s+(me|you|us)\s+again|you\s+(were|have\s+been|ve\s+been)\s+a\s+good\s+friend|"
    r"apologis\w*\s+to\s+everyone|where\s+(her|his|their)\s+will\s+is|sorry\s+x+|i\s+cant\s+(do\s+this\s+)?any\s*more)\b"
    # "said he's had enough", love and an apology together: "saying she loves me and she's sorry"
    r"|\b(said|says|saying)\s+(hes|shes|theyve|he\s+has|she\s+has|they\s+have|hed|shed)\s+had\s+enough\b"
    r"|\b(loves?|love)\s+(me|us|you|everyone|them)\b[^?]{0,40}\bsorry\b|\bsorry\b[^?]{0,40}\b(loves?|love)\s+(me|us|you|everyone|them)\b"
)
_UNREACHABLE = (
    r"\b((not|isnt|wont|hasnt|arent|havent)\s+(been\s+)?(answering|replying|responding|picking\s+up)"
    r"|phone\s+(is\s+|s\s+)?(off|dead|switched\s+off|going\s+to\s+voicemail)"
    r"|(cant|cannot|can\s+not|couldnt|no\s+one\s+can|none\s+of\s+us\s+can|nobody\s+can)\s+"
    r"(reach|get\s+hold\s+of|contact|find|get\s+through\s+to)"
    # someone who ran off, not supplies that ran out ("when the biscuits run out")
    r"|gone\s+missing|((walked|stormed|ran)|(has|s|just|have)\s+run)\s+(out|off)(?!\s+of\s+(time|money|milk|biscuits|tea|"
    r"coffee|steam|ideas|space|patience|paper|ink|funding|cash|petrol|battery))|(wont|will\s+not|refusing\s+to)\s+come\s+down"
    # gone off somewhere: "taken the car", "gone into the woods"
    r"|(taken|took|driven\s+off\s+in)\s+(the|his|her|their)\s+car|gone\s+(off|out)\s+(in|into|to)|gone\s+into\s+the"
    r"|left\s+(the\s+house|home)\b(?!\s+(at|for|to\s+go\s+to\s+work)))\b"
)
_DANGER_PLACE = (
    r"\b(on|at|to|up\s+on|going\s+(down\s+)?to|heading\s+(down\s+)?to|near)\s+(the\s+|a\s+)?"
    r"(top\s+of\s+(the\s+|a\s+)?)?(beachy\s+head|bridge|roof|rooftop|cliffs?|cliff\s+edge|ledge|"
    r"railway(\s+line)?|train\s+tracks|tracks|multi[\s-]?storey|motorway\s+bridge|"
    r"\w+\s+suspension\s+bridge)\b(?!\s+club)"
    r"|\binto\s+the\s+(sea|river|canal|lake|reservoir|water)\b"
    r"|\b(station|platform|level\s+crossing|train)\b[^.?!]{0,60}\bjump\b"
    r"|\bjump\b[^.?!]{0,30}\b(in\s+front\s+of|under)\s+(a|the)\s+train\b"
)
_HYPOTHETICAL = (
    r"\b(if\s+(a|an|any|anyone|someone|somebody|one|people|members?|they|he|she|the|our|your)|"
    r"what\s+if|in\s+case|suppose|supposing|ever|"
    # a training exercise: "the trainer played a member who'd just taken an overdose"
    r"role[\s-]?play\w*|played\s+(a|the|an)|pretend\w*|scenarios?|simulat\w*|mock|hypothetical\w*)\b"
)
_PAST = (
    r"\b(died|passed\s+away|funeral|bereave\w*|last\s+(week|month|year|time|session)|"
    r"(taken|took)\s+(their|his|her)\s+(own\s+)?life|postvention|memorial|"
    r"(\w+\s+)?(years?|months?|weeks?)\s+ago)\b"
)
_DO_IT = r"\b(do|doing)\s+it\b|\bjump\b"
_REPORTED_SPEECH = (
    r"\b(said|says|saying|told|tells|mentioned|mentions|disclosed|discloses|wrote|writes|writing|"
    r"posted|talks?\s+about|talked\s+about|talking\s+about|shared)\b|[\"“”]"
    r"|\bwhat\s+(does|do|is)\s+[\w' ]{1,20}\s+mean\b|(^|\s)'[^']{2,80}'(\s|[.,?!]|$)"
    # a question put to the writer, answered no ("my GP asked if I had thoughts of harming myself
    # and I said no"); a scene of a story ("the bit where George wants to jump off the bridge")
    r"|\basked\s+(me\s+)?(if|whether)\s+i\b[^.?!]{0,80}\bno\b(?=\s*([,.!?]|$|which|because|but|honestly))"
    r"|\b(the\s+)?(bit|scene|part|moment)\s+where\b"
)
_REPORTED = re.compile(_REPORTED_SPEECH)
_FIRST_PERSON = [re.compile(p) for p in _FIRST_PERSON_RISK]
_DANGER = [re.compile(p) for p in _DANGER_TO_WRITER]
_TOPIC = re.compile(_RISK_TOPIC)
_EMERGENCY_NOW = re.compile(_EMERGENCY)
_HAPPENING_NOW = re.compile(_NOW)
_FAREWELL_MESSAGE = re.compile(_FAREWELL)
# "see you Thursday", "see you soon" (not "won't see you ..."): a goodbye that expects to meet
_SEE_YOU_SOON = (
    r"(?<!wont\s)(?<!never\s)\bsee\s+you\s+(all\s+)?(on\s+|next\s+)?(monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|soon|week|time|month|tomorrow|then|there)\b"
)
_ORDINARY_GOODBYE = re.compile(
    r"\b(we|i)\s+(said|say|saying)\s+goodbye\s+to\s+(a|an|our|the|everyone|all)\b"
    r"|\bgoodbye\s+(party|card|do|drinks|lunch|speech)\b|\b(good\s*)?bye\s+for\s+now\b"
    rf"|{_SEE_YOU_SOON}"
    r"|\bgoodbye\s+to\s+(our|the|my|this)\s+(\w+\s+){0,2}(room|venue|hall|building|space|office|centre|"
    r"center|church|library|cafe|premises|home|house|flat|chat|website|page|group\s+chat)\b"
)
_CANT_BE_REACHED = re.compile(_UNREACHABLE)
_AT_DANGEROUS_PLACE = re.compile(_DANGER_PLACE)
_HYPOTHETICAL_CASE = re.compile(_HYPOTHETICAL)
_IN_THE_PAST = re.compile(_PAST)
_DOING_IT = re.compile(_DO_IT)
# "I haven't told anyone", "I've said my goodbyes" are not someone else's words
_NOT_REPORTED = re.compile(
    r"\b(havent|hasnt|have\s+not|not|never|didnt|dont)\s+(told|said|mentioned|shared)\b"
    r"|\btold\s+(anyone|anybody|no\s*one|nobody)\b"
    r"|\b(i|ive|i\s+have|id|i\s+had|ill|i\s+will|im|i\s+am)\s+(already\s+|just\s+|been\s+)?"
    r"(said|told|saying|telling|written|wrote|writing|posted|shared)\b"
    # the writer's own, with "I" dropped: "Said my goodbyes today", "wrote my last note"
    r"|(^|[.!?,]\s*)(said|wrote|written|writing|told|posted)\s+my\b"
    # "wrote a card for each of my kids": a letter written, not words reported
    r"|(^|[.!?,]\s*)(wrote|written|writing)\s+(a\s+)?(cards?|letters?|notes?)\s+(for|to)\s+(each|every|all)\b"
    r"|\b(letters|notes)\s+to\s+(everyone|all|\w+)\s+saying\b"
    r"|\b(i|ive|i\s+have|im|i\s+am)\s+(just\s+|been\s+)?(left|written|wrote|writing|leaving)\s+(a\s+|my\s+)?"
    r"(letters?|notes?)\b[^.?!]{0,50}\bsaying\b"
)
# someone else's words reported in a clause: "a member told me she had dark thoughts"
_THEIR_WORDS = re.compile(
    r"\b(he|she|they|member|members|friend|someone|somebody|people|partner)\b[^.?!]{0,30}\b(said|says|told|tells|"
    r"wrote|writes|mentioned|disclosed|shared|texted|messaged|posted)\b"
    # someone else's request reported: "(she) made me swear not to tell anyone"
    r"|\bmade\s+me\s+(swear|promise)\b"
)
# Experience placed in the past ("I was suicidal years ago, am I ready to facilitate?"): a risk
# the writer has come through is not a crisis now, unless something in the message says it is
# still going on ("... and it's back again", "I took pills last night and feel weird": last
# night is not long ago).
_LONG_AGO = re.compile(
    r"\b((\w+\s+)?(years?|months?|decades?)\s+ago|a\s+long\s+time\s+ago|(i|who)\s+used\s+to"
    r"|in\s+the\s+past|last\s+year"
    r"|as\s+a\s+(teen\w*|kid|child|student|young\w*)|when\s+i\s+was\s+(\d+|younger|a\s+\w+|at\s+\w+|in\s+\w+|"
    r"(five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)\b)"
    r"|at\s+(uni|university|school|college)|in\s+my\s+(teens|twenties|thirties|forties|\d+s)"
    r"|back\s+(in|when|then)|(in|since|was|until)\s+(19|20)\d\d|last\s+time\s+i\s+(felt|was|did|tried)|lived\s+experience|survived|survivor"
    r"|recovered|recovery|came\s+out\s+the\s+other\s+side|(\d+|\w+)\s+(days?|weeks?|months?)\s+(free|clean)\s+(of|from)\s+self[\s-]?harm|(im|i\s+am)\s+in\s+a\s+(much\s+|far\s+|way\s+|lot\s+|)better\s+place\s+(now|these\s+days)"
    r"|last\s+(christmas|easter|summer|winter|spring|autumn|birthday)|(\d+|\w+)\s+years?\s+(free|clean|well)"
    r"|(free|clean)\s+(of|from)\s+self[\s-]?harm|(havent|have\s+not|hadnt|stopped|not)\s+(self[\s-]?harm\w*|"
    r"cut|felt|been)\b[^.?!]{0,30}\b(for|since|years)|(that|it)\s+(was|is)\s+(in\s+the\s+past|a\s+long\s+time))\b"
)
_STILL_GOING_ON = re.compile(
    r"\b(right\s+now|just\s+now|and\s+now|now\s+(i\s+)?(feel|keep|cant|want\s+to\s+(die|end)|its\s+back)|"
    r"tonight|today|again|still\s+(want|feel|think|cut|hurt|struggl\w*|self|suicid\w*|wanting|"
    r"feeling|thinking|cutting|hurting|have\s+(thoughts|urges)|having\s+(thoughts|urges)|get\s+(urges|thoughts))|currently|at\s+the\s+moment|lately|recently|this\s+(week|month|"
    r"morning|afternoon|evening)|last\s+night|yesterday|hours?\s+ago|earlier|keeps?\s+\w+ing|cant\s+stop|"
    r"starting\s+to|coming\s+back|back\s+again|relaps\w*|these\s+days|any\s*more|"
    # (not a plan for the year: "this year I want to host a Christmas social")
    r"this\s+year(?!\s+(i|we)\s+(want|would\s+like|hope|plan|am\s+planning|are\s+planning)\s+to\s+(host|run|start|"
    r"organise|organize|do|hold|put\s+on|set\s+up)))\b"
)
_WELL_NOW = re.compile(
    r"\b(better|well|fine|okay|ok|stable|good|happy|recovered|safe|settled|\d+)\s+(now|these\s+days)\b"
    r"|\b(these\s+days|nowadays|now)\s+(im|i\s+am)\s+(\w+\s+)?(better|well|fine|okay|ok|stable|good|happy|"
    r"recovered|safe|settled|doing\s+(well|better|ok|okay|fine|great))\b"
    r"|\bnow\s+(\d+|\w+)\s+(years?|months?)\s+(free|clean|well|sober)\b"
    # a milestone reached: "500 days free from self-harm today!!"
    r"|\b(\d+|\w+)\s+(days?|weeks?|months?|years?)\s+(free|clean|sober)\b[^.?!]{0,25}?\b(today|now)\b"
    r"|\bnow\s+(im|i\s+am|i\s+want|i\s+work|i\s+run|i\s+help|a|an)\b|\b(done|gone)\s+now\b"
    # a role taken on since: "now I facilitate a group", "and now I volunteer"
    r"|\bnow\s+i\s+(facilitate|co-?facilitate|volunteer|lead|organise|organize|mentor|train|coordinate|"
    r"support\s+others|work\s+as)\b"
)


_OWN_PAST = re.compile(
    r"\b(i|ive|i\s+have|i\s+had|who)\s+(was|were|used\s+to|had|tried|attempted|felt|survived|"
    r"self[\s-]?harmed|took|nearly|stood|went|wanted)\b"
    r"|\bmy\s+(\w+\s+)?(suicide\s+attempt|attempt|overdose|self[\s-]?harm\w*|breakdown|crisis)\s+(was|were|in|at|when)\b"
)
# Someone other than the writer: an emergency of someone else names someone ("she", "a member",
# "my son"); a farewell or a risk word with nobody else in it is the writer's own
_SOMEONE = re.compile(
    r"\b(he|she|they|him|her|them|his|hers|their|hes|shes|theyre|theyve|theyd|hed|shed|theyll|hell|shell|"
    r"someone|somebody|someones|anyone|person|people|member|members|friend|friends|mate|man|woman|lad|"
    r"girl|boy|guy|bloke|kid|kids|child|teenager|partner|husband|wife|boyfriend|girlfriend|ex|son|daughter|"
    r"mum|mam|mother|dad|father|brother|sister|cousin|nan|gran|grandad|grandma|grandpa|aunt|uncle|"
    r"neighbour|flatmate|housemate|colleague|volunteer|facilitator|co-?facilitator|regular|client|"
    r"parent|stepdad|stepmum|fiance|fiancee|niece|nephew)\b"
)


# Risk words said as a joke by someone else; not when they cannot be reached or are somewhere
# dangerous ("he joked about jumping and now his phone's off")
_JOKING = re.compile(r"\b(joking|jokes?|joked|jokingly|as\s+a\s+joke|banter|for\s+a\s+laugh)\b")


def _in_the_past(norm: str) -> bool:
    """The risk described is behind the writer: placed long ago, and nothing still going on."""
    return bool(_LONG_AGO.search(norm)) and not _STILL_GOING_ON.search(_WELL_NOW.sub(" ", norm))


_QUESTION_IF = re.compile(
    r"\b(what|whats|how|who|should|do|can|is\s+it)\b[^.!?]{0,40}\bif\s+(a|an|any|someone|somebody|one|people|"
    r"members?|they|he|she|the|our|your|"
    r"(nobody|no\s*one|noone|hardly\s+anyone|only\s+\w+\s+people)\s+(turns?|shows?|comes?|replies|signs?|books?|volunteers?))\b"
)
_QUOTED = re.compile(r"[\"“”][^\"“”]*[\"“”]|(^|\s)'[^']{2,120}'")
_QUOTING = re.compile(
    r"\b(quotes?|quoting|quoted|testimonials?|case\s+stud(y|ies)|annual\s+report|funding\s+bid|"
    r"newsletter|booklet|feedback\s+(box|forms?|book|cards?|sheets?)|evaluation\s+form|impact\s+stor(y|ies))\b"
)
_DATE_CHOSEN = re.compile(
    r"\b(shes|hes|theyve|s|has|have|had|ve)\s+(chosen|picked|set|decided\s+on)\s+(a|the)\s+(date|day|night)\b(?!\s+(for|of))"
)
_OTHERS_CODED = re.compile(
    rf"\b(he|she|they|his|her|their|member|friend|someone|somebody|people|cousin|brother|sister|son|"
    rf"daughter|mum|dad)\b[^.?!]{{0,30}}\b({CODED})\b"
)
_CODED_PATTERN = rf"\b({CODED})\b"
_FIRST_PERSON_WORD = re.compile(r"\b(i|im|ive|id|ill|me|myself|wanna|gonna)\b")
_OWN = re.compile(r"\b(i|im|ive|id|ill|me|my|mine|myself)\b")
# Who a risk verb with no "I" or "myself" of its own is said of: the nearest person before it in
# its sentence ("a member who'd just taken an overdose", "what to do if someone's taken an
# overdose", "a woman trying to die"); the writer unless that is someone else.
_PERSON_WORD = re.compile(
    r"\b(i|im|ive|id|ill|me|we|weve|were|wed|us|he|she|they|hes|shes|theyre|theyve|theyd|hed|shed|"
    r"theyll|him|her|them|who|whod|whos|whove|someone|someones|somebody|somebodys|anyone|anyones|"
    r"person|persons|people|member|members|woman|man|girl|boy|lady|guy|character|characters|"
    r"patient|client|trainer|actor)\b"
)
_WRITER = frozenset("i im ive id ill me we weve were wed us".split())


# A risk denied ("I'm not suicidal or anything, just lonely") or only supposed ("if I ever did
# feel suicidal again"): the patterns read the message without it (what else it says still
# counts); "not suicidal yet" is no denial
_DENIED_RISK = re.compile(
    r"\b(im|i\s+am|i\s+m)\s+(really\s+|honestly\s+|definitely\s+|absolutely\s+|defo\s+)?not\s+(feeling\s+|being\s+)?"
    r"suicidal\b(?!\s+(yet|but))(\s+or\s+anything(\s+like\s+that)?)?"
    r"|\b(im|i\s+am)\s+not\s+(going|gonna)\s+to\s+(kill|hurt|harm)\s+my\s*self\b(?!\s+(yet|but))"
    r"|\bif\s+i\s+ever\s+(did\s+|do\s+|again\s+)?(feel|felt|get|got|became|become|start\s+feeling)\s+suicidal(\s+again)?\b"
)


def _own_match(pattern: re.Pattern[str], norm: str) -> bool:
    """Whether `pattern` finds the writer's own risk in `norm`: a match that says "I" or
    "myself" itself, or whose nearest person before it (in its sentence) is the writer or
    nobody named."""
    for m in pattern.finditer(norm):
        if _FIRST_PERSON_WORD.search(m.group()):
            return True
        before = re.split(r"[.?!;:]", norm[max(0, m.start() - 60) : m.start()])[-1]
        people = _PERSON_WORD.findall(before)
        if not people or people[-1] in _WRITER:
            return True
    return False


# An ordinary reason for being away ("I won't be around next month, I'm having an operation",
# "goodbye till January"): the embedding signals read the absence, not the reason.
_AWAY_FOR_A_REASON = re.compile(
    r"\b(operation|surgery|holiday|hols|wedding|poorly|off\s+sick|ill\s+in\s+bed|new\s+job|sabbatical|"
    r"retir(ing|ement|ed)|emigrat\w*|relocat\w*|travelling|traveling|abroad|(having|in|for)\s+treatment|"
    r"(be|am|im|running|run|ill\s+be|i\s+will\s+be)\s+(a\s+(bit|little)\s+|\d+\s+(mins?|minutes)\s+|very\s+|so\s+)?late\b|"
    r"(had|have|got|with|caught)\s+(the\s+)?(flu|a\s+cold|covid|a\s+bug|a\s+virus|a\s+migraine|tonsillitis)\b|"
    r"(miss|missing)\s+(the\s+)?(next|this|tonights?|\w+days?)\s+(\w+\s+)?(sessions?|meetings?|groups?|weeks?)\b|"
    r"cover\s+for\s+me\b|(phone|battery|laptop|wifi|signal)\s+stopping\b|(full|part)[\s-]?time\s+job|"
    r"handing\s+(it\s+|things\s+|everything\s+)?over\s+(to|the)\b|"
    r"(leaving|left)\s+(the|my|our)\s+(area|town|city|country|job|post|role|committee)\b|"
    # transport trouble; a last day in a role
    r"(car|bus|train|van|lift)(s|\s+has|\s+is|\s+s)?\s+(broken\s+down|broke\s+down|cancelled|been\s+cancelled|not\s+(started|starting))|"
    r"last\s+(day|week|session|meeting|shift)\s+as\s+(a\s+|the\s+|our\s+|your\s+)?\w+|"
    r"(not\s+going\s+to|wont|cant|unable\s+to|wont\s+be\s+able\s+to)\s+(make|get\s+to|come\s+to|attend)\s+(it\s+to\s+)?"
    r"(tonights?|todays?|the|this|next|\w+days?)\s+(\w+\s+)?(session|meeting|group|class|event|agm)\b|"
    r"(wont|will\s+not|cant)\s+be\s+at\s+(the\s+)?(group|session|meeting|agm)\s+for\s+(a|the|two|three|\d+)\s+(couple|few|weeks?|months?)\b|"
    r"got\s+a\s+(new\s+)?job|(done|finished)\s+for\s+(the\s+day|today|tonight|the\s+night|the\s+evening|the\s+week)|"
    rf"{_SEE_YOU_SOON}|"
    r"contract\s+(ends|is\s+up|finishes|runs\s+out)|my\s+contract\s+(at|with)|"
    r"maternity|paternity|on\s+leave|annual\s+leave|moving\s+(to|house|away|abroad)|"
    r"(ive|i\s+have|weve|we\s+have|just|recently)\s+moved\s+(to|house|away|abroad)|moved\s+(house|away|abroad)|"
    r"(back|return\w*)\s+(in|on|next|after)\b|(till|until|see\s+you\s+(all\s+)?(in|on))\s+(january|february|march|"
    r"april|may|june|july|august|september|october|november|december|next|the\s+new\s+year|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday))"
)
# a reason denied is no reason: "not moving house lol, gone gone", "its not because im poorly"
_DENIED = re.compile(r"\b(not|never|isnt|wasnt|no|nothing\s+to\s+do\s+with)\s+((\w+\s+){0,2})$")


# A bad day vented, with an ordinary evening ahead: "I'll be fine after a good sleep, just
# needed a moan", "going to have an early night"
_VENTED = re.compile(
    r"\bjust\s+(need|needed|want|wanted)\s+(a|to)\s+(moan|vent|rant|whinge|grumble|let\s+off\s+steam|"
    r"get\s+(it|that|this)\s+off\s+my\s+chest)\b|\ban\s+early\s+night\b"
    # the writer's own ("I'll sleep it off"), not someone else's ("let her sleep it off")
    r"|\b(ill|i\s+will|im\s+going\s+to|im\s+gonna|i\s+need\s+to|i\s+just\s+need\s+to|i\s+can)\s+(just\s+)?sleep\s+it\s+off\b"
    r"|\b(looking\s+forward\s+to|cant\s+wait\s+for)\s+(the\s+|our\s+|my\s+)?(group|session|meeting|weekend|holiday|"
    r"thursday|monday|tuesday|wednesday|friday|saturday|sunday|tomorrow|next\s+week)\b"
    r"|\bjust\s+one\s+of\s+those\s+(days|weeks|nights)\b|\bnothing\s+serious\b"
    # a relationship ended ("end it with my boyfriend" reads "break up with": _IDIOMS)
    r"|\b(break|breaking|broke)\s+up\s+with\b"
    r"|\b(ill|i\s+will)\s+be\s+(fine|ok|okay|alright|all\s+right)\s+(after|once|when|by|tomorrow|"
    r"in\s+the\s+morning)\b"
)
# Coping in hand: a safety plan followed, someone rung, the group ahead ("low today, but I'm
# following my safety plan, I've rung my sister and I'm coming to group tonight")
_COPING = re.compile(
    r"\b(following|using|used|sticking\s+to|stuck\s+to|working\s+through|gone\s+through|went\s+through)\s+my\s+"
    r"(safety|crisis|coping|wellness|wellbeing|relapse\s+prevention)\s+plan\b(?!\s+(but|and\s+(it|its)\s+(isnt|not)))"
    r"|\b(used|tried|followed)\s+(it|my\s+(safety|crisis|coping)\s+plan)\b[^.?!]{0,30}\b(and\s+)?(it\s+)?(worked|helped)\b"
    r"|\bshare\s+a\s+(win|good\s+news|small\s+win)\b"
    r"|\b(im|i\s+am|ill\s+be|i\s+will\s+be)\s+(still\s+)?(coming|going)\s+to\s+(the\s+)?(group|session|meeting)\s+"
    r"(tonight|tomorrow|this\s+(week|evening)|next\s+week|on\s+\w+day)\b"
)
# A practical favour asked of the group ("can anyone swap Thursday with me?"): the learned
# signal put 0.96 on it, reading "can anyone ... me" as a plea
_PRACTICAL_REQUEST = re.compile(
    r"\b(can|could|would|will)\s+(anyone|anybody|someone|somebody|one\s+of\s+you)\s+(please\s+)?(swap|cover|take\s+over|"
    r"bring|lend|pick\s+up|drop\s+off|give\s+(me|us)\s+a\s+lift|open\s+up|lock\s+up|do\s+(my|the|a)\s+(shift|session|rota|slot)|"
    r"help\s+(with|out\s+with)\s+(the|a|our|this)\s+\w+)\b"
)
# Things hung or tied up for an event ("hanging the new banner ... tie it to the railings"):
# the embedding reads the method words, not their object
_HUNG_FOR_AN_EVENT = re.compile(
    r"\b(hang|hangs|hanging|hung|tie|ties|tying|tied|put\s+up|putting\s+up|string|stringing)\s+(up\s+)?"
    r"(the|a|our|some|new|my|those|these)?\s*(new\s+|big\s+|old\s+)?(banners?|posters?|signs?|bunting|pictures?|photos?|"
    r"decorations|curtains|washing|fairy\s+lights|lights|flags?|artwork|balloons|notices?|displays?|streamers)\b"
)
# Means of harm: a bad day vented beside them is no reason ("just needed a moan. i have the
# pills ready for tonight")
_MEANS = re.compile(
    r"\b(pills|tablets|paracetamol|meds|medication|rope|noose|blades?|razors?|knife|knives|"
    r"ligature|overdose|od)\b"
)


# A change of medication by a prescriber ("my GP upped my mirtazapine and I'm sleeping loads"):
# its effects read close to an overdose out of context; not when the amount is the risk
_PRESCRIBED = re.compile(
    r"\b(gp|doctor|dr|docs?|psychiatrist|consultant|prescriber|nurse|pharmacist|cpn|care\s+team)\s+(has\s+|have\s+|just\s+|"
    r"recently\s+)?(upped|increased|raised|lowered|reduced|changed|switched|doubled|halved|adjusted|put\s+me\s+on|"
    r"started\s+me\s+on|prescribed|took\s+me\s+off|(put|bumped|moved|brought|taken)\s+(my|me)\s+(\w+\s+){0,2}(up|down|off)\b)\b"
    r"|\b(with|under|on)\s+(my|the)\s+(gp|doctor|dr|psychiatrist|consultant|prescriber|nurse|cpn)s?\s+(help|advice|support|"
    r"guidance|supervision)\b"
)
_AMOUNT_AT_RISK = re.compile(
    r"\b(all\s+(of\s+)?(them|it|my|the)|whole\s+(box|packet|pack|bottle|lot|strip)|a\s+load|loads\s+of\s+(them|my|the)|"
    r"too\s+many|at\s+once|stockpil\w*|sav(e|ed|ing)\s+(them\s+|it\s+)?up|hoard\w*|overdose\w*|od|double\s+dose)\b"
)


# Care not to take too much: "the most paracetamol you can take ... I want to make sure I don't
# go over" is the opposite of a risk
_SAFE_DOSE = re.compile(
    r"\b(make\s+sure|check)\s+(that\s+)?(i|we|they|she|he)\s+(dont|do\s+not|doesnt|does\s+not|never|arent|am\s+not)\s+"
    r"(go\s+over|exceed|take\s+too\s+(many|much)|overdo\s+it)\b|\b(safe|maximum|max|recommended)\s+(daily\s+)?(dose|amount|limit)\b"
    r"|\bstay\s+(under|within|below)\s+the\s+(daily\s+)?(limit|dose|maximum)\b"
)


# Safety said outright ("nothing serious, I'm safe", "I'm not at risk"); not "safe for now"
_SAID_SAFE = re.compile(
    r"\b(im|i\s+am)\s+(totally\s+|completely\s+|perfectly\s+|quite\s+)?safe\b(?!\s+(for\s+now|now|at\s+the\s+moment|"
    r"tonight|till|until|just|for\s+the\s+moment|i\s+think|ish))|\b(im|i\s+am)\s+not\s+at\s+(any\s+)?risk\b"
)


def _excused(norm: str) -> bool:
    """An ordinary reason for being away is given, a bad day vented, safety said outright or
    coping in hand with no means of harm named, things hung up for an event, a prescribed
    change of medication with no amount that is the risk, or care not to take too much."""
    return (
        _given(_AWAY_FOR_A_REASON, norm)
        or (
            (
                _given(_VENTED, norm)
                or _given(_SAID_SAFE, norm)
                or _given(_COPING, norm)
                or _HUNG_FOR_AN_EVENT.search(norm)
                or _PRACTICAL_REQUEST.search(norm)
            )
            and not _MEANS.search(norm)
        )
        or (_given(_PRESCRIBED, norm) and not _AMOUNT_AT_RISK.search(norm))
        or _given(_SAFE_DOSE, norm)
    )


# A short question with nothing of the writer or of a risk in it: a follow-up ("how long shud
# that take?", "is it still going?", "what if it carries on?"), whose embedding alone means
# little (the learned signal put 0.87 to 0.98 on these three; no crisis of the development
# data has this shape)
_BARE_QUESTION = re.compile(
    r"^(how|what|whats|when|where|why|which|who|is|are|does|do|can|could|should|shud|shd|will|would|and|but|so)\b"
    r"[^.!?]*\?+$"
)
_BARE_QUESTION_WORDS = 8


def _bare_question(norm: str) -> bool:
    """A short question with no first person, risk topic or means of harm (see above)."""
    norm = norm.strip()
    return (
        bool(_BARE_QUESTION.match(norm))
        and len(norm.split()) <= _BARE_QUESTION_WORDS
        and not _OWN.search(norm)
        and not _TOPIC.search(norm)
        and not _MEANS.search(norm)
    )


def _given(reason: re.Pattern[str], norm: str) -> bool:
    """Whether `norm` gives an ordinary `reason` (for being away) that it does not deny."""
    return any(
        not _DENIED.search(norm[max(0, m.start() - 30) : m.start()]) for m in reason.finditer(norm)
    )


_WHAT_NOW = re.compile(r"\bwhat\s+(do\s+(i|we)\s+do\s+|should\s+(i|we)\s+do\s+|happens\s+)?now\b")
_ABOUT = re.compile(_ASKING_ABOUT)
# Greetings, thanks and the words people type to test a chat: with no more than these, there is
# too little in a message for an embedding to mean anything, and the learned signal's
# probability on it is noise (it was 0.6 to 0.97 on "hi", "ok", "?" and a zero-width space).
_FILLER = frozenset(
    "hi hello hey hiya heya yo hallo howdy morning afternoon evening night good day thanks thank "
    "thx ty ta tq cheers many ok okay k kk yes yep yeah yup no nope nah sure maybe cool great nice "
    "one lovely perfect brilliant fab excellent awesome bye goodbye see ya later soon test testing "
    "lol haha hehe hmm um umm er oops sorry never mind nvm please pls plz there everyone all guys "
    "folks mate much very so really just you u me i im a an the is it this that there what who "
    "can do anyone anybody someone working here x xx xxx quick question thats have day wonderful "
    "amazing helpful useful hope youre well are how doing fine speak hear meet welcome got thing "
    "checking check trying bot chat for everything".split()
)
MIN_CONTENT_WORDS = 2  # words beyond _FILLER before the embedding signals count


def content_words(norm: str) -> int:
    """Words in a normalised message that are not greetings, thanks or test words."""
    return sum(1 for w in _WORDS.findall(norm) if w not in _FILLER and len(w) > 1)


DEFAULT_SIMILARITY_THRESHOLD = 0.55  # calibrated on the QA set: no non-crisis message reached it


@dataclass(frozen=True)
class SafetyResult:
    crisis: bool
    message: str | None = None
    resources: tuple[Resource, ...] = ()
    reasons: tuple[str, ...] = field(default=(), compare=False)
    topics: tuple[str, ...] = field(default=(), compare=False)  # keys of RISK_TOPICS

    @property
    def someone_else(self) -> bool:
        """A crisis of someone the writer describes, not the writer's own."""
        return self.crisis and "someone else now" in self.reasons

    def to_dict(self) -> dict:
        return {
            "crisis": self.crisis,
            "message": self.message,
            "resources": [r.to_dict() for r in self.resources],
        }


def _one_edit(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away from `word`."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return (
        {a + b[1:] for a, b in splits if b}
        | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        | {a + c + b[1:] for a, b in splits if b for c in letters}
        | {a + c + b for a, b in splits for c in letters}
    )


# The words risk is said with, spelt wrong ("suicidle", "kil myself", "mysefl"): one slip of
# the keyboard away from the word (longer words only), plus a few common slips and slang.
_KEYWORDS = ("suicide", "suicidal", "overdose", "myself", "himself", "herself", "themselves")
# ... and the words that say a message is about the group ("what do i do if a membr ..."), with
# their plurals so that those stay as they are
_GROUP_WORDS = (
    "member",
    "members",
    "group",
    "groups",
    "session",
    "sessions",
    "meeting",
    "meetings",
    "facilitator",
    "facilitators",
    "volunteer",
    "volunteers",
)
_TYPOS = {
    v: k
    for k in reversed(_KEYWORDS + _GROUP_WORDS)
    for v in _one_edit(k)
    if v not in _KEYWORDS + _GROUP_WORDS
}
_TYPOS.update({"kil": "kill", "kll": "kill", "klil": "kill", "sucide": "suicide"})
# the words that make a message a question ("wat do i do if", "hw shud we"), as texted: the
# rules that tell a question about the group from a disclosure read them
_TYPOS.update(
    dict.fromkeys(("wat", "wot", "wut", "whta"), "what")
    | dict.fromkeys(("nobodi", "nobdy", "noboby", "nobidy"), "nobody")
    | dict.fromkeys(("peple", "poeple", "pepole", "peopel"), "people")
    | dict.fromkeys(("someon", "somone", "soemone", "somebdy", "sombody"), "someone")
    | dict.fromkeys(("shud", "shld", "shoud"), "should")
    | dict.fromkeys(("hw", "hwo"), "how")
    | {"cud": "could", "wud": "would", "u": "you", "ppl": "people", "pple": "people"}
)
_WORDS = re.compile(r"[a-z]+")


# Everyday idioms of death and killing ("I could have died of embarrassment", "this turnout is
# killing me", "my phone's about to die"), each with what it means: said in plain words before
# the patterns read a message and before the learned signal reads its embedding.
_IDIOMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), meaning)
    for pattern, meaning in (
        (
            r"\b((could|nearly|almost|would)\s+(have\s+|of\s+)?died|died|die|dying)\s+(of|from|with)\s+"
            r"(embarrassment|shame|boredom|cringe|envy|jealousy)\b",
            "was so embarrassed",
        ),
        (r"\b((nearly|almost)\s+)?died\s+(of\s+)?laugh(ing|ter)\b", "laughed a lot"),
        (r"\bdying\s+(to|for)\b", "keen \\1"),
        (r"\b(kill|murder)\s+for\s+(a|an|some)\b", "love \\2"),
        (r"\b(could|going\s+to|gonna|would|'d|d)\s+murder\s+(a|an|some)\b", "\\1 love \\2"),
        (
            r"\blost\s+the\s+will\s+to\s+live\s+(filling|doing|reading|writing|waiting|sitting|listening|with|over|"
            r"because\s+of|at|in)\b",
            "got so bored \\1",
        ),
        (
            r"\b(i'?ll|i\s+will|im\s+going\s+to|i'm\s+going\s+to|im\s+gonna|i'm\s+gonna)\s+(scream|explode|go\s+mad|lose\s+it)\b",
            "I'll be annoyed",
        ),
        (r"\bkill(ing)?\s+two\s+birds(\s+with\s+one\s+stone)?", "do both at once"),
        (r"\b(killing|killed|smashed|smashing)\s+it\b", "doing great"),
        (r"\bto\s+die\s+for\b", "delicious"),
        (r"\bdead\s+(on\s+my\s+feet|tired|beat)\b", "very tired"),
        (r"\bdead\s+(keen|easy|good|chuffed|serious|quiet|heavy|loud)\b", "very \\1"),
        (r"\bdead\s+(cert|certain)\b", "certain"),
        (r"\bdead\s+end\b", "no progress"),
        (r"\b(bored|scared|worried|frightened)\s+to\s+death\b", "very \\1"),
        (r"\bthe\s+death\s+of\s+(me|us)\b", "a nuisance"),
        (r"\b(feet|back|legs|head|knees|hands)\s+(are|is|'s)\s+killing\s+me\b", "\\1 hurt"),
        (
            r"\b(phone|battery|laptop|computer|printer|car|plants?|wifi|zoom|link|signal|kettle|projector|"
            r"mic|microphone|speakers?|bulb|boiler|heating|minibus|van|engine|app|website|site|page|form|"
            r"server|router|charger|torch|remote|flowers?|garden|hoover|fridge|laptops|phones)"
            r"(('s|\s+is|\s+s|s|\s+are|\s+has|\s+have)(\s+(completely|totally|just|well|finally|gone|now))*"
            r"|(?:'s)?(?:\s+(?!(?:i|im|ive|me|my|and\s+i)\b)[\w%]+){1,4}\s+(and|is|s)?)?\s*"
            r"((about|going)\s+to|gonna|finally)?\s*(die|dying|dead|died)\b",
            "\\1 stopping",
        ),
        (
            r"\b(turnout|venue|rota|heat|heatwave|weather|traffic|commute|paperwork|spreadsheet|admin|"
            r"council|committee|budget|printer|wifi|noise|cold|queue|parking|waiting)\s+(is|'s|are|'re)"
            r"\s+killing\s+(me|us)\b",
            "\\1 is frustrating",
        ),
        (r"\b(ugh|argh|urgh)\s+kill\s+me(\s+now)?\b", "ugh"),
        (  # "this printer wants me dead", "the rota is trying to kill me"
            r"\b((this|the|my|that|our)\s+(\w+\s+)?(printer|laptop|computer|spreadsheet|rota|form|forms|wifi|app|"
            r"website|council|paperwork|admin|job|boss|manager|week|day|heat|weather|commute|traffic|inbox|"
            r"deadline|funder|funders|committee|kettle|venue|zoom|photocopier|copier|scanner|phone|boiler|car))\s+"
            r"(genuinely\s+|actually\s+|literally\s+|really\s+|definitely\s+|honestly\s+)?(wants|want|is\s+trying|s\s+trying|"
            r"is\s+going|s\s+going|is\s+out)\s+(to\s+)?(me\s+dead|kill\s+me|get\s+me)\b",
            "\\1 is frustrating me",
        ),
        (
            r"\b(absolutely\s+|literally\s+|totally\s+)?(killed|kills|killing)\s+me\b(?=[^.?!]{0,50}"
            r"(\b(haha+|lol|lmao|laugh\w*|hilarious|so\s+funny)\b|😂|🤣))",
            "made me laugh",
        ),
        (
            r"\b(is|are|s|'s|will|ll|'ll)\s+((going|gonna)\s+(to\s+)?)?kill\s+me\b(?=[^.?!]{0,50}"
            r"(\b(lol|haha+|lmao|jk)\b|😂|🤣))",
            "will be cross with me",
        ),
        (r"\bshoot\s+me\s+now\b", "ugh"),
        (  # "I'll kill him if he's late with the keys again lol"
            r"\b(i'?ll|i\s+will|im\s+gonna|i'm\s+gonna|im\s+going\s+to|i'm\s+going\s+to)\s+(kill|murder|strangle|"
            r"throttle)\s+(him|her|them|you|the\s+\w+)\b(?=[^.?!]{0,60}(\b(lol|haha+|lmao|jk)\b|😂|🤣))",
            "I'll be cross with \\3",
        ),
        (  # "laughed so hard I nearly died", "nearly died laughing 😂"
            r"\b(nearly|almost|practically)\s+(died|dying|wet\s+myself)\b(?=[^.?!]{0,40}(\b(laugh\w*|lol|haha+|lmao)\b|😂|🤣))"
            r"|(?<=laughed\s)[^.?!]{0,30}\b(nearly|almost)\s+died\b",
            "laughed a lot",
        ),
        (
            r"\b(is|s|was|are)\s+(absolute\s+|sheer\s+|a\s+)?murder\s+(to|on|getting|trying)\b",
            "is hard work \\3",
        ),
        (
            r"\b(throw|chuck|lob|hurl)\s+(it|this|that|them|the\s+\w+)\s+out\s+(of\s+)?the\s+window\b",
            "get rid of \\2",
        ),
        (r"\b(die|died|dying)\s+a\s+death\b", "flopped"),
        (r"\bover\s+my\s+dead\s+body\b", "never"),
        (r"\bsuicide\s+mission\b", "very hard task"),
        (
            r"\b(ill|i'll|i\s+will|im\s+gonna|i'm\s+gonna)\s+(?:kill|top)\s+myself\s+(lol|haha+|lmao|jk|😂)",
            "I'll be fed up \\2",
        ),
        (  # "if one more person asks me for the wifi password im going to throw myself out the window 😂"
            r"\bif\s+(one\s+more|anyone\s+else|i\s+(have|get)\s+to\s+[^.?!]{0,30}?one\s+more)\b[^.?!]{0,80}?\b(i'?ll|i\s+will|"
            r"i'?m\s+gonna|i'?m\s+going\s+to|im\s+gonna|im\s+going\s+to)\s+(throw\s+myself\s+out\s+(of\s+)?(the|a)\s+window|"
            r"kill\s+myself|top\s+myself|jump\s+off\s+(a|the)\s+(bridge|cliff|roof))(?=[^.?!]{0,40}(\b(lol|haha+|lmao|jk)\b|😂|🤣|🙃|🙄))",
            "if it happens again that would annoy me",
        ),
        (
            r"\b((this|the|that|our)\s+(\w+\s+)?(form|forms|paperwork|admin|spreadsheet|rota|deadline|application|bid|"
            r"report|minutes|agenda|inbox|emails?|printer|wifi|council|committee|meeting|budget|traffic|parking))\s+"
            r"(makes?|is\s+making)\s+me\s+want\s+to\s+(jump\s+off\s+a\s+(bridge|cliff|roof)|die|kill\s+myself|"
            r"throw\s+myself\s+\w+\s+\w+)",
            "\\1 is so frustrating",
        ),
        (r"\bwanted\s+the\s+(ground|floor)\s+to\s+swallow\s+me(\s+up)?", "was so embarrassed"),
        (
            r"\b(crawl|curl)\s+(up\s+)?(under\s+a\s+(rock|stone)|in(to)?\s+a\s+(hole|ball|corner))\s+and\s+die\b",
            "hide",
        ),
        (r"\bthats\s+me\s+dead\b|\bthat's\s+me\s+dead\b", "I'm in trouble"),
        (r"\bshot\s+(myself|ourselves)\s+in\s+the\s+foot\b", "made a mistake"),
        (
            r"\bcould\s+(kill|murder|strangle|throttle)\s+(whoever|whoevers|the\s+(person|people)\s+who)\b",
            "am cross with \\2",
        ),
        (
            r"\bdeath\s+by\s+(powerpoint|slides|meetings?|committee|spreadsheet|paperwork)\b",
            "dull \\1",
        ),
        (r"\b(sick|tired)\s+to\s+death\s+of\b", "fed up with"),
        (r"\b(i'?m|im|i\s+am)\s+(so\s+|totally\s+|well\s+)?over\s+it\s+with\b", "I'm fed up with"),
        (r"\brather\s+die\s+than\b", "much rather not"),
        (r"\b(would|'d|d)\s+die\s+for\s+(a|an|some|the)\b", "\\1 love \\2"),
        (r"\b(gonna|going\s+to|will|'ll|to)\s+kill\s+it\b(?!\s+off)", "\\1 do great"),
        (
            r"\b(killing|killed|kill)\s+(myself|ourselves|themselves|me)\s+(laughing|with\s+laughter)\b",
            "laughing a lot",
        ),
        (
            r"\b(done|finished)\s+with\s+(this|the|that|our|these|those)\s+(?!(world|life|earth|planet|body|pain|"
            r"hell|existence)\b)(\w+)",
            "fed up with \\2 \\4",
        ),
        (r"\bknock\s+(\'em|em|them)\s+dead\b", "impress them"),
        (
            r"\b(end|ending|ended|finish|finishing|call|calling)\s+(it|things)\s+(off\s+)?with\s+((my|her|his|the)\s+)?"
            r"(boyfriend|girlfriend|bf|gf|partner|husband|hubby|wife|fianc[eé]e?|ex|date|him|her|them)\b",
            "break up with \\4\\6",
        ),
        (
            r"\b(i'?m|im|i\s+am)\s+(actually\s+|literally\s+|so\s+)?(dead|deceased)\b(?=[^.?!]{0,40}"
            r"(\b(lol|haha+|lmao|hilarious|so\s+funny)\b|😂|🤣|💀))",
            "I'm laughing",
        ),
        (
            r"\bkill(s|ing|ed)?\s+(the|my|our|this|that)\s+(\w+\s+)?(process|app|program|programme|task|tab|window|"
            r"mood|vibe|buzz|atmosphere|momentum|conversation|lights?|music|sound|mic|video|autoplay|engine)\b",
            "stop the \\3\\4",
        ),
        (
            r"\bkill(ing)?\s+off\s+(an?|the|our|my|this|that)\s+((\w+\s+){0,2})(group|chat|thread|page|idea|project|account)\b",
            "close \\2 \\3\\5",
        ),
    )
)


def without_idioms(text: str) -> str:
    """`text` with everyday idioms of death and killing said in plain words (see _IDIOMS)."""
    text = text.replace("’", "'")
    for pattern, meaning in _IDIOMS:
        text = pattern.sub(meaning, text)
    return text


_SPELT_OUT = re.compile(r"\b(?:[a-z] ){3,}[a-z]\b")  # "s u i c i d a l"
_LEET = str.maketrans("013457@$", "oieastas")


def normalise(text: str) -> str:
    """Lower case, straight apostrophes removed ("can't" -> "cant"), common misspellings of the
    words risk is said with corrected, spacing collapsed. Invisible characters (zero-width
    spaces, joiners) go, compatibility forms are folded (NFKC: full-width or styled letters),
    digits inside words are read as letters ("su1c1dal") and spelt-out words joined."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = text.lower().replace("’", "'").replace("‘", "'").replace("`", "'")
    text = re.sub(r"(?<=[a-z])[013457@$]+(?=[a-z])", lambda m: m.group().translate(_LEET), text)
    text = re.sub(r"(?<=[a-z])[*#]+(?=[a-z])", "", text)  # "s*icidal", "k*ll": the typo table
    text = _SPELT_OUT.sub(lambda m: m.group().replace(" ", ""), text)
    text = re.sub(r"(?<=\w)'(?=\w)", "", text)
    text = re.sub(r"\bi'?m\b", "im", text)
    text = re.sub(r"([a-z])\1{2,}", r"\1\1", text)  # "sooooo" -> "soo" (not "999" -> "99")
    text = _WORDS.sub(lambda m: _TYPOS.get(m.group(), m.group()), text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Clause:
    """One sentence or clause of a longer message, with its own embedding signals (None when
    the embedder is unavailable: then its patterns decide alone)."""

    text: str
    similarity: float | None = None
    probability: float | None = None


# Sentence ends, line breaks, dashes and semicolons, and the joins where a practical question
# turns into something else (", also ...", ", but ...", ", anyway ...").
_CLAUSE_BREAKS = re.compile(
    r"(?<=[.!?])\s+|\n+|\s+[-–—]+\s+|\s*;\s*|\s*\.{3}\s*|,\s+(?=(?:also|and\s+also|anyway|but|btw|oh\s+and|ps)\b)",
    re.IGNORECASE,
)
_QUOTED_SPAN = re.compile(r"[\"“”][^\"“”]*[\"“”]")
_SINGLE_QUOTED = re.compile(r"(?<![\w\x00])['‘][^'‘’\n]{2,160}['’](?![\w\x00])")
MIN_CLAUSE_WORDS = 3  # "it's me." alone reads as anything
MIN_CLAUSE_CONTENT = 3  # content words before a clause's own embedding signals count


def clauses(text: str) -> list[str]:
    """The sentences and clauses of `text` that can be judged on their own, or [] when it has
    fewer than two: a disclosure inside a long practical message is diluted in the whole
    message's embedding and hidden by its context ("how do I tell members ...?"). Quoted words
    are dropped first: they are someone else's, and the whole message judges them."""
    plain = re.sub(r"(?<=\w)['’](?=\w)", "\x00", without_idioms(text))  # "I'm" is no quote mark
    unquoted = _QUOTED_SPAN.sub(" ", _SINGLE_QUOTED.sub(" ", plain)).replace("\x00", "'")
    parts = [p.strip(" ,") for p in _CLAUSE_BREAKS.split(unquoted) if p and p.strip(" ,")]
    parts = [p for p in parts if len(p.split()) >= MIN_CLAUSE_WORDS]
    return parts if len(parts) >= 2 else []


def assess(
    text: str,
    exemplar_similarity: float | None = None,
    *,
    resources: tuple[Resource, ...] = DEFAULT_RESOURCES,
    similarity_threshold: float = DEFAULT_SIMILARITY_THRESHOLD,
    crisis_probability: float | None = None,
    probability_threshold: float = 0.5,
    parts: Sequence[Clause] = (),
    part_threshold: float | None = None,
) -> SafetyResult:
    """Decide whether a message may come from someone at risk now; see the module docstring.

    `crisis_probability` is the learned signal (service/crisis_model.py), when there is one: at
    `probability_threshold` or above it flags a crisis, unless the message asks about someone
    else's situation and nothing in it is happening now.

    `parts` are the message's clauses (`clauses`) with their own signals: when the whole
    message is not a crisis, each is judged as if sent alone (its learned signal against
    `part_threshold`), unless the whole message places the risk in the past or quotes it for
    a report.
    """
    result = _assess(
        text,
        exemplar_similarity,
        resources=resources,
        similarity_threshold=similarity_threshold,
        crisis_probability=crisis_probability,
        probability_threshold=probability_threshold,
    )
    if result.crisis or not parts:
        return result
    norm = normalise(without_idioms(text))
    if _in_the_past(norm) or _QUOTING.search(norm):
        return result
    threshold = probability_threshold if part_threshold is None else part_threshold
    for i, part in enumerate(parts):
        found = _assess(
            part.text,
            part.similarity,
            resources=resources,
            similarity_threshold=similarity_threshold,
            crisis_probability=part.probability,
            probability_threshold=threshold,
            whole=norm,
        )
        if found.crisis and not _own_clause(parts, i, found):
            continue
        if found.crisis:
            topics = tuple(dict.fromkeys(result.topics + found.topics))
            return SafetyResult(True, found.message, resources, (*found.reasons, "clause"), topics)
    return result


_BEREAVEMENT = re.compile(
    r"\b(died|passed\s+away|funeral|bereave\w*|(lost|losing)\s+(my|her|his|their|a)\s+\w+\s+to\s+suicide|"
    r"(took|taken)\s+(his|her|their)\s+(own\s+)?life|by\s+suicide)\b"
)


# A clause that asks what to do or say, or which of two things to do: an organiser's question
# ("what am i meant to do", "do I pull them up on it or let it go?", "should I warn people about
# the overdose parts?"); read alone its embedding is close to someone asking for help.
_ADVICE_QUESTION = re.compile(
    r"^(what|how)\s+(am|do|should|can|shall|would|could)\s+(i|we)\s+(meant\s+to\s+|supposed\s+to\s+|best\s+)?"
    r"(be\s+doing|be\s+saying|do|say|handle|respond|reply|tell|word|put|write|deal|approach|phrase|answer)\b(?![^?]*\b(myself|me|my\s+life)\b)"
    r"|^(should|shall|do|can|could|would)\s+(i|we)\s+[^?]{0,80}\bor\s+(just\s+)?(leave|let|wait|ignore|not|say\s+nothing|"
    r"do\s+nothing|keep|stop|tell|ask|call|ring|phone|email|text)\b[^?]*\??$"
    r"|^(should|shall|do|can|could)\s+(i|we)\s+(warn|tell|mention|ask|let|invite|include|remind|check|contact|phone|ring|"
    r"email|text|message|pull|challenge|move|split|charge|offer|give)\s+(people|members?|them|him|her|everyone|the\s+group|"
    r"the\s+others|someone|the\s+\w+)\b"
    r"|^(do|should|must|shall)\s+(i|we)\s+(need\s+to\s+|have\s+to\s+)?(do|say)\s+(anything|something)\b"
    # "anything else I should be doing?", "what else can we do?"
    r"|^(is\s+there\s+)?(anything|something)\s+(else\s+)?(that\s+)?(i|we)\s+(should|could|can|ought\s+to|need\s+to|must)\s+"
    r"(be\s+)?(doing|do|saying|say|trying|try|offering|offer|checking|check)\b(?![^?]*\b(myself|me|my\s+life)\b)"
    r"|^what\s+else\s+(should|could|can|shall|do|must)\s+(i|we)\s+(be\s+)?(doing|do|say|try|offer|check)\b"
    r"(?![^?]*\b(myself|me|my\s+life)\b)"
)


# What the writer does for a living or for fun: its tools and dangers read, out of context,
# close to a method ("I work as a tree surgeon so chainsaws and heights are my whole life lol")
_OCCUPATION = re.compile(
    r"\b(i|we)\s+(work|worked|volunteer)\s+as\s+an?\b|\bmy\s+(day\s+)?(job|trade|work|hobby|career)\s+(is|involves|means)\b"
    r"|\b(im|i\s+am)\s+an?\s+\w+(\s+\w+)?\s+by\s+trade\b|\bfor\s+a\s+living\b"
    r"|\b(i|we)\s+(go|do|love|enjoy|took\s+up|have\s+taken\s+up|started)\s+(\w+\s+){0,2}(shooting|climbing|abseiling|"
    r"skydiving|parachuting|bungee\w*|diving|hunting|archery|fencing|boxing|caving|paragliding)\b"
)


# Why an organiser asks, said after the question: "I want to be ready", "just want to get it
# right": read alone, its embedding is close to someone ready to die.
_WHY_ASKING = re.compile(
    r"^(so\s+)?(i|we)\s+(just\s+|really\s+)?(want|wanna|need|would\s+like|d\s+like)\s+to\s+(be\s+(ready|prepared)|"
    r"get\s+(it|this)\s+right|do\s+(it|this)\s+right|know\s+what\s+to\s+(do|say))"
    r"(\s+(for\s+(it|that|this|when\s+it\s+happens)|in\s+case|if\s+it\s+happens))?\s*[.!]*$"
    # "I'd like a plan ready before it ever happens"
    r"|^(so\s+)?(id|i\s+would|wed|we\s+would|i|we)\s+(like|want|need)\s+(to\s+have\s+)?(a\s+plan|something|a\s+script|a\s+policy|"
    r"a\s+procedure)\s+(ready|in\s+place|sorted)(\s+(before|in\s+case|for\s+when|if)\b[^.?!]*)?\s*[.!]*$"
)


def embeddable(clause: str) -> bool:
    """Whether a clause's own embedding signals can count (see `_own_clause`): the writer's
    own words ("I", "my"), not someone else's reported, and three content words or more
    ("should I do anything?" reads as anything). The caller encodes only these."""
    own = normalise(without_idioms(clause))
    return (
        bool(_OWN.search(own))
        and not _THEIR_WORDS.search(own)  # "a member told me she had dark thoughts"
        and content_words(own) >= MIN_CLAUSE_CONTENT
    )


def _own_clause(parts: Sequence[Clause], i: int, found: SafetyResult) -> bool:
    """A clause flagged by its embedding alone counts when it is `embeddable` and neither it
    nor the clauses beside it give an ordinary reason for being away: "One lady needs to take
    her tablets at 7" or "I won't be around next month, I'm having an operation" read close
    to a crisis out of context."""
    if set(found.reasons) - {"learned", "similarity"}:
        return True  # a pattern or an emergency: as if sent alone
    near = normalise(" ".join(p.text for p in parts[max(0, i - 1) : i + 2]))
    own = normalise(parts[i].text)
    if _BEREAVEMENT.search(own):  # "my mum died by suicide when I was ten"
        return False
    if _ADVICE_QUESTION.search(own):  # "should i keep phoning her or leave it?"
        return False
    if _OCCUPATION.search(own):  # "I work as a tree surgeon so chainsaws and heights ..."
        return False
    if _WHY_ASKING.search(own) and i > 0:  # "... if someone discloses? I want to be ready"
        return False
    return embeddable(parts[i].text) and not _excused(near)


def _assess(
    text: str,
    exemplar_similarity: float | None,
    *,
    resources: tuple[Resource, ...],
    similarity_threshold: float,
    crisis_probability: float | None,
    probability_threshold: float,
    whole: str = "",
) -> SafetyResult:
    """`assess` of one message or clause (of the normalised message `whole`) on its own."""
    norm = normalise(without_idioms(text))
    asking_about = bool(_ABOUT.search(norm))
    past = _in_the_past(norm)
    if content_words(norm) < MIN_CONTENT_WORDS:  # "hi", "ok", "?": the embedding means nothing
        exemplar_similarity = crisis_probability = None
    undenied = _DENIED_RISK.sub(" ", norm)
    matched = [p.pattern for p in _FIRST_PERSON if _own_match(p, undenied)]
    # a risk said of someone else ("they're going to end it tonight") is theirs: an emergency
    # when it is happening now, as for a risk topic
    theirs = any(p.search(norm) for p in _FIRST_PERSON if p.pattern not in matched)
    ordinary = _given(_ORDINARY_ABSENCE, norm) or _given(_ORDINARY_ABSENCE, whole)
    if ordinary:
        # "when I'm gone: I'm moving to Spain", "after this week I won't be around, holiday!"
        matched = [m for m in matched if m not in _ABSENCES]
    if _winding_up(norm) and not ordinary:  # "stepping down, want it all sorted before I go"
        matched.append("winding up")
    reasons: list[str] = []
    # First-person risk counts even from a facilitator, unless it is someone else's words or
    # a past the writer has come through.
    if matched and not past and _own_words(undenied, matched):
        reasons.append("pattern")
    if any(p.search(norm) for p in _DANGER):
        reasons.append("danger")
    away = _excused(norm) or _bare_question(norm)  # the embedding signals do not count
    similar = exemplar_similarity is not None and exemplar_similarity >= similarity_threshold
    if similar and not asking_about and not past and not away:
        reasons.append("similarity")
    topics = tuple(name for name, pattern in _RISK_TOPICS.items() if pattern.search(norm))
    if reasons:
        return SafetyResult(True, CRISIS_MESSAGE, resources, tuple(reasons), topics)
    if _someone_else_in_danger_now(norm, topics, theirs):
        return SafetyResult(True, SOMEONE_ELSE_MESSAGE, resources, ("someone else now",), topics)
    learned = crisis_probability is not None and crisis_probability >= probability_threshold
    asking_about = asking_about or bool(_QUESTION_IF.search(norm))  # "what do i do if a member"
    if learned and not past and not away and (not asking_about or _happening_now(norm)):
        return SafetyResult(True, CRISIS_MESSAGE, resources, ("learned",), topics)
    near = exemplar_similarity is not None and (
        exemplar_similarity >= similarity_threshold * TOPIC_SIMILARITY_SHARE
    )
    if matched or topics or near or _TOPIC.search(norm):
        return SafetyResult(False, SIGNPOST_MESSAGE, resources, ("topic",), topics)
    return SafetyResult(False)


def _own_words(norm: str, matched: list[str]) -> bool:
    """The writer's own risk, not someone else's words ("a member said ..."); a coded word
    alone ("unalive") is the writer's own unless said of someone else ("my cousin unalived
    himself") with no first person anywhere. Quoted words are someone else's (or a draft): what
    the writer says outside them counts ("help me word the newsletter: '...'. I won't be here
    next month, I've made my mind up")."""
    unquoted = _QUOTED.sub(" ", norm)
    if unquoted != norm:
        compiled = {p.pattern: p for p in _FIRST_PERSON}
        matched = [m for m in matched if m not in compiled or _own_match(compiled[m], unquoted)]
        if not matched:
            return False
        norm = unquoted
    if _REPORTED.search(_NOT_REPORTED.sub("", norm)):
        return False
    if matched != [_CODED_PATTERN]:
        return True
    return not _OTHERS_CODED.search(norm) or bool(_FIRST_PERSON_WORD.search(norm))


def _someone_else_in_danger_now(norm: str, topics: tuple[str, ...], theirs: bool = False) -> bool:
    """An emergency the writer describes (see _EMERGENCY and the notes above it); `theirs`:
    a first-person risk pattern matched said of someone else."""
    if _HYPOTHETICAL_CASE.search(norm):
        return False  # "what if ..."
    if _EMERGENCY_NOW.search(norm):
        return True
    if _JOKING.search(norm) and not (
        _CANT_BE_REACHED.search(norm) or _AT_DANGEROUS_PLACE.search(norm)
    ):
        return False  # "someone keeps joking 'kms' when the biscuits run out"
    # A past come through: the writer's own ("I was suicidal at uni"), or anyone's with nothing
    # happening now ("used to self-harm, now 3 years free"); not someone at a dangerous place
    # now ("my friend who used to self-harm is on the roof now").
    now = _happening_now(norm)
    if (
        _in_the_past(norm)
        and not (now and _AT_DANGEROUS_PLACE.search(norm))
        and (_OWN_PAST.search(norm) or not now)
    ):
        return False
    if _QUOTING.search(norm) or not _SOMEONE.search(norm):  # a quote for a report; no one else
        return False
    if topics and _DATE_CHOSEN.search(norm):  # "she's picked a date ... to kill herself"
        return True
    risk = bool(
        topics
        or theirs
        or _DATE_CHOSEN.search(norm)
        or (_FAREWELL_MESSAGE.search(norm) and not _ORDINARY_GOODBYE.search(norm))
        or _AT_DANGEROUS_PLACE.search(norm)
        or (_DOING_IT.search(norm) and _TOPIC.search(norm))
    )
    if not risk:
        return False
    if _CANT_BE_REACHED.search(norm):
        return True
    return now


def _happening_now(norm: str) -> bool:
    """Something described as happening now ("what now?" is an idiom), not in the past."""
    unquoted = _QUOTED.sub(" ", norm)  # what someone is quoted as saying is not happening now
    now = _HAPPENING_NOW.search(_WELL_NOW.sub(" ", _WHAT_NOW.sub("", unquoted)))
    return bool(now) and not _IN_THE_PAST.search(norm) and not _HYPOTHETICAL_CASE.search(norm)


def search_text(question: str, result: SafetyResult) -> str:
    """The question with the documents' words for the risks it describes, for retrieval.

    "A member told me she wants to end her life" shares few words with a section called
    "What to do if someone tells you they are thinking about suicide"; adding "suicide,
    suicidal thoughts" finds it. Questions with no risk topic are searched as they are.
    """
    norm = normalise(question)
    words = [RISK_TOPICS[t][1] for t in result.topics if not _NAMED[t].search(norm)]
    return f"{question} ({'; '.join(words)})" if words else question
