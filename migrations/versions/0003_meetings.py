"""Tables for meetings, attendance, polls, ballots, trackers, the audit log (issue 5)

Revision ID: 0003
Revises: 0002
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', models.types.UTCDateTime(), nullable=False),
    sa.Column('actor_person_id', sa.Integer(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_table('bloc_chat',
    sa.Column('bloc_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('linked_at', models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bloc_id'], ['bloc.id'], ),
    sa.PrimaryKeyConstraint('bloc_id'),
    sa.UniqueConstraint('chat_id')
    )
    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bloc_id', sa.Integer(), nullable=False),
    sa.Column('school_year_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('starts_at', models.types.UTCDateTime(), nullable=False),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('checkin_code', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('chair_person_id', sa.Integer(), nullable=True),
    sa.Column('secretary_person_id', sa.Integer(), nullable=True),
    sa.Column('created_by_person_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', models.types.UTCDateTime(), nullable=True),
    sa.Column('closed_at', models.types.UTCDateTime(), nullable=True),
    sa.Column('card_chat_id', sa.BigInteger(), nullable=True),
    sa.Column('card_message_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['bloc_id'], ['bloc.id'], ),
    sa.ForeignKeyConstraint(['chair_person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['created_by_person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['school_year_id'], ['school_year.id'], ),
    sa.ForeignKeyConstraint(['secretary_person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_bloc_id'), ['bloc_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_school_year_id'), ['school_year_id'], unique=False)

    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('checked_in_at', models.types.UTCDateTime(), nullable=False),
    sa.Column('checked_out_at', models.types.UTCDateTime(), nullable=True),
    sa.Column('by_person_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'unit_id')
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('poll',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('rules', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('runoff_of_poll_id', sa.Integer(), nullable=True),
    sa.Column('public_key', sa.LargeBinary(), nullable=True),
    sa.Column('sealed_private_key', sa.LargeBinary(), nullable=True),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.Column('present', sa.Integer(), nullable=False),
    sa.Column('opened_at', models.types.UTCDateTime(), nullable=True),
    sa.Column('closes_at', models.types.UTCDateTime(), nullable=True),
    sa.Column('closed_at', models.types.UTCDateTime(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('trackers', sa.Text(), nullable=True),
    sa.Column('chain_head', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('progress_chat_id', sa.BigInteger(), nullable=True),
    sa.Column('progress_message_id', sa.Integer(), nullable=True),
    sa.Column('progress_shown', sa.Integer(), nullable=False),
    sa.Column('created_by_person_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.ForeignKeyConstraint(['runoff_of_poll_id'], ['poll.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ref')
    )
    with op.batch_alter_table('poll', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('participation',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['poll.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('poll_id', 'unit_id'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participation_poll_id'), ['poll_id'], unique=False)

    op.create_table('poll_candidate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('selected', sa.Boolean(), nullable=False),
    sa.Column('women_preferred', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['poll.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('poll_id', 'position')
    )
    with op.batch_alter_table('poll_candidate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_candidate_poll_id'), ['poll_id'], unique=False)

    op.create_table('poll_voter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['poll.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('poll_id', 'unit_id')
    )
    with op.batch_alter_table('poll_voter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_voter_poll_id'), ['poll_id'], unique=False)

    op.create_table('sealed_ballot',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.Column('tracker', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['poll.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tracker'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('sealed_ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sealed_ballot_poll_id'), ['poll_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sealed_ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sealed_ballot_poll_id'))

    op.drop_table('sealed_ballot')
    with op.batch_alter_table('poll_voter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_voter_poll_id'))

    op.drop_table('poll_voter')
    with op.batch_alter_table('poll_candidate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_candidate_poll_id'))

    op.drop_table('poll_candidate')
    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participation_poll_id'))

    op.drop_table('participation')
    with op.batch_alter_table('poll', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_meeting_id'))

    op.drop_table('poll')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_meeting_id'))

    op.drop_table('attendance')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_school_year_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_bloc_id'))

    op.drop_table('meeting')
    op.drop_table('bloc_chat')
    op.drop_table('audit_entry')
