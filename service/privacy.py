"""Redaction of personal data from questions and feedback before anything is stored (pure).

Questions about mental health are special-category personal data (UK GDPR): the query log keeps
only what helps improve the documents, with e-mail addresses (also written "sarah(at)example
(dot)com"), UK phone numbers, postcodes, NHS numbers (ten digits whose modulus-11 check digit
is right: other ten-digit numbers are left alone), dates (all-numeric ones, and any date after
"born" or "date of birth") and the names people give ("my name is ...", "I'm Sarah",
"Sarah Jones here") replaced by placeholders.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# "sarah(at)example(dot)com", "sarah [at] example [dot] co [dot] uk", "sarah at example dot com"
# (a plain " at " only with a spelled-out " dot ": "we meet at church.Then" is no address)
_AT = r"\s*[(\[]\s*at\s*[)\]]\s*"
_DOT = r"(?:\s*[(\[]\s*dot\s*[)\]]\s*|\s+dot\s+|\.)"
_SPELLED_EMAIL = re.compile(
    rf"\b[\w.+-]+(?:{_AT}[\w-]+(?:{_DOT}[\w-]+)+|\s+at\s+[\w-]+(?:\s+dot\s+[\w-]+)+)",
    re.IGNORECASE,
)
_NHS = re.compile(r"(?<![\d+])(\d{3})[\s-]?(\d{3})[\s-]?(\d{4})(?!\d)")
_PHONE = re.compile(r"(?<![\d\w])(?:\+\s?44\s?(?:\(0\)\s?)?|\(?0)(?:[\s()-]*\d){9,10}(?!\d)")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_NUMERIC_DATE = re.compile(r"(?<![\d/.-])\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}(?![\d/.-])")
_BIRTH_DATE = re.compile(
    rf"\b((?i:born(?:\s+on)?|d\.?o\.?b\.?|date\s+of\s+birth|birthday(?:\s+is)?)[:\s]+)"
    rf"((?i:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}(?:,?\s+\d{{2,4}})?"
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{2,4}})?"
    rf"|(?:in\s+)?(?:19|20)\d\d))"
)
_NAME = re.compile(
    r"\b((?i:my name is|my name's|my names|i am called|i'm called|im called|call me|"
    r"my (?:son|daughter|partner|wife|husband|friend|mum|dad|brother|sister) is called))"
    r"\s+([A-Za-z][a-z'-]+)(\s+[A-Z][a-z'-]+)?"
)
# "I'm Sarah", "I am Sarah Jones", "this is Sarah": only a capitalised word (lower case after
# "I'm" is how people describe themselves: "i'm worried", "I'm new")
_SELF_NAME = re.compile(r"\b((?i:i'm|i’m|im|i am|this is))\s+([A-Z][a-z'’-]+)(\s+[A-Z][a-z'’-]+)?")
# "Sarah here", "Sarah Jones here": at the start of the message or of a sentence
_HERE = re.compile(
    r"(^|[.!?]\s+|\n|(?i:\b(?:hi|hello|hey|dear all|morning|evening)\b),?\s+)"
    r"([A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)?)\s+here\b"
)
_NOT_NAMES = {
    "a", "an", "the", "not", "very", "so", "really", "just", "about", "worried", "from", "on",
    "at", "in", "back", "if", "when", "later", "anytime", "any", "whatever",
}  # fmt: skip
# Capitalised words after "I'm" / before "here" that are not names
_NOT_SELF_NAMES = {
    "a", "an", "the", "not", "new", "so", "really", "just", "also", "still", "now", "here",
    "there", "sorry", "worried", "afraid", "scared", "unsure", "sure", "going", "trying",
    "looking", "wondering", "thinking", "struggling", "writing", "asking", "running", "setting",
    "starting", "planning", "hoping", "feeling", "being", "having", "getting", "okay", "ok",
    "fine", "good", "well", "glad", "happy", "nervous", "anxious", "concerned", "confused",
    "english", "british", "welsh", "scottish", "irish", "christian", "muslim", "jewish",
    "autistic", "deaf", "blind", "disabled", "part", "one", "in", "on", "at", "with", "from",
    "of", "for", "to", "about", "over", "under", "me", "it", "this", "that", "what", "how",
    "why", "who", "when", "where", "is", "are", "we", "our", "my", "your", "group", "groups",
    "hi", "hello", "hey", "thanks", "please", "volunteering", "facilitator", "organiser",
    "coordinator", "chair", "secretary", "leader", "nhs", "mind", "side", "peer", "support",
}  # fmt: skip


def nhs_number_is_valid(digits: str) -> bool:
    """The NHS number's modulus-11 check: weights 10..2 on the first nine digits."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _nhs(m: re.Match[str]) -> str:
    return "[NHS number]" if nhs_number_is_valid("".join(m.groups())) else m.group(0)


def _name(m: re.Match[str]) -> str:
    if m.group(2).lower() in _NOT_NAMES:
        return m.group(0)
    return f"{m.group(1)} [name]"


def _self_name(m: re.Match[str]) -> str:
    if m.group(2).lower().replace("’", "'") in _NOT_SELF_NAMES:
        return m.group(0)
    return f"{m.group(1)} [name]"


def _here(m: re.Match[str]) -> str:
    if m.group(2).split()[0].lower() in _NOT_SELF_NAMES:
        return m.group(0)
    return f"{m.group(1)}[name] here"


def redact(text: str) -> str:
    """The text with personal identifiers replaced by [email], [phone], [postcode], ..."""
    text = _EMAIL.sub("[email]", text)
    text = _SPELLED_EMAIL.sub("[email]", text)
    text = _NUMERIC_DATE.sub("[date]", text)
    text = _BIRTH_DATE.sub(lambda m: f"{m.group(1)}[date of birth]", text)
    text = _PHONE.sub("[phone]", text)
    text = _NHS.sub(_nhs, text)
    text = _POSTCODE.sub("[postcode]", text)
    text = _NAME.sub(_name, text)
    text = _SELF_NAME.sub(_self_name, text)
    return _HERE.sub(_here, text)
