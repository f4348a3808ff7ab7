"""Use-cases and their batches: list, generate, validate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from deepto.console import console
from deepto_cli import common

def usecases() -> None:
    """List installed use-cases.  Example: deepto usecases"""
    registry = common.usecase_registry()
    for case in registry.usecases.values():
        console.print(f"[bold]{case.name}[/]  {case.title} ({case.industry}): {case.decision}")
    for name, error in registry.errors.items():
        console.print(f"[red]{name}[/]  failed to load: {error}")


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
        path = common.usecase_registry().get(usecase).generate_batch(rows, out, seed)
        console.print(f"wrote {rows:,} cases to {path}")

    common.run(action, False)


def validate(
    usecase: str,
    data: Annotated[Path, typer.Option(help="The batch to check.")],
    unlabelled: Annotated[bool, typer.Option(help="The batch is for scoring: labels may be absent.")] = False,
    verbose: common.Verbose = False,
) -> None:
    """Check a batch against the use-case's expectations; a refused batch goes to quarantine.

    Example: deepto validate fraud-detection --data batch.csv
    """
    def action():
        from deepto.store import Store
        from deepto.validation import validate_batch
        from deepto.workflow import recorded

        settings = common.load_settings(verbose)
        settings.ensure_home()
        store = Store.open(settings.db_url)
        case = common.usecase_registry().get(usecase)
        run_id = store.start_run(case.name, "validate", {"data": str(data)})
        with recorded(store, run_id):
            frame = validate_batch(case, data, not unlabelled, store, settings.quarantine_dir, run_id)
        store.finish_run(run_id, "succeeded", n_cases=len(frame))
        console.print(f"[green]ok[/] {store.validation_reports(usecase=case.name, limit=1)[0]['summary']}")

    common.run(action, verbose)
