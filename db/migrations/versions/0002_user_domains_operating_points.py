"""User domains (registered from a user's image folders) and label-free operating points.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_domains',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('layout', sa.String(length=16), nullable=False),
    sa.Column('split_seed', sa.Integer(), nullable=True),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('truth', sa.JSON(), nullable=False),
    sa.Column('normals', sa.JSON(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['name'], ['domains.code'], name=op.f('fk_user_domains_name_domains')),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_user_domains'))
    )
    op.create_table('operating_points',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('domain', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('backend', sa.String(length=64), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('fpr', sa.Float(), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('n_normals', sa.Integer(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['domain'], ['domains.code'], name=op.f('fk_operating_points_domain_domains')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operating_points')),
    sa.UniqueConstraint('domain', 'version', 'backend', 'model', 'fpr',
                        name=op.f('uq_operating_points_domain_version_backend_model_fpr'))
    )
    op.create_index(op.f('ix_operating_points_domain'), 'operating_points', ['domain'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_operating_points_domain'), table_name='operating_points')
    op.drop_table('operating_points')
    op.drop_table('user_domains')
