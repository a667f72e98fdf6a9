"""Attendance as DESIGN §3 has it: one record per registration and mode, nonces unique per device or user.

Drops the ``direction`` column and its partial index (an undo deletes the door record, the audit
trail keeps both; exit scans are out of scope) and the global uniqueness of ``nonce``. Adds who
recorded an arrival: the check-in device (its table comes with the check-in API) or the staff user.
Nothing wrote attendance before this revision, so no rows need converting.

Revision ID: c4e6a8b0d2f1
Revises: c4e8a2f6b1d3
Create Date: 2026-12-02 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c4e6a8b0d2f1"
down_revision = "c4e8a2f6b1d3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_attendance_in", sqlite_where=sa.text("direction = 'in'"), postgresql_where=sa.text("direction = 'in'")
        )
        batch_op.drop_constraint("uq_attendance_nonce", type_="unique")
        batch_op.drop_column("direction")
        batch_op.add_column(sa.Column("device_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_attendance_user_id_user_account"), "user_account", ["user_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_attendance_device_id"), ["device_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attendance_user_id"), ["user_id"], unique=False)
        batch_op.create_unique_constraint("uq_attendance_registration_mode", ["registration_id", "mode"])
        batch_op.create_unique_constraint("uq_attendance_device_nonce", ["device_id", "nonce"])
        batch_op.create_unique_constraint("uq_attendance_user_nonce", ["user_id", "nonce"])


def downgrade():
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_constraint("uq_attendance_user_nonce", type_="unique")
        batch_op.drop_constraint("uq_attendance_device_nonce", type_="unique")
        batch_op.drop_constraint("uq_attendance_registration_mode", type_="unique")
        batch_op.drop_index(batch_op.f("ix_attendance_user_id"))
        batch_op.drop_index(batch_op.f("ix_attendance_device_id"))
        batch_op.drop_constraint(batch_op.f("fk_attendance_user_id_user_account"), type_="foreignkey")
        batch_op.drop_column("user_id")
        batch_op.drop_column("device_id")
        batch_op.add_column(
            sa.Column(
                "direction",
                sa.Enum("in", "out", name="direction", native_enum=False, length=20),
                nullable=False,
                server_default="in",
            )
        )
        batch_op.create_unique_constraint("uq_attendance_nonce", ["nonce"])
        batch_op.create_index(
            "uq_attendance_in",
            ["registration_id", "event_id"],
            unique=True,
            sqlite_where=sa.text("direction = 'in'"),
            postgresql_where=sa.text("direction = 'in'"),
        )
