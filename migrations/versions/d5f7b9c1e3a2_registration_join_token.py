"""Personal join links: ``registration.join_token`` (DESIGN §5 ``/j/<token>``).

Every registration that already holds a ticket gets its join link now, as new seats do.

Revision ID: d5f7b9c1e3a2
Revises: c4e6a8f0b2d3
Create Date: 2026-12-02 11:00:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "d5f7b9c1e3a2"
down_revision = "c4e6a8f0b2d3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("join_token", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_registration_join_token"), ["join_token"])
    connection = op.get_bind()
    registration = sa.table("registration", sa.column("id", sa.Integer), sa.column("join_token", sa.String))
    ticketed = connection.execute(sa.text("SELECT id FROM registration WHERE ticket_id IS NOT NULL")).scalars()
    for registration_id in list(ticketed):
        connection.execute(
            registration.update()
            .where(registration.c.id == registration_id)
            .values(join_token=secrets.token_urlsafe(24))
        )


def downgrade():
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_registration_join_token"), type_="unique")
        batch_op.drop_column("join_token")
