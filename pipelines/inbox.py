"""Prefect flow: score each new batch that lands in an inbox folder, each content once."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger

from deepto.errors import DeeptoError
from deepto.schedules.inbox import score_inbox
from deepto.settings import get_settings
from deepto.store import Store
from deepto.usecase import load_registry
from pipelines.score import score_flow


class InboxFailed(DeeptoError):
    """Some batches could not be scored for a reason other than their content (they are retried)."""


@flow(name="deepto-score-inbox", log_prints=False)
def score_inbox_flow(usecase: str, inbox: str) -> dict:
    settings = get_settings()
    settings.ensure_home()
    store = Store.open(settings.db_url)
    case = load_registry().get(usecase)
    report = score_inbox(store, case.name, Path(inbox), lambda batch: score_flow(case.name, batch))
    logger = get_run_logger()
    for label, names in (("decided", report.decided), ("refused and quarantined", report.refused),
                         ("already decided before", report.known)):
        if names:
            logger.info("%s: %s", label, ", ".join(names))
    if report.failed:
        raise InboxFailed("; ".join(f"{name}: {error}" for name, error in report.failed.items()))
    return report.to_dict()
