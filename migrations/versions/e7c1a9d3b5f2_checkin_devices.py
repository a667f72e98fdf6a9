"""Check-in devices (issue 9 Part 2): a station's hashed Bearer token per event; attendance names its device.

Revision ID: e7c1a9d3b5f2
Revises: e7a9c1d3f5b4
Create Date: 2026-12-01 17:40:00

"""

import sqlalchemy as sa
from alembic import op


revision = "e7c1a9d3b5f2"
down_revision = "e7a9c1d3f5b4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "checkin_device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("station", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], name=op.f("fk_checkin_device_created_by_id_user_account")),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("fk_checkin_device_event_id_event")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_device")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_checkin_device_token_hash")),
    )
    with op.batch_alter_table("checkin_device", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkin_device_event_id"), ["event_id"], unique=False)
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_attendance_device_id_checkin_device"), "checkin_device", ["device_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_attendance_device_id_checkin_device"), type_="foreignkey")
    with op.batch_alter_table("checkin_device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_device_event_id"))
    op.drop_table("checkin_device")
