"""The store's core: open (connect + migrate), transactions, close.

Every public write of the store runs inside one :meth:`StoreBase._tx` transaction, so a
process killed in the middle leaves the database as it was before the call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from db._engine import default_url, make_engine, redact
from db._migrate import upgrade
from db._types import StoreError


class StoreBase:
    """Connection and transaction handling shared by the store's parts.

    Attributes:
        url: the database URL in use.
        engine: the SQLAlchemy engine (one pool per store).
    """

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        """Open (and by default migrate) the database.

        Args:
            url: any SQLAlchemy URL; None → ``ANOMALYCLAW_DB_URL`` or the default SQLite file.
            migrate: run the shipped Alembic migrations to head (skip only in migration tests).

        Raises:
            InputError: bad URL, unknown driver, unreachable server.
            StoreError: the database was written by a newer anomalyclaw.
        """
        self.url = url or default_url()
        self.engine: Engine = make_engine(self.url)
        if migrate:
            try:
                upgrade(self.engine)
            except StoreError:
                self.engine.dispose()
                raise
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any error."""
        with self._sessions.begin() as session:
            yield session

    @property
    def dialect(self) -> str:
        """'sqlite', 'postgresql', ..."""
        return self.engine.dialect.name

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({redact(self.url)!r})"
