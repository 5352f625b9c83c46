"""Alembic migrations of the store, shipped in the package and applied by ``db.Store`` on open."""
