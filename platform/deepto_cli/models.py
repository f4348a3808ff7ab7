"""Models: train, tune, draw a learning curve, score a batch."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from deepto.console import console
from deepto.errors import ConfigError
from deepto_cli import common

def train(
    usecase: str,
    data: Annotated[Path | None, typer.Option(help="A labelled batch in the use-case's format.")] = None,
    rows: Annotated[int | None, typer.Option(help="Generate a labelled batch of this many cases instead.")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Ray Train workers (default: what the machine has).")] = None,
    gpu: Annotated[bool, typer.Option("--gpu", help="Train on GPUs with bf16 autocast.")] = False,
    epochs: Annotated[int | None, typer.Option(min=1, help="Maximum epochs (early stopping may end sooner).")] = None,
    seed: Annotated[int, typer.Option(help="Seed for generation, split and initialisation.")] = 0,
    verbose: common.Verbose = False,
) -> None:
    """Validate, train on Ray, evaluate every process, let the gate pick the champion, record KPIs.

    Examples:\n\n  deepto train fraud-detection --rows 50000 --workers 2\n\n  deepto train fraud-detection --data transactions.parquet --gpu
    """
    def action():
        require_one_batch(data, rows)
        common.usecase_registry().get(usecase)
        settings = common.load_settings(verbose)
        from deepto import runtime
        from deepto.workflow import TrainOptions

        prefect_ready = runtime.start_prefect_api(settings)
        runtime.ensure_ray(settings)
        from pipelines.train import train_flow

        prefect_ready()
        summary = train_flow(usecase, str(data) if data else None, rows,
                             TrainOptions(workers=workers, use_gpu=gpu, epochs=epochs, seed=seed))
        common.print_kpis([summary["kpis"]], single=True)

    common.run(action, verbose)


def require_one_batch(data, rows) -> None:
    if (data is None) == (rows is None):
        raise ConfigError("Give either --data PATH (a labelled batch in the documented format) or --rows N (generate one).")


def tune(
    usecase: str,
    trials: Annotated[int, typer.Option(min=1, help="Configurations to try (the first is the use-case's default).")] = 8,
    data: Annotated[Path | None, typer.Option(help="A labelled batch in the use-case's format.")] = None,
    rows: Annotated[int | None, typer.Option(help="Generate a labelled batch of this many cases instead.")] = None,
    workers_per_trial: Annotated[int, typer.Option(min=1, help="Ray Train workers of each trial.")] = 1,
    epochs: Annotated[int | None, typer.Option(min=1, help="Maximum epochs per trial (ASHA stops bad ones sooner).")] = None,
    seed: Annotated[int, typer.Option(help="Seed for generation, split, sampling and initialisation.")] = 0,
    restart: Annotated[bool, typer.Option("--restart", help="Start the study again instead of resuming it.")] = False,
    verbose: common.Verbose = False,
) -> None:
    """Ray Tune over learning rate, weight decay, batch size and the model's own knobs, minimising the
    expected business cost on the validation cases; the best trial then faces the same gate as any model.
    An interrupted study resumes when the same command runs again.

    Examples:\n\n  deepto tune fraud-detection --trials 8 --rows 50000\n\n  deepto tune crop-disease --trials 4 --data photos/ --workers-per-trial 2
    """
    def action():
        require_one_batch(data, rows)
        common.usecase_registry().get(usecase)
        common.load_settings(verbose)
        from deepto.tuning import TuneOptions
        from pipelines.tune import tune_flow

        summary = tune_flow(usecase, str(data) if data else None, rows,
                            TuneOptions(trials=trials, workers_per_trial=workers_per_trial, seed=seed, epochs=epochs,
                                        restart=restart))
        console.print(f"best of {summary['trials']} trials: held-out expected cost "
                      f"${summary['best_heldout_cost_usd']:,.2f} against ${summary['default_heldout_cost_usd']:,.2f} "
                      f"for the default configuration; {summary['verdict']}")

    common.run(action, verbose)


def curve(
    usecase: str,
    rows: Annotated[str | None, typer.Option(
        help="Data sizes, comma-separated; default: the template's, from a tenth of its demo size to all of it.",
        show_default=False)] = None,
    seeds: Annotated[int, typer.Option(min=1, help="Batches (and splits) per size.")] = 1,
    data: Annotated[Path | None, typer.Option(help="Draw the sizes from this labelled batch instead of generating.")] = None,
    cpus_per_trial: Annotated[int, typer.Option(min=1, help="CPUs (training threads) of each trial.")] = 1,
    epochs: Annotated[int | None, typer.Option(min=1, help="Maximum epochs of the deep model.")] = None,
    verbose: common.Verbose = False,
) -> None:
    """Learning curve: the deep model and every baseline at each size, as Ray Tune trials; says from which
    size deep learning pays. The plot is in MLflow and on the dashboard's use-case page.

    Examples:\n\n  deepto curve fraud-detection\n\n  deepto curve crop-disease --rows 500,1500,3000 --seeds 2
    """
    def action():
        case = common.usecase_registry().get(usecase)
        try:
            sizes = case.curve_rows if rows is None else tuple(int(part) for part in rows.split(",") if part.strip())
        except ValueError:
            raise ConfigError(f"--rows must be whole numbers separated by commas, e.g. 5000,20000; got {rows!r}.")
        common.load_settings(verbose)
        from deepto.curves import CurveOptions
        from pipelines.curve import curve_flow

        summary = curve_flow(usecase, CurveOptions(sizes=sizes, seeds=seeds, cpus_per_trial=cpus_per_trial,
                                                   epochs=epochs), str(data) if data else None)
        console.print(summary["message"])

    common.run(action, verbose)


def score(
    usecase: str,
    data: Annotated[Path, typer.Option(help="The batch to decide (labels optional).")],
    out: Annotated[Path | None, typer.Option(help="Where to write decisions (CSV or .parquet).")] = None,
    verbose: common.Verbose = False,
) -> None:
    """Let the champion model decide each case of a new batch, or send it to a human.

    Example: deepto score fraud-detection --data today.csv --out decisions.csv
    """
    def action():
        case = common.usecase_registry().get(usecase)
        settings = common.load_settings(verbose)
        from deepto import runtime, tracking
        from deepto.errors import NoChampion

        # Before Prefect is imported and its server started: a home that has never trained hears so at once.
        if tracking.champion_version(runtime.ensure_mlflow(settings), case.name) is None:
            raise NoChampion.of(case)
        from pipelines.score import score_flow

        summary = score_flow(usecase, str(data), str(out) if out else None)
        if summary.get("already_decided"):
            console.print(f"already decided: this content was {summary['status']} by run {summary['run_id']} "
                          f"(first seen as {summary['first_seen_as']}); nothing is decided or booked again")
            return
        console.print(f"{summary['automation_rate']:.1%} of {summary['n_cases']:,} cases decided automatically; "
                      f"decisions in {summary['out']}, actions to take in {summary['alerts']}; "
                      f"{summary['throughput']['summary']}")

    common.run(action, verbose)
