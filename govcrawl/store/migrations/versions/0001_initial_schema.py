"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 21:51:27.195261
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('captures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('payload_digest', sa.String(length=64), nullable=True),
    sa.Column('warc_filename', sa.String(length=256), nullable=True),
    sa.Column('warc_offset', sa.Integer(), nullable=True),
    sa.Column('etag', sa.String(length=256), nullable=True),
    sa.Column('last_modified', sa.String(length=64), nullable=True),
    sa.Column('first_seen', sa.DateTime(), nullable=False),
    sa.Column('last_seen', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('url', 'payload_digest', name='uq_captures_url_digest')
    )
    with op.batch_alter_table('captures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_captures_url'), ['url'], unique=False)

    op.create_table('drops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('portal', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('warc_filename', sa.String(length=256), nullable=True),
    sa.Column('warc_offset', sa.Integer(), nullable=True),
    sa.Column('first_seen', sa.DateTime(), nullable=False),
    sa.Column('last_seen', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('url')
    )
    with op.batch_alter_table('drops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drops_portal'), ['portal'], unique=False)

    op.create_table('page_validators',
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('etag', sa.String(length=256), nullable=True),
    sa.Column('last_modified', sa.String(length=64), nullable=True),
    sa.Column('seen', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('url')
    )
    op.create_table('payload_digests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('key_hash', sa.String(length=40), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('warc_date', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('warc_filename', sa.String(length=256), nullable=False),
    sa.Column('warc_offset', sa.Integer(), nullable=False),
    sa.Column('payload_length', sa.Integer(), nullable=False),
    sa.Column('crawl_id', sa.String(length=128), nullable=True),
    sa.Column('first_seen', sa.DateTime(), nullable=False),
    sa.Column('last_seen', sa.DateTime(), nullable=False),
    sa.Column('revisits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('payload_digests', schema=None) as batch_op:
        batch_op.create_index('ix_payload_digests_digest_key', ['digest', 'key_hash'], unique=True)

    op.create_table('report_statistics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_url', sa.String(length=2048), nullable=False),
    sa.Column('table_name', sa.String(length=32), nullable=False),
    sa.Column('row_key', sa.String(length=128), nullable=False),
    sa.Column('column_key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('report_statistics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_statistics_report_url'), ['report_url'], unique=False)

    op.create_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('portal', sa.String(length=64), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('report_year', sa.Integer(), nullable=True),
    sa.Column('index_no', sa.String(length=128), nullable=True),
    sa.Column('publisher', sa.String(length=256), nullable=True),
    sa.Column('written_date', sa.String(length=10), nullable=True),
    sa.Column('published_date', sa.String(length=10), nullable=True),
    sa.Column('doc_no', sa.String(length=128), nullable=True),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('original', sa.JSON(), nullable=False),
    sa.Column('classification_reasons', sa.JSON(), nullable=False),
    sa.Column('payload_digest', sa.String(length=64), nullable=True),
    sa.Column('warc_filename', sa.String(length=256), nullable=True),
    sa.Column('warc_offset', sa.Integer(), nullable=True),
    sa.Column('first_seen', sa.DateTime(), nullable=False),
    sa.Column('last_seen', sa.DateTime(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=True),
    sa.Column('statistics_format', sa.String(length=16), nullable=True),
    sa.Column('consistency_ok', sa.Boolean(), nullable=True),
    sa.Column('statistics_checks', sa.JSON(), nullable=False),
    sa.Column('statistics_unparsed', sa.JSON(), nullable=False),
    sa.Column('text_counts', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('url')
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_portal'), ['portal'], unique=False)
        batch_op.create_index(batch_op.f('ix_reports_report_year'), ['report_year'], unique=False)

    op.create_table('runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('crawl_id', sa.String(length=64), nullable=False),
    sa.Column('command', sa.String(length=32), nullable=False),
    sa.Column('started', sa.DateTime(), nullable=False),
    sa.Column('ended', sa.DateTime(), nullable=True),
    sa.Column('exit_status', sa.Integer(), nullable=True),
    sa.Column('portals', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_runs_crawl_id'), ['crawl_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_runs_crawl_id'))

    op.drop_table('runs')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_report_year'))
        batch_op.drop_index(batch_op.f('ix_reports_portal'))

    op.drop_table('reports')
    with op.batch_alter_table('report_statistics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_statistics_report_url'))

    op.drop_table('report_statistics')
    with op.batch_alter_table('payload_digests', schema=None) as batch_op:
        batch_op.drop_index('ix_payload_digests_digest_key')

    op.drop_table('payload_digests')
    op.drop_table('page_validators')
    with op.batch_alter_table('drops', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drops_portal'))

    op.drop_table('drops')
    with op.batch_alter_table('captures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_captures_url'))

    op.drop_table('captures')
