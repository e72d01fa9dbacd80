"""credit workflows (alerts half): owner tasks, credit reviews, digests sent

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-28 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('crm_tasks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('crm_id', sa.String(length=128), nullable=False),
    sa.Column('change_key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('owner_crm_id', sa.String(length=128), nullable=True),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('due_on', sa.String(length=10), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('task_crm_id', sa.String(length=128), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'change_key', name='uq_crm_tasks_change')
    )
    with op.batch_alter_table('crm_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_crm_tasks_state', ['source', 'state', 'id'], unique=False)

    op.create_table('credit_reviews',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('crm_id', sa.String(length=128), nullable=False),
    sa.Column('reviewed_on', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('promise_to_pay_on', sa.String(length=10), nullable=True),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('credit_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_credit_reviews_account', ['source', 'crm_id', 'id'], unique=False)

    op.create_table('digests',
    sa.Column('period', sa.String(length=32), nullable=False),
    sa.Column('sent_at', sa.String(length=32), nullable=False),
    sa.Column('recipients', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('period')
    )


def downgrade() -> None:
    op.drop_table('digests')
    with op.batch_alter_table('credit_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_reviews_account')

    op.drop_table('credit_reviews')
    with op.batch_alter_table('crm_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_crm_tasks_state')

    op.drop_table('crm_tasks')
