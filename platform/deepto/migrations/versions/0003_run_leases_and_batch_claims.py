"""Run leases (which process drives a running run, and its heartbeat) and batch claims (a batch known
by the SHA-256 of its content, decided once).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "run_leases",
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("process_started_at", sa.Double(), nullable=False),
        sa.Column("heartbeat_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["pipeline_runs.id"], name="fk_run_leases_run_id_pipeline_runs",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", name="pk_run_leases"),
    )
    op.create_table(
        "batch_claims",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("usecase", sa.String(100), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["pipeline_runs.id"], name="fk_batch_claims_run_id_pipeline_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_batch_claims"),
        sa.UniqueConstraint("usecase", "content_sha256", name="uq_batch_claims_usecase_content_sha256"),
    )


def downgrade() -> None:
    op.drop_table("batch_claims")
    op.drop_table("run_leases")
