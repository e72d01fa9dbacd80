"""credit workflows (audit half): imported statements and covers, import rejects, policy versions, input snapshots

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-28 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('financial_statements',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('crm_id', sa.String(length=128), nullable=False),
    sa.Column('as_of', sa.String(length=10), nullable=False),
    sa.Column('figures', sa.Text(), nullable=False),
    sa.Column('imported_at', sa.String(length=32), nullable=False),
    sa.Column('origin', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('source', 'crm_id', 'as_of')
    )
    op.create_table('insurance_covers',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('crm_id', sa.String(length=128), nullable=False),
    sa.Column('valid_from', sa.String(length=10), nullable=False),
    sa.Column('amount', sa.String(length=40), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('expires_on', sa.String(length=10), nullable=True),
    sa.Column('insurer', sa.String(length=128), nullable=True),
    sa.Column('policy_ref', sa.String(length=128), nullable=True),
    sa.Column('imported_at', sa.String(length=32), nullable=False),
    sa.Column('origin', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('source', 'crm_id', 'valid_from')
    )
    op.create_table('import_rejects',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('file', sa.Text(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('column', sa.String(length=64), nullable=True),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('policy_versions',
    sa.Column('policy_version', sa.String(length=64), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('first_used', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('policy_version')
    )
    op.create_table('audit_inputs',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('document', sa.LargeBinary(), nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('digest')
    )
    with op.batch_alter_table('audit_inputs', schema=None) as batch_op:
        batch_op.create_index('ix_audit_inputs_at', ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_inputs', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_inputs_at')

    op.drop_table('audit_inputs')
    op.drop_table('policy_versions')
    op.drop_table('import_rejects')
    op.drop_table('insurance_covers')
    op.drop_table('financial_statements')
