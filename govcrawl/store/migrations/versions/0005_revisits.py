"""The nightly's revisits: capture history rows per change (no longer one per payload), when each capture was
last confirmed unchanged, the payload digest beside a page's validators, and the digest index by URL

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _unique_constraints(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_unique_constraints(table) if c.get("name")}


def upgrade() -> None:
    # A page that goes back to an earlier version (A -> B -> A) gets a capture row of its own each time.
    unique = _unique_constraints('captures')
    with op.batch_alter_table('captures') as batch_op:
        if 'uq_captures_url_digest' in unique:
            batch_op.drop_constraint('uq_captures_url_digest', type_='unique')
        batch_op.add_column(sa.Column('last_confirmed', sa.DateTime(), nullable=True))
    with op.batch_alter_table('page_validators') as batch_op:
        batch_op.add_column(sa.Column('payload_digest', sa.String(length=64), nullable=True))
    with op.batch_alter_table('payload_digests') as batch_op:
        batch_op.create_index('ix_payload_digests_key_hash', ['key_hash'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('payload_digests') as batch_op:
        batch_op.drop_index('ix_payload_digests_key_hash')
    with op.batch_alter_table('page_validators') as batch_op:
        batch_op.drop_column('payload_digest')
    # Going back to one row per (url, payload): the newest row of each pair stays.
    op.execute(
        "DELETE FROM captures WHERE id NOT IN (SELECT MAX(id) FROM captures GROUP BY url, payload_digest)"
    )
    with op.batch_alter_table('captures') as batch_op:
        batch_op.drop_column('last_confirmed')
        batch_op.create_unique_constraint('uq_captures_url_digest', ['url', 'payload_digest'])
