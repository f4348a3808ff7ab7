"""Writing use-cases: ``deepto new`` scaffolds one, ``deepto check`` runs the contract kit on one.

Both are thin: the logic lives in ``deepto.scaffold`` and ``deepto.contract``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from deepto.console import console
from deepto_cli import common

STYLES = {"passed": "green", "failed": "bold red", "todo": "yellow", "skipped": "dim"}


def new(
    name: str,
    kind: Annotated[str, typer.Option(help="table, images, video, signals or text.")],
    into: Annotated[Path | None, typer.Option(
        "--in", help="Write a separate installable package in PATH/NAME (its own pyproject.toml, entry point and "
        "tests) instead of usecases/ in this repository.")] = None,
) -> None:
    """Write a new use-case that honours the contract at once: generated data, checks, model, baselines,
    placeholder economics and tests, each file saying what to change for a real business.

    Examples:\n\n  deepto new game-chat-moderation --kind text\n\n  deepto new shelf-photos --kind images --in ../templates
    """
    def action():
        from deepto.scaffold import new_usecase

        written = new_usecase(name, kind, into)
        console.print(f"[green]wrote[/] {len(written.files)} files for {name} ({kind}) in {written.root}; next:")
        for step in written.next_steps:
            console.print(f"  {step}", markup=False, highlight=False)

    common.run(action, False)


def check(
    usecase: str,
    rows: Annotated[int | None, typer.Option(min=1, help="Cases to generate (default: the use-case's smoke_rows).")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Also fail while an economics source is a placeholder "
                                                          "(starts with TODO).")] = False,
    verbose: common.Verbose = False,
) -> None:
    """The contract kit on an installed use-case: its declaration, a generated batch, spoiled batches refused
    (a missing column, a word in a number column, an unknown label, an unreadable file), an unlabelled batch
    accepted, then a smoke train and score on tiny data. Exits 1 when a check fails.

    Examples:\n\n  deepto check game-chat-moderation\n\n  deepto check my-case --strict
    """
    def action():
        from deepto.contract import check_installed

        common.load_settings(verbose)
        report = check_installed(usecase, rows=rows, raise_errors=verbose, on_result=lambda result: console.print(
            result.line(), style=STYLES[result.status], markup=False, highlight=False))
        console.print(report.text().splitlines()[-1], markup=False, highlight=False)
        return report.passed(strict)

    if not common.run(action, verbose):
        raise typer.Exit(1)
