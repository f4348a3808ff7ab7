"""Platform settings: the one place that reads ``DEEPTO_*`` environment variables.

Embedded defaults need no server: everything lives under ``DEEPTO_HOME``. A team points each store
at a real service with one variable (a PostgreSQL URL, an MLflow server, a Ray cluster address).
An optional TOML file (``DEEPTO_CONFIG`` or ``<home>/deepto.toml``) gives the same keys; environment
variables win over it.
"""

from __future__ import annotations

import os
import tomllib
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from deepto.errors import ConfigError


# Why the default fixed cost per run is $14: a team running four use-cases, each scored daily and
# retrained weekly, makes 4 x (30 + 4) = 136 runs a month. Those runs carry (a) a tenth of one
# machine-learning engineer's time to keep the platform up: $160,000/yr of pay (an assumption: a
# typical US figure for the role, above the median data scientist's) x 1.3 for benefits = $208,000/yr,
# a tenth = $1,733/month; and (b) the servers: one 4-vCPU VM for MLflow,
# Prefect and the dashboards (AWS on-demand m7g.xlarge, $0.1632/h = $119/month) and a small managed
# PostgreSQL (RDS db.t4g.medium, about $47/month on demand). ($1,733 + $119 + $47) / 136 runs = $13.96 a run.
FIXED_COST_USD_PER_RUN = 14.0
FIXED_COST_SOURCE = (
    "Default $14: (a tenth of an ML engineer at $208,000/yr loaded, $1,733/month, + $166/month of servers "
    "for MLflow, Prefect, dashboards and PostgreSQL) / 136 runs a month (four use-cases scored daily, "
    "retrained weekly). Set your own with DEEPTO_FIXED_COST_USD_PER_RUN."
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DEEPTO_", extra="forbid", frozen=True)

    home: Path = Field(Path(".deepto"), description="Folder that holds all embedded state.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the platform database; default: SQLite in home."
    )
    mlflow_tracking_uri: str | None = Field(
        None, description="MLflow tracking URI; default: SQLite in home with a local artifact folder."
    )
    ray_address: str | None = Field(
        None, description="Address of a Ray cluster (ray://host:10001 or auto); default: a local Ray."
    )
    prefect_api_url: str | None = Field(
        None, description="Prefect server API URL; default: Prefect's temporary local API."
    )
    ray_num_cpus: int | None = Field(
        None,
        ge=1,
        description="Logical CPUs of the local Ray; default: the machine's cores plus two, so "
        "Ray Data keeps CPUs for its tasks while every core trains.",
    )
    checkpoint_storage: str | None = Field(
        None, description="Folder every Ray node reaches (a shared filesystem), or a pyarrow.fs URI "
        "(s3://bucket/path, gs://...), where training and tuning keep checkpoints, so a run resumes on any "
        "node after one dies; default: <home>/runs, which only a one-machine Ray reaches.",
    )
    fixed_cost_usd_per_run: float = Field(
        FIXED_COST_USD_PER_RUN, ge=0,
        description="Platform cost booked to each pipeline run besides compute: its share of the servers and "
        "of the people who run the platform. " + FIXED_COST_SOURCE,
    )
    verbose: bool = Field(False, description="Show Ray's, Prefect's and MLflow's own logs.")
    dashboard_users: Path | None = Field(
        None, description="TOML file of dashboard users and scrypt password hashes; default: "
        "<home>/dashboard_users.toml. Make entries with `python -m deepto.auth hash`."
    )
    dashboard_user: str | None = Field(None, description="One dashboard user given by the environment.")
    dashboard_password_hash: str | None = Field(None, description="That user's scrypt password hash.")
    dashboard_role: str = Field("viewer", description="That user's role: viewer or admin.")
    mlflow_tracking_username: str | None = Field(
        None, description="User for an MLflow server with authentication (`deepto stack up` writes it)."
    )
    mlflow_tracking_password: SecretStr | None = Field(None, description="That MLflow user's password.")
    prefect_api_auth_string: SecretStr | None = Field(
        None, description="`user:password` for a Prefect server with basic authentication."
    )
    ray_auth_token: SecretStr | None = Field(
        None, description="Token of a Ray cluster with token authentication (RAY_AUTH_MODE=token)."
    )

    @cached_property
    def root(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.root / 'deepto.db'}"

    @property
    def tracking_uri(self) -> str:
        return self.mlflow_tracking_uri or f"sqlite:///{self.root / 'mlflow.db'}"

    @property
    def artifact_root(self) -> Path:
        return self.root / "mlartifacts"

    @property
    def quarantine_dir(self) -> Path:
        return self.root / "quarantine"

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def checkpoints(self) -> str:
        """Where Ray Train and Ray Tune keep checkpoints: a folder or URI every Ray node reaches."""
        return self.checkpoint_storage or str(self.runs_dir)

    @property
    def prefect_home(self) -> Path:
        return self.root / "prefect"

    def ensure_home(self) -> Path:
        """Create the state folders; called by entry points, never at import."""
        for path in (self.root, self.artifact_root, self.quarantine_dir, self.runs_dir, self.prefect_home):
            path.mkdir(parents=True, exist_ok=True)
        return self.root


def config_path() -> Path:
    """The TOML file :func:`get_settings` reads: ``DEEPTO_CONFIG``, else ``<home>/deepto.toml``."""
    return _config_path(dict(os.environ))


def _config_path(environ: dict[str, str]) -> Path:
    explicit = environ.get("DEEPTO_CONFIG")
    return Path(explicit) if explicit else Path(environ.get("DEEPTO_HOME", ".deepto")) / "deepto.toml"


def _file_values(environ: dict[str, str]) -> dict:
    explicit = environ.get("DEEPTO_CONFIG")
    path = _config_path(environ)
    if not path.is_file():
        if explicit:
            raise ConfigError(f"DEEPTO_CONFIG points at {path}, which does not exist.")
        return {}
    try:
        values = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}. Fix the file or unset DEEPTO_CONFIG.")
    env_keys = {k.removeprefix("DEEPTO_").lower() for k in environ if k.startswith("DEEPTO_")}
    return {k: v for k, v in values.get("deepto", values).items() if k not in env_keys}


def get_settings(**overrides) -> Settings:
    """Read settings from the environment (and the optional TOML file), then ``overrides``."""
    environ = dict(os.environ)
    try:
        values = {**_file_values(environ), **overrides}
        return Settings(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(
            f"Invalid Deepto settings ({problems}). Check the DEEPTO_* variables and the config file."
        ) from None
