"""User accounts: admins, organizers, check-in staff; their organizations and staff assignments (issue 7).

Revision ID: 7a1c2d3e4f50
Revises: 4f1c2a7d9e10
Create Date: 2026-12-01 15:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "7a1c2d3e4f50"
down_revision = "4f1c2a7d9e10"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column(
            "role",
            sa.Enum("admin", "organizer", "staff", name="user_role", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("auth_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
    )
    op.create_table(
        "user_organization",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_user_organization_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_user_organization_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "organization_id", name=op.f("pk_user_organization")),
    )
    with op.batch_alter_table("user_organization", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_organization_organization_id"), ["organization_id"], unique=False)
    op.create_table(
        "staff_assignment",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_staff_assignment_event_id_event"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_staff_assignment_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "event_id", name=op.f("pk_staff_assignment")),
    )
    with op.batch_alter_table("staff_assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_assignment_event_id"), ["event_id"], unique=False)


def downgrade():
    with op.batch_alter_table("staff_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_assignment_event_id"))
    op.drop_table("staff_assignment")
    with op.batch_alter_table("user_organization", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_organization_organization_id"))
    op.drop_table("user_organization")
    op.drop_table("user_account")
