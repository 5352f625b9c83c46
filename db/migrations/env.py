"""Alembic environment: upgrades the connection the store hands over (``config.attributes['connection']``).

Run from code (``db._migrate.upgrade``); a ``sqlalchemy.url`` main option is used only when
no connection is given (e.g. when a developer runs Alembic by hand to write a new revision).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from db._models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif (conn := config.attributes.get("connection")) is not None:
    _run(conn)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        _run(connection)
    engine.dispose()
