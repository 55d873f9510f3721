"""Staff accounts: argon2id password hashes, sign-in throttling and the audit log.

Throttling counts failed sign-ins in the database, per account and per client (a salted hash
of the address, never the address), so that it holds across workers and replicas sharing one
database and does not depend on the API's rate-limit settings.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .tables import admin_users, audit, login_failures

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MIN_PASSWORD = 12


@dataclass(frozen=True)
class Admin:
    id: int
    email: str
    session_epoch: int


@dataclass(frozen=True)
class Throttle:
    """Whether sign-in is refused for now, and for how many more seconds."""

    blocked: bool
    retry_after: int = 0


def now() -> datetime:
    return datetime.now(UTC)


def normal_email(email: str) -> str:
    return email.strip().lower()


def check_new_account(email: str, password: str) -> None:
    """Raise ValueError with the reason when the email or password is not acceptable."""
    if not EMAIL.fullmatch(normal_email(email)):
        raise ValueError(f"{email!r} is not an email address")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password must be at least {MIN_PASSWORD} characters long")


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so that a miss costs as long as a wrong
    password (made on first use: hashing takes time and memory a worker's start-up need not)."""
    return _hasher.hash("not a password anyone has")


class Accounts:
    def __init__(self, engine: sa.Engine, secret: str) -> None:
        self.engine = engine
        self.secret = secret

    # accounts ---------------------------------------------------------------------------------

    def create(self, email: str, password: str) -> None:
        check_new_account(email, password)
        email = normal_email(email)
        with self.engine.begin() as conn:
            taken = sa.select(admin_users.c.id).where(admin_users.c.email == email)
            if conn.execute(taken).first():
                raise ValueError(f"an account for {email} already exists")
            conn.execute(
                admin_users.insert().values(
                    email=email,
                    password_hash=_hasher.hash(password),
                    session_epoch=0,
                    created_at=now(),
                )
            )

    def list(self) -> list[dict]:
        cols = (admin_users.c.email, admin_users.c.created_at, admin_users.c.last_sign_in_at)
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(*cols).order_by(admin_users.c.email))
            return [dict(r._mapping) for r in rows]

    def remove(self, email: str) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                admin_users.delete().where(admin_users.c.email == normal_email(email))
            )
        return result.rowcount > 0

    def get(self, admin_id: int) -> Admin | None:
        cols = (admin_users.c.id, admin_users.c.email, admin_users.c.session_epoch)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(*cols).where(admin_users.c.id == admin_id)).first()
        return Admin(row.id, row.email, row.session_epoch) if row else None

    def verify(self, email: str, password: str) -> Admin | None:
        """The account when the password is right (rehashing it if the parameters changed)."""
        email = normal_email(email)
        with self.engine.connect() as conn:
            row = conn.execute(admin_users.select().where(admin_users.c.email == email)).first()
        try:
            _hasher.verify(row.password_hash if row else _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        values: dict = {"last_sign_in_at": now()}
        if _hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = _hasher.hash(password)
        with self.engine.begin() as conn:
            conn.execute(admin_users.update().where(admin_users.c.id == row.id).values(**values))
        return Admin(row.id, row.email, row.session_epoch)

    def end_sessions(self, admin_id: int) -> None:
        """Sign the account out everywhere: cookies carry the epoch they were issued under."""
        with self.engine.begin() as conn:
            conn.execute(
                admin_users.update()
                .where(admin_users.c.id == admin_id)
                .values(session_epoch=admin_users.c.session_epoch + 1)
            )

    # throttling -------------------------------------------------------------------------------

    def _key(self, kind: str, value: str) -> str:
        return hashlib.sha256(f"{self.secret}:{kind}:{value}".encode()).hexdigest()

    def throttle(
        self, email: str, client: str, limits: tuple[int, int], window: timedelta
    ) -> Throttle:
        """Refuse when the account or the client had `limits` (account, client) failures in
        the last `window`; retry when the oldest of those falls out of it."""
        since = now() - window
        waits = []
        with self.engine.connect() as conn:
            for key, limit in (
                (self._key("account", normal_email(email)), limits[0]),
                (self._key("client", client), limits[1]),
            ):
                times = conn.execute(
                    sa.select(login_failures.c.created_at)
                    .where(login_failures.c.key == key, login_failures.c.created_at >= since)
                    .order_by(login_failures.c.created_at.desc())
                    .limit(limit)
                ).scalars()
                times = [_aware(t) for t in times]
                if len(times) >= limit:
                    waits.append((times[-1] + window - now()).total_seconds())
        if not waits:
            return Throttle(False)
        return Throttle(True, max(1, int(max(waits)) + 1))

    def record_failure(self, email: str, client: str, window: timedelta) -> None:
        at = now()
        keys = (self._key("account", normal_email(email)), self._key("client", client))
        with self.engine.begin() as conn:
            conn.execute(login_failures.delete().where(login_failures.c.created_at < at - window))
            conn.execute(login_failures.insert(), [{"key": k, "created_at": at} for k in keys])

    def clear_failures(self, email: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                login_failures.delete().where(
                    login_failures.c.key == self._key("account", normal_email(email))
                )
            )

    # audit log --------------------------------------------------------------------------------

    def log(self, email: str, action: str, detail: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                audit.insert().values(
                    created_at=now(), email=email, action=action, detail=(detail or "")[:500]
                )
            )

    def recent(self, limit: int = 20) -> list[dict]:
        stmt = audit.select().order_by(audit.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]


def _aware(value: datetime) -> datetime:
    """SQLite gives back naive datetimes; everything here is stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
