"""Redaction of personal data from questions before anything is stored (pure).

Questions about mental health are special-category personal data (UK GDPR): the query log keeps
only what helps improve the documents, with e-mail addresses, UK phone numbers, postcodes, NHS
numbers and the names people give ("my name is ...") replaced by placeholders.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NHS = re.compile(r"(?<![\d+])\d{3}[\s-]?\d{3}[\s-]?\d{4}(?!\d)")
_PHONE = re.compile(r"(?<![\d\w])(?:\+\s?44\s?(?:\(0\)\s?)?|\(?0)(?:[\s()-]*\d){9,10}(?!\d)")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_NAME = re.compile(
    r"\b((?i:my name is|my name's|my names|i am called|i'm called|im called|call me|"
    r"my (?:son|daughter|partner|wife|husband|friend|mum|dad|brother|sister) is called))"
    r"\s+([A-Za-z][a-z'-]+)(\s+[A-Z][a-z'-]+)?"
)
_NOT_NAMES = {
    "a", "an", "the", "not", "very", "so", "really", "just", "about", "worried", "from", "on",
    "at", "in", "back", "if", "when", "later", "anytime", "any", "whatever",
}  # fmt: skip


def _name(m: re.Match[str]) -> str:
    if m.group(2).lower() in _NOT_NAMES:
        return m.group(0)
    return f"{m.group(1)} [name]"


def redact(text: str) -> str:
    """The text with personal identifiers replaced by [email], [phone], [postcode], ..."""
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub("[phone]", text)
    text = _NHS.sub("[NHS number]", text)
    text = _POSTCODE.sub("[postcode]", text)
    return _NAME.sub(_name, text)
