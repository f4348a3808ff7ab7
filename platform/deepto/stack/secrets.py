"""The stack's credentials: made once, on the first ``deepto stack up``, and kept with mode 0600.

They are never printed or logged: services get them through their environment or a 0600 file,
never on a command line (which any user of the host can read with ``ps``).
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from deepto.errors import ConfigError


def _token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Credentials:
    """Passwords of the MLflow admin, the Prefect API and the dashboard admin, and the Ray token."""

    mlflow_user: str = "deepto"
    mlflow_password: str = field(default_factory=_token, repr=False)
    mlflow_flask_secret: str = field(default_factory=_token, repr=False)
    """MLflow's auth app signs its CSRF tokens with it."""
    prefect_user: str = "deepto"
    prefect_password: str = field(default_factory=_token, repr=False)
    ray_token: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)
    """Ray's own token format: 256 random bits in hex."""
    dashboard_user: str = "admin"
    dashboard_password: str = field(default_factory=_token, repr=False)

    @property
    def prefect_auth_string(self) -> str:
        return f"{self.prefect_user}:{self.prefect_password}"


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, replacing any older one in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(text)
    os.replace(partial, path)


def load_or_create(path: Path) -> Credentials:
    """The credentials in ``path``; made (and written with mode 0600) when the file does not exist."""
    if not path.exists():
        made = Credentials()
        lines = [f"{f.name} = {_quoted(getattr(made, f.name))}" for f in fields(made)]
        write_private(path, "# Made by `deepto stack up`. Keep private (mode 0600).\n" + "\n".join(lines) + "\n")
        return made
    if path.stat().st_mode & 0o077:
        raise ConfigError(f"{path} can be read by other users of this host. Restrict it with `chmod 600 {path}`.")
    try:
        values = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}). Fix it, or delete it to make new credentials "
                          "(then also drop the stack's databases, which keep the old ones).") from None
    known = {f.name for f in fields(Credentials)}
    return Credentials(**{k: str(v) for k, v in values.items() if k in known})


def _quoted(value: str) -> str:
    # The values are URL-safe or hex, so a basic TOML string needs no escapes.
    return f'"{value}"'
