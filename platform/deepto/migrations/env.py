"""Alembic environment of the platform database.

There is no alembic.ini: ``deepto.store.Store.alembic_config()`` builds the configuration in code.
``Store.migrate()`` hands over its own connection (an in-memory SQLite database exists only on it,
and the migration lock is taken on it); any other Alembic command run with that configuration
(current, history, downgrade) connects to ``sqlalchemy.url``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from deepto.db_models import VERSION_TABLE, Base

config = context.config


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("Deepto migrations run online only: use Store.migrate() or an online Alembic command.")
if "connection" in config.attributes:
    run(config.attributes["connection"])
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=NullPool)
    with engine.begin() as connection:
        run(connection)
