"""credit workflows (requests half): limit-increase requests and the overrides their approvals put in force

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 15:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('limit_requests',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('crm_id', sa.String(length=128), nullable=False),
    sa.Column('amount', sa.String(length=40), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('requested_by', sa.String(length=128), nullable=True),
    sa.Column('requested_at', sa.String(length=32), nullable=False),
    sa.Column('expires_on', sa.String(length=10), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('route', sa.String(length=64), nullable=True),
    sa.Column('granted', sa.String(length=40), nullable=True),
    sa.Column('decided_by', sa.String(length=128), nullable=True),
    sa.Column('decided_at', sa.String(length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('limit_requests', schema=None) as batch_op:
        batch_op.create_index('ix_limit_requests_account', ['source', 'crm_id', 'id'], unique=False)
        batch_op.create_index('ix_limit_requests_status', ['status', 'id'], unique=False)

    op.create_table('limit_overrides',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('crm_id', sa.String(length=128), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.String(length=40), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('expires_on', sa.String(length=10), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('approved_by', sa.String(length=128), nullable=False),
    sa.Column('set_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('source', 'crm_id')
    )


def downgrade() -> None:
    op.drop_table('limit_overrides')
    with op.batch_alter_table('limit_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_limit_requests_status')
        batch_op.drop_index('ix_limit_requests_account')

    op.drop_table('limit_requests')
