"""The outbox by event and status: the dashboard's mail figures read an index, not every mail ever sent.

Revision ID: e5a9c3d7f1b4
Revises: d7f3b9a1e5c2
Create Date: 2026-12-01 17:00:00

"""

from alembic import op

revision = "e5a9c3d7f1b4"
down_revision = "d7f3b9a1e5c2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_outbox_message_event_status", "outbox_message", ["event_id", "status"], unique=False)


def downgrade():
    op.drop_index("ix_outbox_message_event_status", table_name="outbox_message")
