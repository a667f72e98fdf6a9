"""Handover: a registration offered to a colleague until the new address confirms (Vertretung).

Revision ID: 85ea999ab05e
Revises: 5c1e0f3a9b21
Create Date: 2026-12-01 14:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "85ea999ab05e"
down_revision = "5c1e0f3a9b21"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "handover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        # The new person's details, in the shape of every personal record (models.PersonalData).
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("organization", sa.String(length=200), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("privacy_consent_version", sa.String(length=40), nullable=False),
        sa.Column("privacy_consent_at", sa.DateTime(), nullable=True),
        sa.Column("sensitive_consent_at", sa.DateTime(), nullable=True),
        sa.Column("anonymised_at", sa.DateTime(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_handover_person_id_person")),
        sa.ForeignKeyConstraint(
            ["registration_id"], ["registration.id"], name=op.f("fk_handover_registration_id_registration")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover")),
        sa.UniqueConstraint("token", name=op.f("uq_handover_token")),
    )
    with op.batch_alter_table("handover", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handover_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_handover_registration_id"), ["registration_id"], unique=False)


def downgrade():
    with op.batch_alter_table("handover", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handover_registration_id"))
        batch_op.drop_index(batch_op.f("ix_handover_person_id"))
    op.drop_table("handover")
