"""SQLAlchemy models, sessions and Alembic migrations: the only code that talks SQL."""
