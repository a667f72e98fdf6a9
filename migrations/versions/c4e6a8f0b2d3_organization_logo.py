"""An organization's logo: re-encoded PNG or JPEG bytes, their type and digest (issue 7 Part 7).

Revision ID: c4e6a8f0b2d3
Revises: c4e6a8b0d2f1
Create Date: 2026-12-01 16:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c4e6a8f0b2d3"
down_revision = "c4e6a8b0d2f1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(sa.Column("logo", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("logo_type", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("logo_digest", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_column("logo_digest")
        batch_op.drop_column("logo_type")
        batch_op.drop_column("logo")
