"""Messages to registrants: the message record and the outbox rows that deliver it (issue 7 Part 5).

Revision ID: d7f3b9a1e5c2
Revises: e7c1a9d3b5f2
Create Date: 2026-12-01 16:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "d7f3b9a1e5c2"
down_revision = "e7c1a9d3b5f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "event_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_label", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("fk_event_message_event_id_event")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_message")),
    )
    with op.batch_alter_table("event_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_message_event_id"), ["event_id"], unique=False)
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_message_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_message_event_message_id"), ["event_message_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_message_event_message_id_event_message"), "event_message", ["event_message_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbox_message_event_message_id_event_message"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_outbox_message_event_message_id"))
        batch_op.drop_column("event_message_id")
    with op.batch_alter_table("event_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_message_event_id"))
    op.drop_table("event_message")
