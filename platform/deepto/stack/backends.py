"""Where the stack's three databases live: the platform store, MLflow's and Prefect's.

With ``DEEPTO_DATABASE_URL`` naming a PostgreSQL server, all three live in that database, each in its
own schema with its own Alembic version table: the platform where the URL points (its tables and
``deepto_alembic_version``), MLflow in ``<prefix>_mlflow`` (``alembic_version`` and, for its auth app,
``alembic_version_auth``) and Prefect in ``<prefix>_prefect`` (``alembic_version``). The prefix is the
schema the URL selects (``?options=-csearch_path%3Dteam``), else ``deepto``, so two stacks can share
one server. Without a URL, each is a SQLite file in ``DEEPTO_HOME``: the same files embedded mode
uses, so a team keeps its runs and models when it starts the stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.pool import NullPool

from deepto.settings import Settings

_SEARCH_PATH = re.compile(r"-c\s*search_path\s*=\s*([^\s,]+)")


@dataclass(frozen=True)
class Backends:
    platform_url: str
    mlflow_url: str
    mlflow_auth_url: str
    prefect_env: dict[str, str] = field(repr=False)
    """Prefect's database settings; empty for its default SQLite file in PREFECT_HOME."""
    schemas: tuple[str, ...] = ()
    """The PostgreSQL schemas the stack uses (made by :func:`prepare`)."""

    @property
    def postgres(self) -> bool:
        return bool(self.schemas)


def search_path_schema(url: URL) -> str | None:
    """The first schema a PostgreSQL URL selects through ``options=-csearch_path=...``, if any."""
    match = _SEARCH_PATH.search(str(url.query.get("options", "")))
    return match.group(1) if match else None


def _in_schema(url: URL, schema: str) -> str:
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def plan(settings: Settings) -> Backends:
    """The three databases for these settings (nothing is created yet)."""
    stack_dir = settings.root / "stack"
    if not settings.database_url:
        return Backends(
            platform_url=settings.db_url, mlflow_url=settings.tracking_uri,
            mlflow_auth_url=f"sqlite:///{stack_dir / 'mlflow_auth.db'}", prefect_env={},
        )
    url = make_url(settings.database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"DEEPTO_DATABASE_URL is a {url.get_backend_name()} database; the stack runs MLflow and "
                         "Prefect on PostgreSQL or, with no DEEPTO_DATABASE_URL, on SQLite files in DEEPTO_HOME.")
    own = search_path_schema(url)
    prefix = own or "deepto"
    mlflow_schema, prefect_schema = f"{prefix}_mlflow", f"{prefix}_prefect"
    # asyncpg takes no libpq options in the URL: Prefect sets the schema through its own setting, with
    # public after it, where the pg_trgm extension its migrations need lives.
    prefect_url = url.set(drivername="postgresql+asyncpg", query={}).render_as_string(hide_password=False)
    return Backends(
        platform_url=settings.database_url,
        mlflow_url=_in_schema(url, mlflow_schema),
        mlflow_auth_url=_in_schema(url, mlflow_schema),
        prefect_env={"PREFECT_API_DATABASE_CONNECTION_URL": prefect_url,
                     "PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_SEARCH_PATH": f"{prefect_schema}, public"},
        schemas=tuple(s for s in (own, mlflow_schema, prefect_schema) if s),
    )


def prepare(backends: Backends) -> None:
    """Make the PostgreSQL schemas, and pg_trgm in ``public`` (database-wide: one copy serves every
    stack on the server, so no stack's teardown removes another's); each service migrates its own."""
    if not backends.postgres:
        Path(make_url(backends.mlflow_auth_url).database).parent.mkdir(parents=True, exist_ok=True)
        return
    engine = create_engine(make_url(backends.platform_url).set(query={}), poolclass=NullPool)
    try:
        for statement in ("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public",
                          *(f'CREATE SCHEMA IF NOT EXISTS "{schema}"' for schema in backends.schemas)):
            _execute_once(engine, statement)
    finally:
        engine.dispose()


def _execute_once(engine, statement: str) -> None:
    # Two stacks starting at once can both pass IF NOT EXISTS and one then hits the unique catalog key.
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    except (IntegrityError, ProgrammingError) as exc:
        if "already exists" not in str(exc) and "duplicate key" not in str(exc):
            raise


def drop(backends: Backends) -> None:
    """Drop the stack's PostgreSQL schemas and all they hold (tests; a team resetting its stack)."""
    if not backends.postgres:
        return
    engine = create_engine(make_url(backends.platform_url).set(query={}), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            for schema in backends.schemas:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        engine.dispose()
