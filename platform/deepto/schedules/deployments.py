"""Scheduled pipelines: Prefect deployments of Deepto's flows, run by the stack's worker.

A deployment names its flow by module path (``pipelines.inbox.score_inbox_flow``), so the worker
imports it from this installation: no code is copied or pulled. One deployment per use-case and
kind (``fraud-detection-retrain``, ``fraud-detection-score-inbox``); scheduling again replaces it.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from deepto.errors import ConfigError
from deepto.settings import Settings

WORK_POOL = "deepto"
KINDS = {
    # kind (also the deployment name's suffix): (flow name, entrypoint)
    "retrain": ("deepto-train", "pipelines.train.train_flow"),
    "score-inbox": ("deepto-score-inbox", "pipelines.inbox.score_inbox_flow"),
}
_EVERY = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class Schedule:
    name: str
    flow: str
    schedule: str
    parameters: dict[str, Any]
    active: bool
    last_run: str | None
    """The newest run that is no longer scheduled: its state and when it started."""
    next_run: datetime | None


def parse_every(text: str) -> timedelta:
    """``30s``, ``5m``, ``2h`` or ``1d`` as a time span."""
    match = _EVERY.match(text)
    if not match or int(match.group(1)) == 0:
        raise ConfigError(f"--every {text!r} is not a time span: write a number and a unit, e.g. 30s, 5m, 2h or 1d.")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@contextlib.contextmanager
def _client(api_url: str, auth_string: str | None):
    """A Prefect client for this API whatever the process's own Prefect settings are."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url, PREFECT_API_AUTH_STRING: auth_string}):
        with get_client(sync_client=True) as client:
            yield client


def _settings_client(settings: Settings):
    if not settings.prefect_api_url:
        raise ConfigError("Schedules run on a Prefect server: start the team stack with `deepto stack up` "
                          "(or point DEEPTO_PREFECT_API_URL at a Prefect server with a `deepto` work pool).")
    auth = settings.prefect_api_auth_string.get_secret_value() if settings.prefect_api_auth_string else None
    return _client(settings.prefect_api_url, auth)


def ensure_work_pool(api_url: str, auth_string: str | None, name: str = WORK_POOL) -> None:
    """Create the process work pool the stack's worker serves, unless it exists."""
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.workers.process import ProcessWorker

    with _client(api_url, auth_string) as client:
        with contextlib.suppress(ObjectAlreadyExists):
            client.create_work_pool(WorkPoolCreate(
                name=name, type="process", base_job_template=ProcessWorker.get_default_base_job_template(),
                description="Deepto's scheduled pipelines (created by `deepto stack up`)."))


def deployment_name(usecase: str, kind: str) -> str:
    return f"{usecase}-{kind}"


def schedule(settings: Settings, usecase: str, kind: str, parameters: dict[str, Any], *, cron: str | None = None,
             every: timedelta | None = None, parameter_schema: dict[str, Any] | None = None) -> str:
    """Create (or replace) the deployment of ``kind`` for ``usecase``; returns its name.

    ``parameter_schema`` (the flow's OpenAPI schema) lets the Prefect UI offer the parameters of a run.
    """
    from prefect.client.schemas.actions import DeploymentScheduleCreate
    from prefect.client.schemas.objects import ConcurrencyLimitStrategy, ConcurrencyOptions
    from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule

    flow_name, entrypoint = KINDS[kind]
    if cron is not None:
        try:
            timing = CronSchedule(cron=cron, timezone="UTC")
        except ValueError:
            raise ConfigError(f"--retrain {cron!r} is not a cron expression; e.g. '0 2 * * *' is 02:00 UTC daily.") \
                from None
    else:
        timing = IntervalSchedule(interval=every)
    name = deployment_name(usecase, kind)
    with _settings_client(settings) as client:
        client.create_deployment(
            flow_id=client.create_flow_from_name(flow_name), name=name, entrypoint=entrypoint,
            work_pool_name=WORK_POOL, parameters=parameters, tags=["deepto", usecase],
            parameter_openapi_schema=parameter_schema,
            schedules=[DeploymentScheduleCreate(schedule=timing, active=True)],
            description=f"`deepto schedule {usecase} --{kind} ...`",
            # A run still busy when the next falls due makes the next one redundant: it is cancelled.
            concurrency_limit=1,
            concurrency_options=ConcurrencyOptions(collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
        )
    return name


def list_schedules(settings: Settings) -> list[Schedule]:
    """Every deployment in the ``deepto`` work pool, with its last and next run."""
    from prefect.client.schemas.filters import WorkPoolFilter, WorkPoolFilterName

    with _settings_client(settings) as client:
        found = client.read_deployments(work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=[WORK_POOL])))
        flows = {d.flow_id: client.read_flow(d.flow_id).name for d in found}
        return [Schedule(d.name, flows[d.flow_id], "; ".join(_describe(s.schedule) for s in d.schedules),
                         dict(d.parameters), any(s.active for s in d.schedules), *_runs(client, d.id))
                for d in sorted(found, key=lambda d: d.name)]


def _describe(timing) -> str:
    if getattr(timing, "cron", None):
        return f"cron {timing.cron} ({timing.timezone or 'UTC'})"
    seconds = int(timing.interval.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"every {seconds // size}{unit}"
    return f"every {seconds}s"


def _runs(client, deployment_id) -> tuple[str | None, datetime | None]:
    from prefect.client.schemas.filters import (DeploymentFilter, DeploymentFilterId, FlowRunFilter,
                                                FlowRunFilterState, FlowRunFilterStateType)
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    mine = DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))

    def first(types, sort):
        state = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=types)))
        runs = client.read_flow_runs(deployment_filter=mine, flow_run_filter=state, sort=sort, limit=1)
        return runs[0] if runs else None

    done = first([t for t in StateType if t not in (StateType.SCHEDULED, StateType.PENDING)],
                 FlowRunSort.EXPECTED_START_TIME_DESC)
    upcoming = first([StateType.SCHEDULED], FlowRunSort.EXPECTED_START_TIME_ASC)
    last = f"{done.state_name} at {done.start_time or done.expected_start_time:%Y-%m-%d %H:%M:%S} UTC" if done else None
    return last, upcoming.expected_start_time if upcoming else None


def remove_schedule(settings: Settings, name: str) -> None:
    """Delete the deployment ``name`` (``fraud-detection-retrain`` or ``deepto-train/fraud-detection-retrain``)
    and its scheduled runs."""
    matches = [s for s in list_schedules(settings) if name in (s.name, f"{s.flow}/{s.name}")]
    if not matches:
        raise ConfigError(f"No schedule named {name!r}; `deepto schedule ls` lists them.")
    with _settings_client(settings) as client:
        for match in matches:
            client.delete_deployment(client.read_deployment_by_name(f"{match.flow}/{match.name}").id)


def absolute(path: Path) -> str:
    """Paths in a deployment's parameters are read by the worker, whose working folder differs."""
    return str(path.expanduser().resolve())
