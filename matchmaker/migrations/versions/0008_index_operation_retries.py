"""index operation retries

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 15:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('index_operations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('retry_after', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('index_operations', schema=None) as batch_op:
        batch_op.drop_column('last_error')
        batch_op.drop_column('retry_after')
        batch_op.drop_column('attempts')
