"""Initial schema: domains, rulebook versions with rule snapshots and deltas, runs, records,
evolution rounds and domain locks.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('domain_locks',
    sa.Column('domain', sa.String(length=64), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('pid_start', sa.String(length=32), nullable=True),
    sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('domain', name=op.f('pk_domain_locks'))
    )
    op.create_table('domains',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_domains'))
    )
    op.create_table('runs',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('domain', sa.String(length=64), nullable=False),
    sa.Column('split', sa.String(length=16), nullable=True),
    sa.Column('backend', sa.String(length=64), nullable=True),
    sa.Column('model', sa.String(length=200), nullable=True),
    sa.Column('rulebook_version', sa.Integer(), nullable=True),
    sa.Column('data_source', sa.String(length=16), nullable=True),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_runs'))
    )
    op.create_index(op.f('ix_runs_domain'), 'runs', ['domain'], unique=False)
    op.create_table('evolution_rounds',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('domain', sa.String(length=64), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('parent_version', sa.Integer(), nullable=False),
    sa.Column('candidate_version', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('proxy_before', sa.Float(), nullable=True),
    sa.Column('proxy_after', sa.Float(), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['domain'], ['domains.code'], name=op.f('fk_evolution_rounds_domain_domains')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evolution_rounds')),
    sa.UniqueConstraint('domain', 'round', name=op.f('uq_evolution_rounds_domain_round'))
    )
    op.create_index(op.f('ix_evolution_rounds_domain'), 'evolution_rounds', ['domain'], unique=False)
    op.create_table('records',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.String(length=128), nullable=False),
    sa.Column('domain', sa.String(length=64), nullable=False),
    sa.Column('anomaly_score', sa.Float(), nullable=True),
    sa.Column('direct_score', sa.Float(), nullable=True),
    sa.Column('refutation_score', sa.Float(), nullable=True),
    sa.Column('label', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_records_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_records')),
    sa.UniqueConstraint('run_id', 'item_id', name=op.f('uq_records_run_id_item_id'))
    )
    op.create_index('ix_records_domain_run', 'records', ['domain', 'run_id'], unique=False)
    op.create_index(op.f('ix_records_run_id'), 'records', ['run_id'], unique=False)
    op.create_table('rulebook_versions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('domain', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('parent', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('backend', sa.String(length=64), nullable=True),
    sa.Column('model', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['domain'], ['domains.code'],
                            name=op.f('fk_rulebook_versions_domain_domains')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rulebook_versions')),
    sa.UniqueConstraint('domain', 'version', name=op.f('uq_rulebook_versions_domain_version'))
    )
    op.create_index(op.f('ix_rulebook_versions_domain'), 'rulebook_versions', ['domain'], unique=False)
    op.create_table('rule_deltas',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('op', sa.String(length=8), nullable=False),
    sa.Column('rule_id', sa.String(length=64), nullable=False),
    sa.Column('rule', sa.JSON(), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['rulebook_versions.id'],
                            name=op.f('fk_rule_deltas_version_id_rulebook_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_deltas')),
    sa.UniqueConstraint('version_id', 'seq', name=op.f('uq_rule_deltas_version_id_seq'))
    )
    op.create_index(op.f('ix_rule_deltas_version_id'), 'rule_deltas', ['version_id'], unique=False)
    op.create_table('rules',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('scope', sa.String(length=64), nullable=False),
    sa.Column('condition', sa.JSON(), nullable=True),
    sa.Column('provenance', sa.JSON(), nullable=False),
    sa.Column('times_applied', sa.Integer(), nullable=False),
    sa.Column('verdict_changes', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['rulebook_versions.id'],
                            name=op.f('fk_rules_version_id_rulebook_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rules')),
    sa.UniqueConstraint('version_id', 'rule_id', name=op.f('uq_rules_version_id_rule_id'))
    )
    op.create_index(op.f('ix_rules_rule_id'), 'rules', ['rule_id'], unique=False)
    op.create_index(op.f('ix_rules_version_id'), 'rules', ['version_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_rules_version_id'), table_name='rules')
    op.drop_index(op.f('ix_rules_rule_id'), table_name='rules')
    op.drop_table('rules')
    op.drop_index(op.f('ix_rule_deltas_version_id'), table_name='rule_deltas')
    op.drop_table('rule_deltas')
    op.drop_index(op.f('ix_rulebook_versions_domain'), table_name='rulebook_versions')
    op.drop_table('rulebook_versions')
    op.drop_index(op.f('ix_records_run_id'), table_name='records')
    op.drop_index('ix_records_domain_run', table_name='records')
    op.drop_table('records')
    op.drop_index(op.f('ix_evolution_rounds_domain'), table_name='evolution_rounds')
    op.drop_table('evolution_rounds')
    op.drop_index(op.f('ix_runs_domain'), table_name='runs')
    op.drop_table('runs')
    op.drop_table('domains')
    op.drop_table('domain_locks')
