"""Request bodies as JSON that nothing downstream can choke on.

Two bodies well inside the 16 KB limit made every endpoint 500: arrays nested 3,000 deep (the
JSON decoder runs out of recursion and raises RecursionError, which is not the ValueError that
Flask turns into "not valid JSON"), and lone surrogates such as "\\ud800" (valid JSON escapes,
but no UTF-8 encodes them, so the database and the log fail on them). Here the first is a
ValueError (a 400), and lone surrogates become U+FFFD, so a message is still read (a crisis
message with a broken emoji still gets its signposting). APIFlask's request parser (webargs)
reads bodies with the standard json module; it is made to use this one too.
"""

from __future__ import annotations

import re
from typing import Any

from apiflask.schema_adapters.marshmallow import parser
from flask import Flask, Request
from flask.json.provider import DefaultJSONProvider
from webargs import core
from webargs.flaskparser import is_json_request

_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _clean(value: Any) -> Any:
    """`value` with every lone surrogate in its strings (keys too) replaced; iterative."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if not isinstance(value, dict | list):
        return value
    root: list = [value]
    stack: list = [(root, 0)]
    while stack:
        container, key = stack.pop()
        item = container[key]
        if isinstance(item, str):
            container[key] = _SURROGATE.sub("\ufffd", item)
        elif isinstance(item, list):
            stack.extend((item, i) for i in range(len(item)))
        elif isinstance(item, dict):
            if any(isinstance(k, str) and _SURROGATE.search(k) for k in item):
                fixed = {_SURROGATE.sub("\ufffd", k): v for k, v in item.items()}
                item.clear()
                item.update(fixed)
            stack.extend((item, k) for k in item)
    return root[0]


class SafeJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("JSON nested too deeply") from exc
        return _clean(value)


def _load_json(request: Request, schema: object) -> Any:
    """webargs' JSON location through the app's provider (and Flask's cache of the body)."""
    if not is_json_request(request):
        return core.missing
    data = request.get_json(silent=True)
    return core.missing if data is None else data


def init_app(app: Flask) -> None:
    """Parse request bodies with SafeJSONProvider (keeping the current provider's settings)."""
    provider = SafeJSONProvider(app)
    for name in ("sort_keys", "ensure_ascii", "compact", "mimetype"):
        setattr(provider, name, getattr(app.json, name))
    app.json = provider
    # on this parser instance only (the class's map is shared by every webargs parser)
    parser.__location_map__ = {**parser.__location_map__, "json": _load_json}
