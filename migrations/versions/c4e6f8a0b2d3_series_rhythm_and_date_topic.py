"""A series' recurrence rule and a topic per event (issue 7 Part 3: series from a rhythm).

Revision ID: c4e6f8a0b2d3
Revises: d5f7b9c1e3a2
Create Date: 2026-12-01 16:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c4e6f8a0b2d3"
down_revision = "d5f7b9c1e3a2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rrule", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topic", sa.String(length=200), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("topic")
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.drop_column("rrule")
