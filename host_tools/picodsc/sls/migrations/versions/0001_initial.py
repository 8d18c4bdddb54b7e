"""initial schema of the login service

Revision ID: 0001
Revises:
"""

from alembic import op

from picodsc.sls import tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The first revision builds the tables as tables.py defines them today. The next schema change adds a
# revision with explicit op.* calls and freezes this one (copy today's Table definitions in here).


def upgrade():
    tables.metadata.create_all(op.get_bind())


def downgrade():
    tables.metadata.drop_all(op.get_bind())
