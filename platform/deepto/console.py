"""What a user sees while a run goes: stages, progress and results, on stderr-free stdout."""

from __future__ import annotations

import sys

from rich.console import Console

# Piped output (CI logs, files) gets a width that keeps the KPI table and paths on one line.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)


def stage(text: str) -> None:
    console.print(f"[bold cyan]>[/] {text}")


def detail(text: str) -> None:
    console.print(f"  {text}")


def epoch_line(line: dict) -> None:
    best = " (best)" if line["best_epoch"] == line["epoch"] else ""
    stop = "  early stop: no improvement" if line.get("stopped_early") else ""
    detail(f"epoch {line['epoch']}/{line['epochs']}  train loss {line['train_loss']:.4f}  "
           f"val loss {line['val_loss']:.4f}  val acc {line['val_accuracy']:.3f}  "
           + (f"val PR-AUC {line['val_pr_auc']:.3f}  " if "val_pr_auc" in line else "") +
           f"{line['epoch_seconds']:.1f}s{best}{stop}")
