"""Requests for lost manage links ("Anmeldung wiederfinden"), answered by the worker.

Revision ID: 4f1c2a7d9e10
Revises: 85ea999ab05e
Create Date: 2026-12-01 14:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "4f1c2a7d9e10"
down_revision = "85ea999ab05e"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "link_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_request")),
    )
    with op.batch_alter_table("link_request", schema=None) as batch_op:
        # The per-address limit looks up an address's recent requests.
        batch_op.create_index("ix_link_request_email_created", ["email", "created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("link_request", schema=None) as batch_op:
        batch_op.drop_index("ix_link_request_email_created")
    op.drop_table("link_request")
