"""Errors meant for people: what failed, where, and what to do about it."""

from __future__ import annotations


class DeeptoError(Exception):
    """An error the CLI prints as one readable message instead of a traceback."""


class ConfigError(DeeptoError):
    """A setting, option or use-case declaration is wrong."""


class BatchError(DeeptoError):
    """A batch cannot be read at all (missing, empty, not in the documented format)."""


class ValidationFailed(DeeptoError):
    """A batch was refused by its use-case's expectations and put in quarantine."""

    def __init__(self, message: str, report: dict | None = None, quarantine_path: str | None = None):
        super().__init__(message)
        self.report = report or {}
        self.quarantine_path = quarantine_path


class NoChampion(DeeptoError):
    """Scoring was asked for a use-case that has no champion model yet."""

    @classmethod
    def of(cls, case) -> NoChampion:
        """The error for ``case``, naming how to train it: at its demo size, not a size that takes hours."""
        return cls(f"{case.name} has no champion model yet. Train one first: `deepto train {case.name} --data "
                   f"LABELLED_BATCH` on your own cases, or `deepto train {case.name} --rows {case.demo_rows}` on "
                   "generated ones.")
