"""Each entity's past (a customer's earlier transactions), kept by the platform for scoring.

A model whose features read an entity's earlier cases was evaluated on cases whose whole past was in
the batch. A new batch holds only its own days, so without help its first cases would look like
customers never seen before: the model would meet different inputs in production than in its
evaluation. The platform therefore remembers the cases it has seen (the training batch, then each
decided batch) for the use-case's retention window, and puts each entity's past in front of a new
batch before its features are computed. Only the input columns the use-case names are kept.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa

from deepto.db_models import EntityHistory
from deepto.usecase import UseCase

TABLE = EntityHistory.__table__
CHUNK = 500
"""Entities per query: well under every backend's limit on bound parameters."""


def remember(store, usecase: UseCase, frame: pd.DataFrame, run_id: str | None = None) -> int:
    """Keep the batch's cases as history (a case already kept is kept once); drop what is past retention.

    Returns how many cases were offered.
    """
    spec = usecase.history
    if spec is None or frame.empty:
        return 0
    times = pd.to_datetime(frame[spec.time_column], utc=True)
    payload = frame[list(spec.columns)].copy()
    payload[spec.time_column] = times.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    now = datetime.now(UTC)
    rows = [{"usecase": usecase.name, "case_id": str(case), "entity": str(entity), "event_at": when.to_pydatetime(),
             "payload": values, "run_id": run_id, "created_at": now}
            for case, entity, when, values in zip(frame[usecase.id_column], frame[spec.entity_column], times,
                                                  payload.to_dict("records"))]
    with store.engine.begin() as conn:
        for start in range(0, len(rows), 5_000):
            conn.execute(_insert_ignoring_duplicates(store.engine.dialect.name), rows[start:start + 5_000])
        newest = conn.execute(sa.select(sa.func.max(TABLE.c.event_at)).where(TABLE.c.usecase == usecase.name)).scalar()
        if newest is not None:
            newest = newest.replace(tzinfo=UTC) if newest.tzinfo is None else newest
            cutoff = newest - timedelta(days=spec.retention_days)
            conn.execute(sa.delete(TABLE).where(TABLE.c.usecase == usecase.name, TABLE.c.event_at < cutoff))
    return len(rows)


def _insert_ignoring_duplicates(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise NotImplementedError(f"Entity history needs PostgreSQL or SQLite, not {dialect}.")
    return insert(TABLE).on_conflict_do_nothing(index_elements=["usecase", "case_id"])


def past(store, usecase: UseCase, frame: pd.DataFrame) -> pd.DataFrame | None:
    """The kept cases of the batch's entities, as a table in the batch's format (no label), or None
    when the use-case keeps no history. Cases of the batch itself are left out (a batch scored again)."""
    spec = usecase.history
    if spec is None:
        return None
    entities = frame[spec.entity_column].astype(str).unique().tolist()
    payloads: list[dict] = []
    with store.engine.connect() as conn:
        for start in range(0, len(entities), CHUNK):
            query = sa.select(TABLE.c.case_id, TABLE.c.payload).where(
                TABLE.c.usecase == usecase.name, TABLE.c.entity.in_(entities[start:start + CHUNK]))
            payloads += [row.payload for row in conn.execute(query)]
    kept = pd.DataFrame(payloads, columns=list(spec.columns))
    if kept.empty:
        return kept
    kept = kept[~kept[usecase.id_column].astype(str).isin(set(frame[usecase.id_column].astype(str)))]
    kept[spec.time_column] = pd.to_datetime(kept[spec.time_column], utc=True).dt.tz_localize(None)
    return kept.reset_index(drop=True)


def with_past(past_cases: pd.DataFrame | None, frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The batch with the past in front, and the positions of the batch's own cases in it."""
    if past_cases is None or past_cases.empty:
        return frame.reset_index(drop=True), np.arange(len(frame))
    combined = pd.concat([past_cases, frame], ignore_index=True)
    return combined, np.arange(len(past_cases), len(combined))
