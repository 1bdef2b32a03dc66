"""cooperation projects

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:10:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # Cooperation projects, their partners, their history and sectors; the demonstration library
    # fields live on `projects` (one row per project, at most one library entry). Users may turn project
    # notifications off like the other kinds.
    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=True),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('type_code', sa.String(length=40), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('students_trained', sa.Integer(), nullable=False),
    sa.Column('apprentices', sa.Integer(), nullable=False),
    sa.Column('teachers_placed', sa.Integer(), nullable=False),
    sa.Column('mentors', sa.Integer(), nullable=False),
    sa.Column('school_investment', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('enterprise_investment', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('outcomes', sa.Text(), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('majors', sa.JSON(), nullable=False),
    sa.Column('occupations', sa.JSON(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('library_status', sa.String(length=20), nullable=True),
    sa.Column('nominated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('nominated_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('review_notes', sa.JSON(), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_projects_created_by_id_users')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_projects_event_id_events')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_projects_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['nominated_by_id'], ['users.id'], name=op.f('fk_projects_nominated_by_id_users')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_projects_reviewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects')),
    sa.UniqueConstraint('ref', name=op.f('uq_projects_ref'))
    )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_library_status'), ['library_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_type_code'), ['type_code'], unique=False)

    op.create_table('project_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('occurred_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_project_changes_actor_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_changes_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_changes'))
    )
    with op.batch_alter_table('project_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_changes_project_id'), ['project_id'], unique=False)

    op.create_table('project_partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_project_partners_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_project_partners_organization_id_organizations')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_partners_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_partners')),
    sa.UniqueConstraint('project_id', 'organization_id', name=op.f('uq_project_partners_project_id'))
    )
    with op.batch_alter_table('project_partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_partners_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_partners_project_id'), ['project_id'], unique=False)

    op.create_table('project_sectors',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('sector_code', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_sectors_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'sector_code', name=op.f('pk_project_sectors'))
    )
    with op.batch_alter_table('project_sectors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_sectors_sector_code'), ['sector_code'], unique=False)

    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('project', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.drop_column('project')
    with op.batch_alter_table('project_sectors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_sectors_sector_code'))
    op.drop_table('project_sectors')
    with op.batch_alter_table('project_partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_partners_project_id'))
        batch_op.drop_index(batch_op.f('ix_project_partners_organization_id'))
    op.drop_table('project_partners')
    with op.batch_alter_table('project_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_changes_project_id'))
    op.drop_table('project_changes')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_type_code'))
        batch_op.drop_index(batch_op.f('ix_projects_status'))
        batch_op.drop_index(batch_op.f('ix_projects_region_code'))
        batch_op.drop_index(batch_op.f('ix_projects_library_status'))
        batch_op.drop_index(batch_op.f('ix_projects_event_id'))
    op.drop_table('projects')
