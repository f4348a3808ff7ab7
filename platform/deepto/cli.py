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
    """Validate, train on Ray, evaluate every process, let the gate pick the champion, record KPIs.

    Examples:\n\n  deepto train fraud-detection --rows 50000 --workers 2\n\n  deepto train fraud-detection --data transactions.parquet --gpu
    """
    def action():
        _require_one_batch(data, rows)
        _registry().get(usecase)
        _settings(verbose)
        from deepto.workflow import TrainOptions
        from pipelines.train import train_flow

        summary = train_flow(usecase, str(data) if data else None, rows,
                             TrainOptions(workers=workers, use_gpu=gpu, epochs=epochs, seed=seed))
        _print_kpis([summary["kpis"]], single=True)

    _run(action, verbose)


def _require_one_batch(data, rows) -> None:
    if (data is None) == (rows is None):
        raise ConfigError("Give either --data PATH (a labelled batch in the documented format) or --rows N (generate one).")


@app.command()
def tune(
    usecase: str,
    trials: Annotated[int, typer.Option(min=1, help="Configurations to try (the first is the use-case's default).")] = 8,
    data: Annotated[Path | None, typer.Option(help="A labelled batch in the use-case's format.")] = None,
    rows: Annotated[int | None, typer.Option(help="Generate a labelled batch of this many cases instead.")] = None,
    workers_per_trial: Annotated[int, typer.Option(min=1, help="Ray Train workers of each trial.")] = 1,
    epochs: Annotated[int | None, typer.Option(min=1, help="Maximum epochs per trial (ASHA stops bad ones sooner).")] = None,
    seed: Annotated[int, typer.Option(help="Seed for generation, split, sampling and initialisation.")] = 0,
    restart: Annotated[bool, typer.Option("--restart", help="Start the study again instead of resuming it.")] = False,
    verbose: Verbose = False,
) -> None:
    """Ray Tune over learning rate, weight decay, batch size and the model's own knobs, minimising the
    expected business cost on the validation cases; the best trial then faces the same gate as any model.
    An interrupted study resumes when the same command runs again.

    Examples:\n\n  deepto tune fraud-detection --trials 8 --rows 50000\n\n  deepto tune crop-disease --trials 4 --data photos/ --workers-per-trial 2
    """
    def action():
        _require_one_batch(data, rows)
        _registry().get(usecase)
        _settings(verbose)
        from deepto.tuning import TuneOptions
        from pipelines.tune import tune_flow

        summary = tune_flow(usecase, str(data) if data else None, rows,
                            TuneOptions(trials=trials, workers_per_trial=workers_per_trial, seed=seed, epochs=epochs,
                                        restart=restart))
        console.print(f"best of {summary['trials']} trials: held-out expected cost "
                      f"${summary['best_heldout_cost_usd']:,.2f} against ${summary['default_heldout_cost_usd']:,.2f} "
                      f"for the default configuration; {summary['verdict']}")

    _run(action, verbose)


@app.command()
def curve(
    usecase: str,
    rows: Annotated[str, typer.Option(help="Data sizes, comma-separated.")] = "5000,20000,50000,200000",
    seeds: Annotated[int, typer.Option(min=1, help="Batches (and splits) per size.")] = 1,
    data: Annotated[Path | None, typer.Option(help="Draw the sizes from this labelled batch instead of generating.")] = None,
    cpus_per_trial: Annotated[int, typer.Option(min=1, help="CPUs (training threads) of each trial.")] = 1,
    epochs: Annotated[int | None, typer.Option(min=1, help="Maximum epochs of the deep model.")] = None,
    verbose: Verbose = False,
) -> None:
    """Learning curve: the deep model and every baseline at each size, as Ray Tune trials; says from which
    size deep learning pays. The plot is in MLflow and on the dashboard's use-case page.

    Examples:\n\n  deepto curve fraud-detection --rows 5000,20000,50000,200000\n\n  deepto curve crop-disease --rows 500,1500,3000 --seeds 2
    """
    def action():
        try:
            sizes = tuple(int(part) for part in rows.split(",") if part.strip())
        except ValueError:
            raise ConfigError(f"--rows must be whole numbers separated by commas, e.g. 5000,20000; got {rows!r}.")
        _registry().get(usecase)
        _settings(verbose)
        from deepto.curves import CurveOptions
        from pipelines.curve import curve_flow

        summary = curve_flow(usecase, CurveOptions(sizes=sizes, seeds=seeds, cpus_per_trial=cpus_per_trial,
                                                   epochs=epochs), str(data) if data else None)
        console.print(summary["message"])

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
                      f"decisions in {summary['out']}, actions to take in {summary['alerts']}; "
                      f"{summary['throughput']['summary']}")

    _run(action, verbose)


@app.command()
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

        settings = _settings(False)
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
            _print_kpis(rows)

    _run(action, False)


def _print_kpis(rows: list[dict], single: bool = False) -> None:
    """Projected (held-out) and realised (decided batches) figures in separate lines, then champions."""
    from rich.table import Table

    from deepto.formatting import pct, roi, usd

    table = Table(title="Deep learning vs the process it replaced")
    for column in ("use-case", "figures", "cases", "automation", "error reduction", "cost reduction", "savings",
                   "ROI"):
        table.add_column(column, justify="left" if column in ("use-case", "figures") else "right", no_wrap=True)
    kinds = [("", "held-out cases (projected)")] if single else [
        ("projected_", "projected (held-out cases)"), ("realised_", "realised (decided batches)")]
    for row in rows:
        for prefix, label in kinds:
            cases = row.get(f"{prefix}n_cases", row.get("deepto_n_cases"))
            if not single and not row.get(f"{prefix}n_records"):
                continue
            table.add_row(row["usecase"], label, f"{cases:,}" if cases else "-",
                          pct(row.get(f"{prefix}automation_rate"), 1), pct(row.get(f"{prefix}error_reduction"), 1),
                          pct(row.get(f"{prefix}cost_reduction"), 1), usd(row.get(f"{prefix}savings"), 2),
                          roi(row.get(f"{prefix}roi")))
    console.print(table)
    for row in rows:
        if row.get("champion"):
            champion = row["champion"]
            what = "the deep model" if champion["kind"] == "deep" else f"the classical model '{champion['process']}'"
            console.print(f"[bold]{row['usecase']}[/]: champion is {what} (version {champion['model_version']}). "
                          f"{row['learning_curve']['message']}")
        elif row.get("learning_curve"):
            console.print(f"[bold]{row['usecase']}[/]: no champion yet. {row['learning_curve']['message']}")


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
        from deepto import tracking
        from deepto.registration import mlflow_for
        from deepto.reports import kpi_report
        from deepto.store import Store
        from deepto.workflow import TrainOptions, demo_batches
        from pipelines.score import score_flow
        from pipelines.train import train_flow

        registry = _registry()
        for name, error in registry.errors.items():
            console.print(f"[yellow]skipping {name}[/]: {error}")
        for case in registry.usecases.values():
            stage(f"[bold]{case.title}[/] ({case.industry}): {case.decision}")
            rows = case.smoke_rows if quick else case.demo_rows
            train_path, new_batch = demo_batches(case, rows, settings.root / "demo" / case.name, 0)
            trained = train_flow(case.name, str(train_path), None,
                                 TrainOptions(workers=workers, epochs=2 if quick else None, seed=0))
            if tracking.champion_version(mlflow_for(settings, case), case.name) is None:
                # Scoring with a model that lost to the process it would replace would book false savings.
                console.print(f"[yellow]{case.name}: no champion to score with ({trained['verdict']}); "
                              "scoring skipped[/]")
                continue
            score_flow(case.name, str(new_batch), None)
        store = Store.open(settings.db_url)
        _print_kpis(kpi_report(store) + [store.kpi_overall()])
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
