"""What a question asks (pure): its clauses, its parts, and the kind of detail it wants.

Organisers often describe their situation before asking ("we meet in a church hall ... where
do we start?"), so the clause that asks is not the whole message; and a question may ask two
things at once ("how do we find a venue and what should we charge?"), each of which the
documents may or may not cover. The kind of detail asked for (an amount of money, a number, a
date or time, a named service) is what similarity cannot check: "the toolkit talks about room
hire" is not "the toolkit says what room hire costs".
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_WORD = re.compile(r"[a-z0-9£$€]+(?:['’][a-z]+)?")
STOP = frozenset(
    """a about actually all also am an and any anyone anything are as at be been being but by
    can could did do does doing done even ever for from get got had has have how i i'm if in
    into is it it's its just know like me might more much my need no not of on one or our ours
    out please really should so some someone something than thanks that that's the their them
    then there they this those to too up us very want was we we're we've what what's whats when
    where which who why will with would you your yours hi hello thank cheers""".split()
)
QUESTION_WORDS = frozenset(
    "how what whats what's where when who whom which why can could should do does did is are "
    "was were will would any anything".split()
)
# Where a sentence turns into a second question: ", and what ...", "and how much ...".
# "or is that ...", "or is it ..." offers the other answer to the same question ("can we ask
# people to pay ... or is that bad", "can 16 year olds come or is it adults only?"): not a part
_PART_JOIN = re.compile(
    r",?\s+(?:and|also|plus|or)\s+(?=(?:how|what|what's|whats|where|when|who|which|why|should|"
    r"can|do|does|is|are)\b)(?!(?<=or\s)(?:is|are|does|do|can|should)\s+(?:that|it|this|they|there)\b)",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"(?<=[.!?])\s+|\n+|;\s+")
_MIN_PART_WORDS = 2  # content words: "any advice?" is not a question of its own

_MONEY_WORDS = (
    r"(?:cost|costs|money|charge|charges|pay|paid|fee|fees|price|budget|spend|worth|£|rate|"
    r"afford|save|saves|grant|grants|funding|donate|donation|donations|insurance|pounds)"
)
_MONEY_ASK = re.compile(
    rf"\bhow much\b(?!\s+of\b)(?=.*{_MONEY_WORDS})|\bhow much (?:is|does|do|will|would) it\b"
    rf"|\b(?:cost|costs|price|prices|fee|fees|rate|salary|wage|pay|paid|charge|charges)\b"
    rf"(?=.*\b(?:per|an? (?:hour|session|week|month|year|person)|usually|typical|going|exact))"
    rf"|\bwhat(?:'s| is| are)? the (?:going |usual |typical |average |current )?(?:hourly |daily )?"
    rf"(?:cost|price|fee|rate|charge)s?\b|\b(?:hourly|daily|going) rate\b"
    rf"|\bhow much (?:of )?(?:the |our |a )?[£$€]|\bhow much (?:is|are) (?!it\b|of\b|too\b)\w+"
    rf"|[£$€]\s?\d+(?:\.\d+)?\s+or\s+[£$€]?\d|\bin pounds\b",
    re.IGNORECASE,
)
_NUMBER_ASK = re.compile(
    r"\bhow (?:many|long|often|big|old|far|soon|quickly)\b|\bwhat (?:percentage|proportion|"
    r"share|number|age)\b|\bexact(?:ly)? (?:number|figure|maximum|minimum)\b"
    r"|\bmaximum\b|\bminimum\b|\b(?:average|typical|ideal|usual) (?:size|number|age)\b"
    r"|\b(?:max|min)\.? (?:number|size|age|amount|limit)\b|\bupper limit\b|\bage limit\b",
    re.IGNORECASE,
)
_DATE_ASK = re.compile(
    r"(?:^|\band |, )when (?:is|was|did|does|do|will|were|are|exactly|roughly)\b"
    r"|\b(?:what|which) (?:date|day|days|night|nights|evening|year|month|time|hours)\b|\bdeadline\b"
    r"|\bclosing date\b"
    r"|\bopening hours\b|\bwhat time\b|\bopen (?:on|at)\b",
    re.IGNORECASE,
)
_NAME_ASK = re.compile(
    r"\bwhich (?:\w+ ){0,2}(?:app|apps|bank|banks|company|companies|insurer|insurance|funder|"
    r"funders|charity|charities|organisation|organisations|service|services|group|groups|"
    r"platform|website|gp|surgeries|course|provider|providers|helpline|venue|venues|postcode|"
    r"postcodes|town|towns|area|areas|book|books)\b|\bwhat (?:venue|postcodes?)\b"
    r"|\bname of\b|\brecommend\b|\bwho is the (?:current )?\w+|\bthe best (?:\w+ ){0,2}"
    r"(?:app|platform|website|course|book|company|provider)\b|\baddress\b|\bphone number\b"
    r"|\bnumber for\b|\bcontact details for\b|\bnear me\b|\bin my area\b"
    # a person by role, a product: "who led ...", "the names of", "what software ...", "zoom or
    # google meet, which is better"
    r"|\bwho (?:led|leads|chairs|chaired|runs|founded|built|heads|headed)\b|\bnames? of\b"
    r"|\bcan you name\b|\bwhat(?:'s| is|s)? (?:the|their|its) names?\b"
    r"|\bwhat (?:\w+ )?(?:software|platform|app|tool|website)\b"
    r"|\bwhich (?:one )?is (?:better|best|cheaper)\b|\bor [\w ]{1,20} better\b",
    re.IGNORECASE,
)
# What a sentence gives: an amount of money, a number, a date or time.
_AMOUNT = re.compile(r"[£$€]\s?\d|\b\d[\d,.]*\s?(?:pounds|p\b|pence|million|k\b)", re.IGNORECASE)
_NUMBER = re.compile(
    r"\b\d+(?:[.,]\d+)?\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"twenty|thirty|forty|fifty|hundred|dozen|half|once|twice|weekly|monthly|daily|annual|"
    r"fortnightly)\b",
    re.IGNORECASE,
)
_DATE = re.compile(  # "May" and "March" only as months (capitalised): "members may prefer ..."
    r"\b(?:19|20)\d\d\b|(?-i:\b(?:May|March)\b)|\b(?:january|february|april|june|july|august|"
    r"september|october|november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"weekdays?|weekends?|daytime|evening|morning|afternoon|midnight|noon)\b"
    r"|\b\d{1,2}(?:[.:]\d\d)?\s?(?:am|pm)\b|\b24/7\b|\b24 hours\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*\b")
# The documents saying outright that a detail is not known or not given: the right answer to
# a question about that detail, whatever kind of detail it is.
NOT_GIVEN = re.compile(
    r"\b(?:do|does|did) not (?:give|report|say|state|include|summarise|explain|claim|record|"
    r"publish|show)\b|\bnot stated\b|\bno figures\b|\bnot known\b|\bunknown\b|\bcannot say\b"
    r"|\bnot reported\b|\bnot available\b|\bnone (?:were|was) available\b",
    re.IGNORECASE,
)

# A person asked for by role ("who's the chief exec of Mind?", "who do I contact at ..."):
# a sentence naming only organisations does not answer it, though it has capitalised names.
_PERSON_ASK = re.compile(
    r"\bwho(?:'s| is| was| are| were)? (?:the )?(?:current |new )?(?:chief|chair|director|head|"
    r"ceo|manager|officer|organiser|leader|founder|lead|contact)|\bwho (?:led|leads|chairs|"
    r"chaired|runs|ran|founded|heads|headed|wrote|do i (?:contact|ask|speak to))\b"
    r"|\bnames? of (?:the )?(?:person|people|researchers?|officer|chief|ceo|organiser|"
    r"facilitator|author)|\b(?:email|phone number|contact details)\b",
    re.IGNORECASE,
)
_FULL_NAME = re.compile(r"\b[A-Z][a-z]+ (?:[A-Z]\.? ?)?[A-Z][a-z]{2,}\b")  # "Jane Smith"
_NOT_A_PERSON = re.compile(  # words of the organisations and places the documents name
    r"\b(?:Mind|UK|Foundation|University|Trust|Council|Alliance|Fund|Lottery|Side|England|"
    r"London|NHS|Academy|Network|Programme|Action|Health|Services?|Elefriends|Samaritans|"
    r"Bipolar|Depression|St|George's|School|Economics|Agenda|National|Big|Commission|Office|"
    r"Kingdom|Black|Minority|Ethnic|Peer|Support|Hearing|Voices|Women|Sample|Edition|The|This|"
    r"In|A|Local|Groups?|Community)\b"
)

KINDS = ("money", "number", "date", "name")


# ... by a role only a person holds ("who was the chief exec of Mind when it started?"): every
# such question of the development sets was one the documents do not answer unless a best
# sentence names the person (the Elefriends sentence naming the role was quoted for it twice)
_ROLE_ASK = re.compile(
    r"\bwho(?:'s| is| was| are| were)? (?:the )?(?:current |new |then )?(?:chief|chair|chairman|"
    r"chairwoman|chairperson|director|head|ceo|manager|officer|leader|founder|president|minister)\b"
    r"|\bwho (?:chaired|founded|headed)\b",
    re.IGNORECASE,
)


def asks_role_holder(text: str) -> bool:
    """Whether the clause asks who holds a role (a chief executive, a chair, a founder)."""
    return bool(_ROLE_ASK.search(text))


def asks_person(text: str) -> bool:
    """Whether the clause asks for a person by role, or a person's contact details."""
    return bool(_PERSON_ASK.search(text))


def names_person(sentence: str) -> bool:
    """Whether a sentence names a person (a full name that is no organisation or place)."""
    return any(not _NOT_A_PERSON.search(m.group()) for m in _FULL_NAME.finditer(sentence))


@dataclass(frozen=True)
class Asked:
    """One thing a question asks: its words and the kind of detail it wants (or None)."""

    text: str
    kind: str | None


@functools.lru_cache(maxsize=1 << 14)  # pure, and the same words come back in every passage
def stem(word: str) -> str:
    """A crude stemmer, enough to match 'venues'/'venue', 'meetings'/'meeting'/'meet' and
    'charges'/'charge' (the first six letters of what is left)."""
    word = word.replace("’", "'").split("'")[0]
    if len(word) > 4:
        if word.endswith("ies"):
            word = word[:-3] + "y"
        elif word.endswith(("sses", "xes", "zes", "ches", "shes")):
            word = word[:-2]
        elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
    for suffix in ("ing", "ed", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word[:6]


def content_words(text: str) -> list[str]:
    """The question's meaningful words, stemmed, in order (stop words dropped)."""
    return list(_content_words(text))


@functools.lru_cache(maxsize=1 << 11)  # the top passages' sentences are read several times
def _content_words(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in _WORD.findall(text.lower()) if w not in STOP and len(w) > 1)


def clauses(question: str) -> list[str]:
    """The question's sentences (and lines), each stripped; never empty for a non-empty text."""
    parts = [c.strip() for c in _CLAUSE_END.split(question) if c.strip()]
    return parts or [question.strip()]


def _is_question(clause: str) -> bool:
    words = clause.lower().split()
    return clause.rstrip().endswith("?") or bool(words and words[0].strip(",") in QUESTION_WORDS)


def asking_clause(question: str) -> str:
    """The clause that asks: the last one that reads as a question, else the last clause."""
    parts = clauses(question)
    asking = [c for c in parts if _is_question(c) and len(content_words(c)) >= _MIN_PART_WORDS]
    return (asking or [c for c in parts if _is_question(c)] or parts)[-1]


def kind_of(text: str) -> str | None:
    """The kind of detail a question (part) asks for: money, number, date, name, or None."""
    if _MONEY_ASK.search(text):
        return "money"
    if _NAME_ASK.search(text):
        return "name"
    if _DATE_ASK.search(text):
        return "date"
    if _NUMBER_ASK.search(text):
        return "number"
    return None


def parts(question: str) -> list[Asked]:
    """The separate things a question asks, in order; one item for a simple question.

    Question sentences of the message are parts (the context before them is not), and so are
    the halves of one sentence joined by "and what/how/..."; a question sentence with fewer
    than two content words ("any advice?") is not one.
    """
    pieces: list[str] = []
    for clause in clauses(question):
        if not _is_question(clause) or len(content_words(clause)) < _MIN_PART_WORDS:
            continue  # context, or "any advice?"
        split = [p.strip(" ,") for p in _PART_JOIN.split(clause) if p.strip(" ,")]
        pieces += [p for p in split if content_words(p)] if len(split) > 1 else [clause]
    if len(pieces) <= 1:
        return [Asked(question.strip(), kind_of(asking_clause(question)))]
    return [Asked(p, kind_of(p)) for p in pieces]


def gives(sentence: str, kind: str | None) -> bool:
    """Whether a sentence contains the kind of detail asked for (None: any sentence does)."""
    if kind is None or NOT_GIVEN.search(sentence):
        return True
    if kind == "money":
        return bool(_AMOUNT.search(sentence))
    if kind == "number":
        return bool(_NUMBER.search(sentence))
    if kind == "date":
        return bool(_DATE.search(sentence))
    return bool(_NAME.search(sentence))


def names(text: str) -> set[str]:
    """Capitalised words that are not the first of a sentence: places, services, people
    (not acronyms, which the documents often spell another way: BME, BAME)."""
    found: set[str] = set()
    for clause in clauses(text):
        words = re.findall(r"[A-Za-z][A-Za-z'’-]*", clause)
        for w in words[1:]:
            if w[0].isupper() and not w.isupper() and w.lower() not in STOP and w[:2] != "I'":
                found.add(w.lower())
    return found


# The detail a "how many / how long / how often / what share / by law" question wants, as what
# a sentence must contain to give it: "how many members" wants a number counting members ("three
# clusters of towns" is a number but not that one); "do we legally need" wants what the law says.
_NUMERAL = (
    r"(?:\d[\d,.]*%?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|"
    r"twenty|thirty|forty|fifty|hundred|thousand|million|dozen|several|a few|a couple of)"
)
_HOW_MANY = re.compile(
    r"\bhow many\s+(?:of\s+(?:the|our|their|its)\s+)?(?:\d[\d,.]*\s+)?([a-z]+)", re.IGNORECASE
)
_DURATION = re.compile(
    rf"\b{_NUMERAL}\b[\s-]+(?:\w+\s+)?(?:minutes?|hours?|days?|weeks?|months?|years?|sessions?)\b"
    r"|\b(?:an? |half an )(?:hour|day|week|month|year)\b",
    re.IGNORECASE,
)
_FREQUENCY = re.compile(
    r"\b(?:weekly|fortnightly|monthly|yearly|annually|daily|every|once|twice|each (?:week|month|"
    r"year)|a (?:week|month|year)|per (?:week|month|year))\b",
    re.IGNORECASE,
)
_SHARE = re.compile(
    r"%|\bper ?cent\b|\b(?:half|third|quarter|majority|minority|most|few|\w+ in (?:ten|\d+))\b",
    re.IGNORECASE,
)
_LEGAL_ASK = re.compile(
    r"\blegal(?:ly)?\b|\bby law\b|\bthe law\b|\bstatutory\b|\bobliged\b|\bmandatory\b"
    r"|\bcompulsory\b|\brequired to\b|\blegal requirement\b",
    re.IGNORECASE,
)
_LEGAL = re.compile(
    r"\blaw\b|\blegal|\bstatutory\b|\brequire|\bregulat|\bobliged\b|\bduty\b|\bmust\b|\bAct\b",
    re.IGNORECASE,
)


_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
)
_CALENDAR = re.compile(
    rf"\b(?:19|20)\d\d\b|\b{_MONTH}\b|\b(?:spring|summer|autumn|winter)\b", re.IGNORECASE
)
_CALENDAR_ASK = re.compile(
    r"\b(?:what|which) (?:date|year|month)\b|^when (?:is|was|did|does|were|will)\b"
    r"|\b(?:and|,) when (?:is|was|did|does|were|will)\b",
    re.IGNORECASE,
)


def wanted(text: str) -> re.Pattern[str] | None:
    """What a sentence must contain to give the detail `text` asks for, or None when it asks
    for no such detail (service/judge.py checks the best sentences against it)."""
    if _LEGAL_ASK.search(text):
        return _LEGAL
    counted = _HOW_MANY.search(text)
    if counted and counted.group(1).lower() not in STOP:
        unit = re.escape(stem(counted.group(1).lower())[:5])
        return re.compile(rf"\b{_NUMERAL}\b\W+(?:[\w-]+\W+){{0,3}}?{unit}", re.IGNORECASE)
    if re.search(r"\bhow long\b", text, re.IGNORECASE):
        return _DURATION
    if _CALENDAR_ASK.search(text):
        return _CALENDAR
    if re.search(r"\bhow often\b|\bhow frequently\b", text, re.IGNORECASE):
        return _FREQUENCY
    if re.search(r"\bwhat (?:percentage|proportion|share)\b|\bhow many of\b", text, re.IGNORECASE):
        return _SHARE
    if kind_of(text) == "money":
        return _AMOUNT
    return None


# The thing a detail question asks the detail of: "minimum *age*", "how many *grants*", "who is
# the current *head*", "what's the *address* of": a sentence can hold a number, a date or a
# name and still not give the asked one unless it names that thing too.
_FOCUS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\bhow many\s+(?:of\s+(?:the|our|their)\s+)?([a-z]+)",
        r"\b(?:minimum|maximum|max|min|average|typical|usual|ideal|exact)\s+"
        r"(?:number\s+of\s+|amount\s+of\s+)?([a-z]+)",
        r"\bwho(?:'s|\s+is|\s+was|\s+are)?\s+(?:the\s+)?(?:current\s+|new\s+)?([a-z]+)",
        r"\b(?:what|which|whats|what's)\s+(?:is\s+|are\s+|was\s+|were\s+)?(?:the\s+|their\s+|"
        r"its\s+|our\s+)?(?:(?:average|typical|usual|current|exact|best|next|main|latest|first)"
        r"\s+)?([a-z]+)",
        r"\b([a-z]+)\s+(?:number|address|details)\s+(?:for|of)\b",
        r"\b(?:the\s+)?([a-z]+)\s+of\b",
    )
]
_NOT_A_FOCUS = STOP | frozenset(
    "number amount kind sort type way best thing things one ones lot bit part much many long "
    "often".split()
)


def focus(text: str) -> str | None:
    """The stemmed word for what the asking clause of `text` wants a detail of, or None."""
    asking = asking_clause(text)
    for pattern in _FOCUS:
        for found in pattern.finditer(asking):
            word = found.group(1).lower()
            if word not in _NOT_A_FOCUS and len(word) > 2:
                return stem(word)
    return None


def mentions(words: set[str], focus_word: str) -> bool:
    """Whether stemmed `words` contain the focus word, allowing another ending ("age", "aged")."""
    return any(
        w.startswith(focus_word[:4]) or focus_word.startswith(w[:4]) for w in words if len(w) >= 3
    )
