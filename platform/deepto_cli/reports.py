"""What managers and operators read: KPIs, runs, the dashboards, and the demo that fills them."""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated

import typer

from deepto.console import console, detail, stage
from deepto_cli import common

def kpis(
    usecase: Annotated[str | None, typer.Argument(help="One use-case; default: all and overall.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """The four KPIs (cost, automation, errors, profit) against the process each use-case replaced:
    projected on held-out cases and realised on decided batches, never added together.

    Examples:\n\n  deepto kpis\n\n  deepto kpis fraud-detection --json
    """
    def action():
        from deepto.reports import kpi_report
        from deepto.store import Store

        settings = common.load_settings(False)
        store = Store.open(settings.db_url)
        rows = kpi_report(store, usecase)
        if usecase is None and rows:
            rows.append(store.kpi_overall())
        if as_json:
            payload = rows[0] if usecase and rows else rows
            if usecase and not rows:
                payload = {"usecase": usecase, "automation_rate": None, "error_reduction": None,
                           "cost_reduction": None, "savings": None, "roi": None, "projected_savings": None,
                           "realised_savings": None}
            sys.stdout.write(json.dumps(payload, default=str, indent=2) + "\n")
        elif not rows:
            console.print("No KPIs recorded yet. Run `deepto demo` or `deepto train fraud-detection --rows 50000`.")
        else:
            common.print_kpis(rows)

    common.run(action, False)


def demo(
    usecases: Annotated[list[str] | None, typer.Argument(
        help="Only these templates (default: every installed one).", show_default=False)] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Ray Train workers per template.")] = None,
    seed: Annotated[int, typer.Option(
        min=0, help="Seed of the generated batches, the split and training: another seed, other data.")] = 0,
    quick: Annotated[bool, typer.Option(
        "--quick", help="Each template's smallest data and 2 epochs: checks an install in minutes; "
        "the figures it records mean little.")] = False,
    verbose: common.Verbose = False,
) -> None:
    """Every installed template on generated data: train, score a new batch, then the KPI table.

    Examples:\n\n  deepto demo\n\n  deepto demo --quick --workers 2\n\n  deepto demo fraud-detection crop-disease --seed 1
    """
    def action():
        settings = common.load_settings(verbose)
        from deepto import runtime, tracking

        prefect_ready = runtime.start_prefect_api(settings)
        runtime.ensure_ray(settings)
        from deepto.registration import mlflow_for
        from deepto.reports import kpi_report
        from deepto.store import Store
        from deepto.workflow import TrainOptions, demo_batches
        from pipelines.score import score_flow
        from pipelines.train import train_flow

        registry = common.usecase_registry()
        for name, error in registry.errors.items():
            console.print(f"[yellow]skipping {name}[/]: {error}")
        for case in [registry.get(name) for name in usecases] if usecases else registry.usecases.values():
            started = time.perf_counter()
            stage(f"[bold]{case.title}[/] ({case.industry}): {case.decision}")
            rows = case.smoke_rows if quick else case.demo_rows
            train_path, new_batch = demo_batches(case, rows, settings.root / "demo" / case.name, seed)
            prefect_ready()
            trained = train_flow(case.name, str(train_path), None,
                                 TrainOptions(workers=workers, epochs=2 if quick else case.demo_epochs, seed=seed))
            if tracking.champion_version(mlflow_for(settings, case), case.name) is None:
                # Scoring with a model that lost to the process it would replace would book false savings.
                console.print(f"[yellow]{case.name}: no champion to score with ({trained['verdict']}); "
                              "scoring skipped[/]")
            else:
                score_flow(case.name, str(new_batch), None)
            detail(f"{case.name}: {time.perf_counter() - started:.0f} s")
        store = Store.open(settings.db_url)
        common.print_kpis(kpi_report(store) + [store.kpi_overall()])
        detail(f"MLflow UI:   mlflow ui --backend-store-uri {settings.tracking_uri}")
        detail("Dashboards:  deepto dashboard")
        detail("KPIs as JSON: deepto kpis --json")

    common.run(action, verbose)


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
        rows = Store.open(common.load_settings(False).db_url).runs(usecase=usecase, limit=limit)
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

    common.run(action, False)


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
