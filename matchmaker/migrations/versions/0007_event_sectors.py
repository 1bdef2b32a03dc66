"""event sectors

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 17:18:03.356755

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # The sectors in focus move from a JSON list on each event to rows, in their order. They are
    # read first: on SQLite, dropping the column rebuilds `events`, and with foreign keys on that
    # would delete the rows of a table that refers to it.
    connection = op.get_bind()
    events = sa.table('events', sa.column('id', sa.Integer), sa.column('sectors', sa.JSON))
    rows = [{'event_id': event_id, 'sector_code': code, 'position': position}
            for event_id, sectors in connection.execute(sa.select(events.c.id, events.c.sectors))
            for position, code in enumerate(dict.fromkeys(sectors or []))]

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('sectors')

    op.create_table('event_sectors',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('sector_code', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_sectors_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'sector_code', name=op.f('pk_event_sectors'))
    )
    with op.batch_alter_table('event_sectors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_sectors_sector_code'), ['sector_code'], unique=False)

    links = sa.table('event_sectors', sa.column('event_id', sa.Integer), sa.column('sector_code', sa.String),
                     sa.column('position', sa.Integer))
    if rows:
        connection.execute(links.insert(), rows)


def downgrade():
    connection = op.get_bind()
    links = sa.table('event_sectors', sa.column('event_id', sa.Integer), sa.column('sector_code', sa.String),
                     sa.column('position', sa.Integer))
    by_event = {}
    for event_id, code in connection.execute(
            sa.select(links.c.event_id, links.c.sector_code).order_by(links.c.event_id, links.c.position)):
        by_event.setdefault(event_id, []).append(code)

    with op.batch_alter_table('event_sectors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_sectors_sector_code'))
    op.drop_table('event_sectors')

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sectors', sa.JSON(), nullable=False, server_default='[]'))
    events = sa.table('events', sa.column('id', sa.Integer), sa.column('sectors', sa.JSON))
    for event_id, codes in by_event.items():
        connection.execute(events.update().where(events.c.id == event_id).values(sectors=codes))
