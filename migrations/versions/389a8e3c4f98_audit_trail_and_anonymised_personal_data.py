"""Audit trail (who did what, DESIGN §2 "Verlauf") and anonymised_at on personal data.

Revision ID: 389a8e3c4f98
Revises: be7ecbb7bac4
Create Date: 2026-12-01 13:49:16.388360

"""

import sqlalchemy as sa
from alembic import op

revision = "389a8e3c4f98"
down_revision = "be7ecbb7bac4"
branch_labels = None
depends_on = None

ACTOR_KIND = sa.Enum("attendee", "user", "device", "system", name="actor_kind", native_enum=False, length=20)


def upgrade():
    # Actor and object without foreign keys: users and devices come later, and a
    # history must outlive what it talks about.
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_kind", ACTOR_KIND, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        # "History of one registration" and "of one event", in order.
        batch_op.create_index("ix_audit_entry_object", ["object_type", "object_id", "id"], unique=False)
        batch_op.create_index("ix_audit_entry_event", ["event_id", "id"], unique=False)

    for table in ("registration", "series_registration"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(), nullable=True))


def downgrade():
    for table in ("series_registration", "registration"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("anonymised_at")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_event")
        batch_op.drop_index("ix_audit_entry_object")
    op.drop_table("audit_entry")
