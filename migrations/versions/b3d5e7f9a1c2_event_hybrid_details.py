"""Hybrid details of an event: join, livestream and recording URLs and dial-in (issue 7 Part 3).

Revision ID: b3d5e7f9a1c2
Revises: 7a1c2d3e4f50
Create Date: 2026-12-01 15:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b3d5e7f9a1c2"
down_revision = "7a1c2d3e4f50"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("join_url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("livestream_url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("dial_in", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("recording_url", sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("recording_url")
        batch_op.drop_column("dial_in")
        batch_op.drop_column("livestream_url")
        batch_op.drop_column("join_url")
