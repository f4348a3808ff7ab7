"""The ``deepto`` command line: one entry point for data teams, with worked examples in every help."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from deepto.console import console, detail, stage
from deepto.errors import ConfigError, DeeptoError

app = typer.Typer(
    help="Deepto: deep learning turned into measured business value.\n\n"
    "Examples:\n\n  deepto demo\n\n  deepto train fraud-detection --rows 50000 --workers 2\n\n"
    "  deepto score fraud-detection --data new.csv --out decisions.csv\n\n  deepto kpis --json",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Show Ray's, Prefect's and MLflow's own logs.")]


def _settings(verbose: bool):
    from deepto import runtime
    from deepto.settings import get_settings

    settings = get_settings(verbose=verbose) if verbose else get_settings()
    settings.ensure_home()
    runtime.apply_service_environment(settings)
    runtime.configure_logging(settings)
    return settings


def _run(action, verbose: bool):
    """Run a command; people get one readable message, not a traceback."""
    try:
        return action()
    except DeeptoError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1)
    except KeyboardInterrupt:
        console.print("[red]interrupted[/]")
        raise typer.Exit(130)
    except Exception as exc:
        if verbose:
            raise
        console.print(f"[bold red]error:[/] {type(exc).__name__}: {exc}\n(run again with --verbose for details)")
        raise typer.Exit(2)


def _registry():
    from deepto.usecase import load_registry

    return load_registry()


@app.command()
def usecases() -> None:
    """List installed use-cases.  Example: deepto usecases"""
    registry = _registry()
    for case in registry.usecases.values():
        console.print(f"[bold]{case.name}[/]  {case.title} ({case.industry}): {case.decision}")
    for name, error in registry.errors.items():
        console.print(f"[red]{name}[/]  failed to load: {error}")


@app.command()
def generate(
    usecase: str,
    out: Annotated[Path, typer.Option(help="Where to write the batch (file or folder, per the use-case's format).")],
    rows: Annotated[int, typer.Option(min=1, help="Number of cases to generate.")] = 10000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same batch.")] = 0,
) -> None:
    """Write a labelled synthetic batch in the use-case's format.

    Example: deepto generate fraud-detection --rows 5000 --out batch.csv
    """
    def action():
        path = _registry().get(usecase).generate_batch(rows, out, seed)
        console.print(f"wrote {rows:,} cases to {path}")

    _run(action, False)


@app.command()
def validate(
    usecase: str,
    data: Annotated[Path, typer.Option(help="The batch to check.")],
    unlabelled: Annotated[bool, typer.Option(help="The batch is for scoring: labels may be absent.")] = False,
    verbose: Verbose = False,
) -> None:
    """Check a batch against the use-case's expectations; a refused batch goes to quarantine.

    Example: deepto validate fraud-detection --data batch.csv
    """
    def action():
        from deepto.store import Store
        from deepto.validation import validate_batch
        from deepto.workflow import recorded

        settings = _settings(verbose)
        settings.ensure_home()
        store = Store.open(settings.db_url)
        case = _registry().get(usecase)
        run_id = store.start_run(case.name, "validate", {"data": str(data)})
        with recorded(store, run_id):
            frame = validate_batch(case, data, not unlabelled, store, settings.quarantine_dir, run_id)
        store.finish_run(run_id, "succeeded", n_cases=len(frame))
        console.print(f"[green]ok[/] {store.validation_reports(usecase=case.name, limit=1)[0]['summary']}")

    _run(action, verbose)


@app.command()
def train(
    usecase: str,
    data: Annotated[Path | None, typer.Option(help="A labelled batch in the use-case's format.")] = None,
    rows: Annotated[int | None, typer.Option(help="Generate a labelled batch of this many cases instead.")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Ray Train workers (default: what the machine has).")] = None,
    gpu: Annotated[bool, typer.Option("--gpu", help="Train on GPUs with bf16 autocast.")] = False,
    epochs: Annotated[int | None, typer.Option(min=1, help="Maximum epochs (early stopping may end sooner).")] = None,
    seed: Annotated[int, typer.Option(help="Seed for generation, split and initialisation.")] = 0,
    verbose: Verbose = False,
) -> None:
    """Validate, train on Ray, evaluate against the baseline, register in MLflow, record KPIs.

    Examples:\n\n  deepto train fraud-detection --rows 50000 --workers 2\n\n  deepto train fraud-detection --data transactions.parquet --gpu
    """
    def action():
        if (data is None) == (rows is None):
            raise ConfigError("Give either --data PATH (a labelled batch in the documented format) "
                              "or --rows N (generate one).")
        _registry().get(usecase)
        _settings(verbose)
        from pipelines.train import train_flow

        summary = train_flow(usecase, str(data) if data else None, rows, workers, gpu, epochs, seed)
        _print_kpis([summary["kpis"]])

    _run(action, verbose)


@app.command()
def score(
    usecase: str,
    data: Annotated[Path, typer.Option(help="The batch to decide (labels optional).")],
    out: Annotated[Path | None, typer.Option(help="Where to write decisions (CSV or .parquet).")] = None,
    verbose: Verbose = False,
) -> None:
    """Let the champion model decide each case of a new batch, or send it to a human.

    Example: deepto score fraud-detection --data today.csv --out decisions.csv
    """
    def action():
        _registry().get(usecase)
        _settings(verbose)
        from pipelines.score import score_flow

        summary = score_flow(usecase, str(data), str(out) if out else None)
        if summary.get("already_decided"):
            console.print(f"already decided: this content was {summary['status']} by run {summary['run_id']} "
                          f"(first seen as {summary['first_seen_as']}); nothing is decided or booked again")
            return
        console.print(f"{summary['automation_rate']:.1%} of {summary['n_cases']:,} cases decided automatically; "
                      f"decisions in {summary['out']}")

    _run(action, verbose)


@app.command()
def kpis(
    usecase: Annotated[str | None, typer.Argument(help="One use-case; default: all and overall.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """The four KPIs (cost, automation, errors, profit) against the process each use-case replaced.

    Examples:\n\n  deepto kpis\n\n  deepto kpis fraud-detection --json
    """
    def action():
        from deepto.store import Store

        settings = _settings(False)
        settings.ensure_home()
        store = Store.open(settings.db_url)
        rows = store.kpi_summary(usecase=usecase)
        if usecase is None and rows:
            rows.append(store.kpi_overall())
        if as_json:
            payload = rows[0] if usecase and rows else rows
            if usecase and not rows:
                payload = {"usecase": usecase, "automation_rate": None, "error_reduction": None,
                           "cost_reduction": None, "savings": None, "roi": None}
            sys.stdout.write(json.dumps(payload, default=str, indent=2) + "\n")
        elif not rows:
            console.print("No KPIs recorded yet. Run `deepto demo` or `deepto train fraud-detection --rows 50000`.")
        else:
            _print_kpis(rows)

    _run(action, False)


def _pct(value) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _ratio(value) -> str:
    if value is None:
        return "n/a"
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:,.1f}{suffix}x"
    return f"{value:,.1f}x"


def _print_kpis(rows: list[dict]) -> None:
    from rich.table import Table

    table = Table(title="Deep learning vs the process it replaced")
    for column in ("use-case", "automation", "error reduction", "cost reduction", "savings", "ROI"):
        table.add_column(column, justify="left" if column == "use-case" else "right", no_wrap=True)
    for row in rows:
        savings = row.get("savings")
        table.add_row(row["usecase"], _pct(row.get("automation_rate")), _pct(row.get("error_reduction")),
                      _pct(row.get("cost_reduction")), "n/a" if savings is None else f"${savings:,.2f}",
                      _ratio(row.get("roi")))
    console.print(table)


@app.command()
def demo(
    workers: Annotated[int | None, typer.Option(min=1, help="Ray Train workers per template.")] = None,
    quick: Annotated[bool, typer.Option(
        "--quick", help="Each template's smallest data and 2 epochs: checks an install in minutes; "
        "the figures it records mean little.")] = False,
    verbose: Verbose = False,
) -> None:
    """Every installed template on generated data: train, score a new batch, then the KPI table.

    Examples:\n\n  deepto demo\n\n  deepto demo --quick --workers 2
    """
    def action():
        settings = _settings(verbose)
        from deepto import runtime, tracking
        from pipelines.score import score_flow
        from pipelines.train import train_flow

        registry = _registry()
        for name, error in registry.errors.items():
            console.print(f"[yellow]skipping {name}[/]: {error}")
        for case in registry.usecases.values():
            stage(f"[bold]{case.title}[/] ({case.industry}): {case.decision}")
            rows = case.smoke_rows if quick else case.demo_rows
            trained = train_flow(case.name, None, rows, workers, False, 2 if quick else None, 0)
            if tracking.champion_version(runtime.ensure_mlflow(settings), case.name) is None:
                # Scoring with a model that lost to the process it would replace would book false savings.
                console.print(f"[yellow]{case.name}: no champion to score with ({trained['verdict']}); "
                              "scoring skipped[/]")
                continue
            batch = case.generate_batch(max(rows // 4, 100), settings.root / "demo" / f"{case.name}-new-batch", 1)
            score_flow(case.name, str(batch), None)
        from deepto.store import Store

        store = Store.open(settings.db_url)
        _print_kpis(store.kpi_summary() + [store.kpi_overall()])
        detail(f"MLflow UI:   mlflow ui --backend-store-uri {settings.tracking_uri}")
        detail("Dashboards:  deepto dashboard")
        detail("KPIs as JSON: deepto kpis --json")

    _run(action, verbose)


@app.command()
def runs(
    usecase: Annotated[str | None, typer.Argument(help="One use-case; default: all.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many of the newest runs.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """The newest pipeline runs; a run whose driver died shows as failed, not running.

    Examples:\n\n  deepto runs\n\n  deepto runs fraud-detection --json
    """
    def action():
        from rich.table import Table

        from deepto.store import Store

        # Opening the store marks failed the runs whose driver process has gone.
        rows = Store.open(_settings(False).db_url).runs(usecase=usecase, limit=limit)
        if as_json:
            sys.stdout.write(json.dumps(rows, default=str, indent=2) + "\n")
            return
        table = Table(title="Pipeline runs, newest first")
        for column in ("run", "use-case", "kind", "status", "started (UTC)", "seconds", "message"):
            table.add_column(column, overflow="fold")
        for r in rows:
            table.add_row(r["id"], r["usecase"], r["kind"], r["status"], f"{r['started_at']:%Y-%m-%d %H:%M:%S}",
                          "" if r["duration_s"] is None else f"{r['duration_s']:,.0f}", (r["message"] or "")[:120])
        console.print(table)

    _run(action, False)


@app.command()
def dashboard(
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 exposes it to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8501,
) -> None:
    """Serve the managers' dashboards (login required; users from dashboard_users.toml).

    Examples:\n\n  deepto dashboard\n\n  deepto dashboard --host 0.0.0.0 --port 8080
    """
    import dashboards

    console.print(f"Deepto dashboards on http://{host}:{port}  (Ctrl-C to stop)")
    raise typer.Exit(dashboards.launch(host, port))


def _add_stack_commands() -> None:
    # Their module calls back into this one's helpers, so it is imported once they exist.
    from deepto.stack.commands import schedule_command, stack_app

    app.add_typer(stack_app, name="stack")
    app.command("schedule")(schedule_command)


_add_stack_commands()

if __name__ == "__main__":
    app()
