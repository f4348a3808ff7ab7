"""Entity history (the per-customer state scoring reads) and learning curves.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "entity_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("usecase", sa.String(100), nullable=False),
        sa.Column("case_id", sa.String(200), nullable=False),
        sa.Column("entity", sa.String(200), nullable=False),
        sa.Column("event_at", UTC_TIME, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["pipeline_runs.id"], name="fk_entity_history_run_id_pipeline_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_entity_history"),
        sa.UniqueConstraint("usecase", "case_id", name="uq_entity_history_usecase_case_id"),
    )
    op.create_index("ix_entity_history_usecase_entity_event_at", "entity_history",
                    ["usecase", "entity", "event_at"])

    op.create_table(
        "learning_curves",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("usecase", sa.String(100), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=True),
        sa.Column("mlflow_run_id", sa.String(64), nullable=True),
        sa.Column("points", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["pipeline_runs.id"], name="fk_learning_curves_run_id_pipeline_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_learning_curves"),
    )
    op.create_index("ix_learning_curves_usecase_created_at", "learning_curves", ["usecase", "created_at"])


def downgrade() -> None:
    op.drop_table("learning_curves")
    op.drop_table("entity_history")
