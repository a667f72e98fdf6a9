"""Outbox: retry horizon in time and requeue of failed mail (issue 6, Part 3 §2).

``retry_since`` starts the MAIL_RETRY_HOURS horizon at a message's first temporary
rejection; ``failed_at`` lets ``requeue-mail --failed-since`` pick failed mail. The
new status ``dropped`` needs no DDL: the status column is a VARCHAR enum.

Revision ID: 5c1e0f3a9b21
Revises: 389a8e3c4f98
Create Date: 2026-12-01 14:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "5c1e0f3a9b21"
down_revision = "389a8e3c4f98"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retry_since", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("failed_at", sa.DateTime(), nullable=True))
    # Mail that failed before this revision counts as failed when it was last tried.
    op.execute("UPDATE outbox_message SET failed_at = next_attempt_at WHERE status = 'failed'")


def downgrade():
    op.execute("UPDATE outbox_message SET status = 'failed' WHERE status = 'dropped'")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("failed_at")
        batch_op.drop_column("retry_since")
