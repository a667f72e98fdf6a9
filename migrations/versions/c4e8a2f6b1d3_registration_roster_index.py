"""Index for the organizer's registration list: an event's registrations by name (issue 7 Part 4).

Revision ID: c4e8a2f6b1d3
Revises: b3d5e7f9a1c2
Create Date: 2026-12-01 16:30:00

"""

from alembic import op

revision = "c4e8a2f6b1d3"
down_revision = "b3d5e7f9a1c2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.create_index(
            "ix_registration_event_names", ["event_id", "family_name", "given_name", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_index("ix_registration_event_names")
