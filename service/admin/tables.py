"""The admin console's tables (created by migration 0002; the service's own are in storage)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

admin_users = sa.Table(
    "admin_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    # bumped on sign-out: every session cookie issued before it stops working
    sa.Column("session_epoch", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_sign_in_at", sa.DateTime(timezone=True)),
)
# Failed sign-ins, one row per failure and per key (a hash of the account or of the client's
# address): counted over a window to throttle guessing, across workers and replicas.
login_failures = sa.Table(
    "admin_login_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(64), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
)
audit = sa.Table(
    "admin_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("action", sa.String(50), nullable=False),
    sa.Column("detail", sa.String(500)),
)
# Crisis resources edited in the console; when the table has rows they replace the configured
# TOOLKIT_CRISIS_RESOURCES (service.admin.resources.current).
crisis_resources = sa.Table(
    "admin_crisis_resources",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("contact", sa.String(300), nullable=False),
    sa.Column("url", sa.String(500), nullable=False),
    sa.Column("reviewed", sa.Date),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(254), nullable=False),
)
