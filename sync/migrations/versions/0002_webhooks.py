"""webhooks: receipts (dedupe and replay guard), leases (per-account locks), push channels

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('webhook_receipts',
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('webhook_receipts', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_receipts_received', ['received_at'], unique=False)

    op.create_table('leases',
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('owner', sa.String(length=128), nullable=False),
    sa.Column('expires_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('push_channels',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('channel_id', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.String(length=32), nullable=False),
    sa.Column('events', sa.Text(), nullable=False),
    sa.Column('notify_url', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('source', 'channel_id')
    )


def downgrade() -> None:
    op.drop_table('push_channels')
    op.drop_table('leases')
    with op.batch_alter_table('webhook_receipts', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_receipts_received')

    op.drop_table('webhook_receipts')
