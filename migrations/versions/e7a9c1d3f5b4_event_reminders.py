"""Reminders (issue 8 Part 3): ``event.reminder_offsets`` and the ``reminder_sent`` record.

Existing events get the default reminders, a day and an hour before the start.

Revision ID: e7a9c1d3f5b4
Revises: c4e6f8a0b2d3
Create Date: 2026-12-02 14:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e7a9c1d3f5b4"
down_revision = "c4e6f8a0b2d3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminder_offsets", sa.JSON(), server_default=sa.text("'[1440, 60]'"), nullable=False)
        )
    op.create_table(
        "reminder_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("offset_minutes", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f("fk_reminder_sent_registration_id_registration"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_sent")),
        sa.UniqueConstraint(
            "registration_id", "offset_minutes", "starts_at", name="uq_reminder_sent_registration"
        ),
    )


def downgrade():
    op.drop_table("reminder_sent")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("reminder_offsets")
