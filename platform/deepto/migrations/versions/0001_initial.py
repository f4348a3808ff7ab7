"""The initial platform schema: runs, validation reports, quarantine, KPI records, model events.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Spelled out rather than imported from deepto.db_models: a revision must keep creating the schema
# of its day after the models move on.
UTC_TIME = sa.DateTime(timezone=True)


def _usecase() -> sa.Column:
    return sa.Column("usecase", sa.String(100), nullable=False)


def _run_fk(table: str, nullable: bool = True) -> tuple[sa.Column, sa.ForeignKeyConstraint]:
    return (
        sa.Column("run_id", sa.String(32), nullable=nullable),
        sa.ForeignKeyConstraint(["run_id"], ["pipeline_runs.id"], name=f"fk_{table}_run_id_pipeline_runs"),
    )


def _created_at() -> sa.Column:
    return sa.Column("created_at", UTC_TIME, nullable=False)


def upgrade() -> None:
    op.create_table(
        "pipeline_runs",
        sa.Column("id", sa.String(32), nullable=False),
        _usecase(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", UTC_TIME, nullable=False),
        sa.Column("finished_at", UTC_TIME, nullable=True),
        sa.Column("duration_s", sa.Double(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("mlflow_run_id", sa.String(64), nullable=True),
        sa.Column("model_version", sa.String(64), nullable=True),
        sa.Column("champion_changed", sa.Boolean(), nullable=True),
        sa.Column("n_cases", sa.Integer(), nullable=True),
        sa.Column("compute_seconds", sa.Double(), nullable=False),
        sa.Column("cpu_core_seconds", sa.Double(), nullable=False),
        sa.Column("gpu_seconds", sa.Double(), nullable=False),
        sa.Column("compute_cost_usd", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pipeline_runs"),
    )
    op.create_index("ix_pipeline_runs_usecase_started_at", "pipeline_runs", ["usecase", "started_at"])

    op.create_table(
        "validation_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        *_run_fk("validation_reports"),
        _usecase(),
        sa.Column("batch_path", sa.Text(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("n_rows", sa.Integer(), nullable=True),
        sa.Column("n_failed", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_validation_reports"),
    )
    op.create_index("ix_validation_reports_usecase_created_at", "validation_reports", ["usecase", "created_at"])

    op.create_table(
        "quarantined_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _usecase(),
        *_run_fk("quarantined_batches"),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("original_path", sa.Text(), nullable=False),
        sa.Column("quarantine_path", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(["report_id"], ["validation_reports.id"],
                                name="fk_quarantined_batches_report_id_validation_reports"),
        sa.PrimaryKeyConstraint("id", name="pk_quarantined_batches"),
    )
    op.create_index("ix_quarantined_batches_usecase_created_at", "quarantined_batches", ["usecase", "created_at"])

    optional_floats = ("deepto_errors", "baseline_errors", "deepto_cost_usd", "baseline_cost_usd", "manual_cost_usd")
    op.create_table(
        "kpi_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        *_run_fk("kpi_records", nullable=False),
        _usecase(),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("labelled", sa.Boolean(), nullable=False),
        _created_at(),
        sa.Column("n_cases", sa.Integer(), nullable=False),
        sa.Column("n_automated", sa.Integer(), nullable=False),
        sa.Column("n_reviews", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Double(), nullable=True) for name in optional_floats),
        sa.Column("review_cost_usd", sa.Double(), nullable=False),
        sa.Column("error_cost_usd", sa.Double(), nullable=True),
        sa.Column("compute_cost_usd", sa.Double(), nullable=False),
        sa.Column("platform_cost_usd", sa.Double(), nullable=False),
        sa.Column("automation_rate", sa.Double(), nullable=False),
        *(sa.Column(name, sa.Double(), nullable=True)
          for name in ("error_reduction", "cost_reduction", "savings_usd", "roi")),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kpi_records"),
    )
    op.create_index("ix_kpi_records_usecase_created_at", "kpi_records", ["usecase", "created_at"])
    op.create_index("ix_kpi_records_created_at", "kpi_records", ["created_at"])

    op.create_table(
        "model_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _usecase(),
        *_run_fk("model_events"),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("metric_name", sa.String(100), nullable=True),
        sa.Column("metric_value", sa.Double(), nullable=True),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_model_events"),
    )
    op.create_index("ix_model_events_usecase_created_at", "model_events", ["usecase", "created_at"])


def downgrade() -> None:
    for table in ("model_events", "kpi_records", "quarantined_batches", "validation_reports", "pipeline_runs"):
        op.drop_table(table)
