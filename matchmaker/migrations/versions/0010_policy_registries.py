"""policy registries

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 18:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    # The pilot policy's registries: mentor posts, teachers' enterprise practice, alliances with
    # their members and sectors, and pilot designations.
    op.create_table('mentor_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_name', sa.String(length=50), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('major', sa.String(length=100), nullable=False),
    sa.Column('post_title', sa.String(length=100), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('hours_per_year', sa.Integer(), nullable=True),
    sa.Column('posting_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_mentor_posts_created_by_id_users')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organizations.id'], name=op.f('fk_mentor_posts_enterprise_id_organizations')),
    sa.ForeignKeyConstraint(['posting_id'], ['postings.id'], name=op.f('fk_mentor_posts_posting_id_postings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['organizations.id'], name=op.f('fk_mentor_posts_school_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_posts'))
    )
    with op.batch_alter_table('mentor_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentor_posts_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentor_posts_school_id'), ['school_id'], unique=False)

    op.create_table('teacher_placements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('teacher_name', sa.String(length=50), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_teacher_placements_created_by_id_users')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organizations.id'], name=op.f('fk_teacher_placements_enterprise_id_organizations')),
    sa.ForeignKeyConstraint(['school_id'], ['organizations.id'], name=op.f('fk_teacher_placements_school_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teacher_placements'))
    )
    with op.batch_alter_table('teacher_placements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teacher_placements_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_teacher_placements_school_id'), ['school_id'], unique=False)

    op.create_table('alliances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('guiding_department', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('founded_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_alliances_created_by_id_users')),
    sa.ForeignKeyConstraint(['lead_id'], ['organizations.id'], name=op.f('fk_alliances_lead_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alliances'))
    )
    with op.batch_alter_table('alliances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alliances_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alliances_region_code'), ['region_code'], unique=False)

    op.create_table('alliance_members',
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_alliance_members_alliance_id_alliances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_alliance_members_organization_id_organizations')),
    sa.PrimaryKeyConstraint('alliance_id', 'organization_id', name=op.f('pk_alliance_members'))
    )
    with op.batch_alter_table('alliance_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alliance_members_organization_id'), ['organization_id'], unique=False)

    op.create_table('alliance_sectors',
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('sector_code', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_alliance_sectors_alliance_id_alliances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('alliance_id', 'sector_code', name=op.f('pk_alliance_sectors'))
    )
    with op.batch_alter_table('alliance_sectors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alliance_sectors_sector_code'), ['sector_code'], unique=False)

    op.create_table('pilot_designations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('alliance_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('designated_on', sa.Date(), nullable=False),
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('issued_by', sa.String(length=200), nullable=False),
    sa.Column('document_number', sa.String(length=100), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_pilot_designations_alliance_id_alliances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pilot_designations_created_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_pilot_designations_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pilot_designations'))
    )
    with op.batch_alter_table('pilot_designations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pilot_designations_alliance_id'), ['alliance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pilot_designations_designated_on'), ['designated_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_pilot_designations_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_pilot_designations_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pilot_designations_region_code'), ['region_code'], unique=False)


def downgrade():
    for table, indexes in (
        ('pilot_designations', ('region_code', 'organization_id', 'kind', 'designated_on', 'alliance_id')),
        ('alliance_sectors', ('sector_code',)),
        ('alliance_members', ('organization_id',)),
        ('alliances', ('region_code', 'lead_id')),
        ('teacher_placements', ('school_id', 'enterprise_id')),
        ('mentor_posts', ('school_id', 'enterprise_id')),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in indexes:
                batch_op.drop_index(batch_op.f(f'ix_{table}_{column}'))
        op.drop_table(table)
