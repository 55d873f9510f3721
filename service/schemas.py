"""Request and response schemas: the same classes validate requests and write the OpenAPI."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Float, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range, Regexp

MAX_QUESTION_CHARS = 1000


# Spelled out so that Python and JSON Schema (ECMA-262) agree on what whitespace is.
NOT_BLANK = Regexp(r"[ \t\n\r\f\v]*[^ \t\n\r\f\v]", error="Must not be empty or only whitespace.")


def _text(description: str) -> String:
    return String(
        required=True,
        validate=[Length(max=MAX_QUESTION_CHARS), NOT_BLANK],
        metadata={"description": description},
    )


class WholeNumber(Integer):
    """An integer as JSON Schema means it: 5 or 5.0, never "5", 2.5 or true."""

    def _validated(self, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return int(value)


class JsonBoolean(Boolean):
    """true or false only: not 0/1 (which equal False/True in Python), not "yes"."""

    def _deserialize(self, value: object, attr, data, **kwargs) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def _k(default: int) -> Integer:
    return WholeNumber(
        load_default=default,
        validate=Range(min=1, max=50),
        metadata={"description": "how many passages to return (1-50)"},
    )


class SearchIn(Schema):
    query = _text("what to look for, in everyday words")
    k = _k(5)


MAX_HISTORY_ITEMS = 10


class TurnIn(Schema):
    role = String(required=True, validate=OneOf(["user", "assistant"]))
    content = String(required=True, validate=Length(min=1, max=MAX_QUESTION_CHARS))


class AskIn(Schema):
    question = _text("the question, as a group organiser would type it")
    k = _k(5)
    history = List(
        Nested(TurnIn),
        load_default=list,
        validate=Length(max=MAX_HISTORY_ITEMS),
        metadata={
            "description": "the conversation so far, oldest first (at most 10 messages of at "
            "most 1000 characters): a follow-up is answered in its context; never logged"
        },
    )


class FeedbackIn(Schema):
    query_id = String(required=True, validate=Length(min=1, max=64))
    helpful = JsonBoolean(required=True)
    reason = String(load_default=None, allow_none=True, validate=Length(max=500))


class DocumentRef(Schema):
    id = String()
    title = String()
    filename = String()


class Citation(Schema):
    n = Integer()
    document = Nested(DocumentRef)
    page_start = Integer(metadata={"description": "1-based physical page (what #page=N opens)"})
    page_end = Integer()
    page_label = String(allow_none=True, metadata={"description": "printed page label, if any"})
    section = String(allow_none=True)
    text = String()
    score = Float()
    url = String(metadata={"description": "opens the PDF at page_start"})
    viewer_url = String(
        metadata={
            "description": "opens the service's own viewer at page_start with the quoted "
            "sentences highlighted (works on phones; no third-party requests)"
        }
    )


class SearchOut(Schema):
    results = List(Nested(Citation))


class ResourceOut(Schema):
    name = String()
    contact = String()
    url = String()


class ResourceInfo(ResourceOut):
    reviewed = String(
        allow_none=True, metadata={"description": "when its number and hours were last checked"}
    )


class ResourcesOut(Schema):
    resources = List(Nested(ResourceInfo))


class SafetyOut(Schema):
    crisis = Boolean()
    message = String(allow_none=True)
    resources = List(Nested(ResourceOut))


class AskOut(Schema):
    answer = String()
    answered = Boolean()
    citations = List(Nested(Citation))
    safety = Nested(SafetyOut)
    query_id = String()


class DocumentOut(Schema):
    id = String()
    title = String()
    filename = String()
    pages = Integer()
    url = String()


class DocumentsOut(Schema):
    documents = List(Nested(DocumentOut))


class IndexInfo(Schema):
    version = String()
    built_at = String()
    documents = Integer()
    chunks = Integer()


class HealthOut(Schema):
    status = String(validate=OneOf(["ok"]))
    index = Nested(IndexInfo)
    model = String()


class FeedbackOut(Schema):
    status = String()
