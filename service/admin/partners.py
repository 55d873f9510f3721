"""Partners' keys from the console: storage.Storage makes, lists and revokes them; setting a
key's own rate limit is the one operation it lacks, done here on its table."""

from __future__ import annotations

from limits import parse_many

from ..storage import Storage, api_keys


def check_limit(value: str) -> str | None:
    """A rate limit such as '1200/minute' or '20/second;10000/day'; '' means the default."""
    value = value.strip()
    if not value:
        return None
    try:
        parse_many(value)
    except ValueError as exc:
        raise ValueError(
            f"{value!r} is not a rate limit: write e.g. 1200/minute or 20/second;10000/day"
        ) from exc
    return value


def set_limit(storage: Storage, name: str, rate_limit: str | None) -> bool:
    """Give the live key `name` its own limit (None: the partners' default)."""
    with storage.engine.begin() as conn:
        result = conn.execute(
            api_keys.update()
            .where(api_keys.c.name == name, api_keys.c.revoked_at.is_(None))
            .values(rate_limit=rate_limit)
        )
    return result.rowcount > 0
