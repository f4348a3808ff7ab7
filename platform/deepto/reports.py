"""What ``deepto kpis``, the demo's closing table and the dashboards report per use-case, in one place:
the KPIs (projected and realised apart), which process is the champion and why, and what the latest
learning curve says about the data size from which deep learning pays."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from deepto import curves
from deepto.db_models import KpiRecord
from deepto.evaluation import MODEL

KPIS = KpiRecord.__table__


def champion(engine: sa.Engine, usecase: str) -> dict[str, Any] | None:
    """The process the latest promotion shipped (``model`` or a classical model's name), with its version
    and the gate's verdict; None before any promotion."""
    query = (sa.select(KPIS.c.inputs, KPIS.c.created_at).where(KPIS.c.usecase == usecase, KPIS.c.scope == "holdout")
             .order_by(KPIS.c.created_at.desc(), KPIS.c.id.desc()).limit(1))
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    inputs = row.inputs or {}
    process = inputs.get("process", MODEL)
    return {"process": process, "kind": "deep" if process == MODEL else "classical",
            "model_version": inputs.get("model_version"), "verdict": inputs.get("verdict"),
            "training_rows": inputs.get("training_rows"), "promoted_at": row.created_at}


def curve_note(engine: sa.Engine, usecase: str) -> dict[str, Any]:
    """From which size deep learning pays according to the latest curve, or how to draw one."""
    found = curves.latest(engine, usecase)
    if found is None:
        return {"crossover_rows": None, "message": f"No learning curve yet: run `deepto curve {usecase}` to see "
                                                   "from which size deep learning pays.", "created_at": None}
    _, summary = found
    return {"crossover_rows": summary.get("crossover_rows"), "message": summary.get("message"),
            "created_at": summary.get("created_at")}


def kpi_report(store, usecase: str | None = None) -> list[dict[str, Any]]:
    """One row per use-case with KPIs (``Store.kpi_summary``), ``champion`` and ``learning_curve``."""
    rows = store.kpi_summary(usecase=usecase)
    for row in rows:
        row["champion"] = champion(store.engine, row["usecase"])
        row["learning_curve"] = curve_note(store.engine, row["usecase"])
    return rows
