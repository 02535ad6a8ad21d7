"""near-duplicate signatures and LSH bands, kept in the database

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('near_duplicate_signatures',
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('scheme', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('url')
    )
    op.create_table('near_duplicate_bands',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('band_key', sa.BigInteger(), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('near_duplicate_bands', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_near_duplicate_bands_band_key'), ['band_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_near_duplicate_bands_url'), ['url'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('near_duplicate_bands', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_near_duplicate_bands_url'))
        batch_op.drop_index(batch_op.f('ix_near_duplicate_bands_band_key'))
    op.drop_table('near_duplicate_bands')
    op.drop_table('near_duplicate_signatures')
