"""What every command shares: settings and services from the environment, readable errors, the registry,
the KPI table."""

from __future__ import annotations

from typing import Annotated

import typer

from deepto.console import console
from deepto.errors import DeeptoError

Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Show Ray's, Prefect's and MLflow's own logs.")]


def load_settings(verbose: bool = False):
    """The platform settings, with the libraries' variables and log levels set from them."""
    from deepto import runtime
    from deepto.settings import get_settings

    current = get_settings(verbose=verbose) if verbose else get_settings()
    current.ensure_home()
    runtime.apply_service_environment(current)
    runtime.configure_logging(current)
    return current


def run(action, verbose: bool):
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


def usecase_registry():
    from deepto.usecase import load_registry

    return load_registry()


def print_kpis(rows: list[dict], single: bool = False) -> None:
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


