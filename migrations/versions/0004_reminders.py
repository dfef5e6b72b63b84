"""Tables for the timetable, milestones, reminders and their sends (issue 6)

Revision ID: 0004
Revises: 0003
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('person_reach',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('unreachable_since', models.types.UTCDateTime(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('person_id')
    )
    op.create_table('milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_year_id', sa.Integer(), nullable=False),
    sa.Column('bloc_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('due_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('due_text', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('audiences', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('blocs', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('responsible_text', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('task', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('source_row', sa.Integer(), nullable=False),
    sa.Column('imported_at', models.types.UTCDateTime(), nullable=False),
    sa.Column('imported_by_person_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['bloc_id'], ['bloc.id'], ),
    sa.ForeignKeyConstraint(['imported_by_person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['school_year_id'], ['school_year.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_bloc_id'), ['bloc_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_milestone_school_year_id'), ['school_year_id'], unique=False)

    op.create_table('reminder_schedule',
    sa.Column('bloc_id', sa.Integer(), nullable=False),
    sa.Column('offsets_days', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('send_at', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('quiet_start', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('quiet_end', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.ForeignKeyConstraint(['bloc_id'], ['bloc.id'], ),
    sa.PrimaryKeyConstraint('bloc_id')
    )
    op.create_table('timetable_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('school_year_id', sa.Integer(), nullable=False),
    sa.Column('bloc_id', sa.Integer(), nullable=True),
    sa.Column('rows_json', sa.Text(), nullable=False),
    sa.Column('created_at', models.types.UTCDateTime(), nullable=False),
    sa.Column('used_at', models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['bloc_id'], ['bloc.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['school_year_id'], ['school_year.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('timetable_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timetable_draft_person_id'), ['person_id'], unique=False)

    op.create_table('milestone_mute',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('muted_at', models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestone.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('milestone_id', 'person_id')
    )
    with op.batch_alter_table('milestone_mute', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_mute_milestone_id'), ['milestone_id'], unique=False)

    op.create_table('reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('school_year_id', sa.Integer(), nullable=False),
    sa.Column('bloc_id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=True),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('offset_days', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('subject_person_id', sa.Integer(), nullable=True),
    sa.Column('due_at', models.types.UTCDateTime(), nullable=False),
    sa.Column('expanded_at', models.types.UTCDateTime(), nullable=True),
    sa.Column('created_by_person_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bloc_id'], ['bloc.id'], ),
    sa.ForeignKeyConstraint(['created_by_person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestone.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['school_year_id'], ['school_year.id'], ),
    sa.ForeignKeyConstraint(['subject_person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key')
    )
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_bloc_id'), ['bloc_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_milestone_id'), ['milestone_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_status'), ['status'], unique=False)

    op.create_table('reminder_send',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reminder_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('skip_reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('not_before', models.types.UTCDateTime(), nullable=False),
    sa.Column('claim_token', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('claimed_at', models.types.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['reminder_id'], ['reminder.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reminder_id', 'person_id')
    )
    with op.batch_alter_table('reminder_send', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_send_not_before'), ['not_before'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_send_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_send_reminder_id'), ['reminder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_send_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reminder_send', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_send_status'))
        batch_op.drop_index(batch_op.f('ix_reminder_send_reminder_id'))
        batch_op.drop_index(batch_op.f('ix_reminder_send_person_id'))
        batch_op.drop_index(batch_op.f('ix_reminder_send_not_before'))

    op.drop_table('reminder_send')
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_status'))
        batch_op.drop_index(batch_op.f('ix_reminder_milestone_id'))
        batch_op.drop_index(batch_op.f('ix_reminder_due_at'))
        batch_op.drop_index(batch_op.f('ix_reminder_bloc_id'))

    op.drop_table('reminder')
    with op.batch_alter_table('milestone_mute', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestone_mute_milestone_id'))

    op.drop_table('milestone_mute')
    with op.batch_alter_table('timetable_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timetable_draft_person_id'))

    op.drop_table('timetable_draft')
    op.drop_table('reminder_schedule')
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestone_school_year_id'))
        batch_op.drop_index(batch_op.f('ix_milestone_bloc_id'))

    op.drop_table('milestone')
    op.drop_table('person_reach')
