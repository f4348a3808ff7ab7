"""``deepto stack`` and ``deepto schedule``: the command-line wiring of the team stack and its schedules."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from deepto.console import console, detail
from deepto_cli import common

LOOPBACK = ("127.0.0.1", "localhost", "::1")

stack_app = typer.Typer(
    help="The team stack on one host: PostgreSQL-backed MLflow (with logins) and Prefect (with a worker), "
    "a Ray head and worker nodes (with a token), the dashboard.\n\n"
    "Examples:\n\n  deepto stack up\n\n  deepto stack up --ray-nodes 3\n\n  deepto stack status\n\n  deepto stack down",
    no_args_is_help=True,
)


def _stack(verbose: bool):
    from deepto.stack.core import Stack

    return Stack(common.load_settings(verbose))


def _print_status(statuses) -> None:
    from rich.table import Table

    table = Table(title="Deepto team stack")
    for column in ("service", "url", "pid", "health", "log"):
        table.add_column(column, no_wrap=column != "log")
    for s in statuses:
        health = "[green]healthy[/]" if s.healthy else "[yellow]not answering[/]" if s.alive else "[red]stopped[/]"
        table.add_row(s.name, s.url or "", str(s.pid), health, str(s.log))
    console.print(table)


@stack_app.command("up")
def up(
    ray_nodes: Annotated[int, typer.Option("--ray-nodes", min=1, help="Ray worker nodes besides the head.")] = 2,
    host: Annotated[str, typer.Option(help="Address the services listen on; anything but 127.0.0.1 exposes them "
                                           "to the network (behind their logins).")] = "127.0.0.1",
    verbose: common.Verbose = False,
) -> None:
    """Start the stack (or what of it is not running); from then on every deepto command uses it.

    Credentials are made on the first `up` and kept in DEEPTO_HOME/stack/credentials.toml (mode 0600).
    """
    def action():
        if host not in LOOPBACK:
            console.print(f"[bold yellow]warning:[/] listening on {host}: the services are reachable from the "
                          "network, protected only by their logins and the Ray token.")
        stack, started = _stack(verbose), time.monotonic()
        _print_status(stack.up(ray_nodes, host, on_event=detail))
        console.print(f"[green]stack up[/] in {time.monotonic() - started:.0f} s; every `deepto` command now uses it. "
                      f"Logins: {stack.credentials_file} (private). `deepto stack down` returns to embedded mode.")

    common.run(action, verbose)


@stack_app.command("down")
def down(verbose: common.Verbose = False) -> None:
    """Stop every process `stack up` started; deepto commands return to embedded mode (data is kept)."""
    def action():
        stopped = _stack(verbose).down(on_event=detail)
        console.print(f"stopped {len(stopped)} service(s); embedded mode" if stopped else "the stack was not up")

    common.run(action, verbose)


@stack_app.command("status")
def status() -> None:
    """Each service's URL, pid and health; exits 1 unless all are healthy."""
    def action():
        statuses = _stack(False).status()
        if not statuses:
            console.print("The stack is not up: deepto runs embedded. Start it with `deepto stack up`.")
            raise typer.Exit(1)
        _print_status(statuses)
        if not all(s.healthy for s in statuses):
            raise typer.Exit(1)

    common.run(action, False)


def schedule_command(
    target: Annotated[str, typer.Argument(help="A use-case to schedule; or `ls`; or `rm NAME`.")],
    name: Annotated[str | None, typer.Argument(help="With rm: the schedule to remove.")] = None,
    retrain: Annotated[str | None, typer.Option(help="Retrain on this cron schedule (UTC), e.g. '0 2 * * *'.")] = None,
    score_inbox: Annotated[Path | None, typer.Option(help="Score each new batch that lands in this folder.")] = None,
    every: Annotated[str, typer.Option(help="With --score-inbox: how often to look, e.g. 30s, 5m, 1h.")] = "5m",
    data: Annotated[Path | None, typer.Option(help="With --retrain: the labelled batch, re-read at each run.")] = None,
    rows: Annotated[int | None, typer.Option(help="With --retrain: generate a batch of this many cases.")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="With --retrain: Ray Train workers.")] = None,
    epochs: Annotated[int | None, typer.Option(min=1, help="With --retrain: maximum epochs.")] = None,
) -> None:
    """Scheduled pipelines on the stack's Prefect worker (visible with their runs in the Prefect UI).

    Examples:

      deepto schedule fraud-detection --score-inbox inbox --every 1m

      deepto schedule fraud-detection --retrain '0 2 * * *' --data /data/fraud/latest.parquet

      deepto schedule ls

      deepto schedule rm fraud-detection-score-inbox
    """
    def action():
        from deepto.errors import ConfigError
        from deepto.schedules import deployments

        settings = common.load_settings(False)
        if target == "ls":
            return _list(deployments.list_schedules(settings))
        if target == "rm":
            if not name:
                raise ConfigError("Name the schedule to remove: `deepto schedule rm NAME` (see `deepto schedule ls`).")
            deployments.remove_schedule(settings, name)
            return console.print(f"removed {name}")
        case = common.usecase_registry().get(target)
        if (retrain is None) == (score_inbox is None):
            raise ConfigError("Give one of --retrain CRON or --score-inbox DIR.")
        if score_inbox is not None:
            folder = deployments.absolute(score_inbox)
            Path(folder).mkdir(parents=True, exist_ok=True)
            kind, params, timing = "score-inbox", {"usecase": case.name, "inbox": folder}, \
                {"every": deployments.parse_every(every)}
            what = f"scores each new batch in {folder} (checked every {every})"
        else:
            if (data is None) == (rows is None):
                raise ConfigError("With --retrain, give --data PATH (re-read at each run) or --rows N (generated).")
            options = {k: v for k, v in (("workers", workers), ("epochs", epochs)) if v is not None}
            kind, params, timing = "retrain", {"usecase": case.name, "data": deployments.absolute(data) if data
                                               else None, "rows": rows, "options": options}, {"cron": retrain}
            what = f"retrains on cron '{retrain}' (UTC)"
        made = deployments.schedule(settings, case.name, kind, params, parameter_schema=_checked(kind, params),
                                    **timing)
        console.print(f"[green]{made}[/]: {what}, run by the stack's worker; "
                      f"runs in the Prefect UI at {settings.prefect_api_url.removesuffix('/api')}")

    common.run(action, False)


def _checked(kind: str, params: dict) -> dict:
    """The flow's parameter schema, once the flow accepts ``params``: a mistake shows now, not in a
    failed run at 2 a.m."""
    from prefect.utilities.callables import parameter_schema

    from deepto.errors import ConfigError

    if kind == "retrain":
        from pipelines.train import train_flow as flow
    else:
        from pipelines.inbox import score_inbox_flow as flow
    try:
        flow.validate_parameters(params)
    except Exception as exc:
        raise ConfigError(f"The {flow.name} flow does not accept {params}: {exc}") from None
    return parameter_schema(flow).model_dump_for_openapi()


def _list(schedules) -> None:
    from rich.table import Table

    if not schedules:
        console.print("No schedules. Example: deepto schedule fraud-detection --score-inbox inbox --every 5m")
        return
    table = Table(title="Schedules (Prefect deployments in the deepto work pool)")
    for column in ("name", "flow", "when", "parameters", "last run", "next run"):
        table.add_column(column, no_wrap=column in ("name", "flow", "when"), overflow="fold")
    for s in schedules:
        params = ", ".join(f"{k}={v}" for k, v in s.parameters.items() if v is not None and k != "usecase")
        table.add_row(s.name, s.flow, s.schedule + ("" if s.active else " (paused)"), params, s.last_run or "-",
                      f"{s.next_run:%Y-%m-%d %H:%M:%S} UTC" if s.next_run else "-")
    console.print(table)
