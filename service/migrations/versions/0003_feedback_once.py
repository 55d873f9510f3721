"""One feedback row per query_id (a second opinion on the same answer replaces the first).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # keep the latest row of each query_id, then make the index unique
    op.execute(
        sa.text(
            "DELETE FROM feedback WHERE id NOT IN (SELECT MAX(id) FROM feedback GROUP BY query_id)"
        )
    )
    op.drop_index("ix_feedback_query_id", table_name="feedback")
    op.create_index("ix_feedback_query_id", "feedback", ["query_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_feedback_query_id", table_name="feedback")
    op.create_index("ix_feedback_query_id", "feedback", ["query_id"])
