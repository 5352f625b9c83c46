"""SQLAlchemy models, sessions and Alembic migrations: the only code that talks SQL.

``Store()`` is the public face; see its docstring for the methods.
"""

from db._engine import ENV_HOME, ENV_URL, default_url
from db._lock import DomainLock
from db._operating_points import OperatingPoint
from db._store import Store
from db._types import DomainLockedError, EvolutionRound, RoundStatus, RunInfo, RunStatus, StoreError

__all__ = ["ENV_HOME", "ENV_URL", "DomainLock", "DomainLockedError", "EvolutionRound", "OperatingPoint",
           "RoundStatus", "RunInfo", "RunStatus", "Store", "StoreError", "default_url"]
