"""Errors meant for people: what failed, where, and what to do about it."""


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
