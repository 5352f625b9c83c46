"""User domains in the store: the checked contents of a folder a user registered, by name.

Replacing a domain rewrites only its ``user_domains`` row; its rulebook versions, runs and
evolution rounds stay (they are history). Removing a domain that has runs or versions beyond the
seed is refused unless forced, and even then only the registration row goes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from db._base import StoreBase
from db._models import DomainRow, RunRow, UserDomainRow, VersionRow
from db._types import StoreError

_FIELDS = ("source", "layout", "split_seed", "spec", "items", "truth", "normals", "report")


def _as_dict(row: UserDomainRow) -> dict[str, Any]:
    return {"name": row.name, **{f: getattr(row, f) for f in _FIELDS}, "created_at": row.created_at}


class UserDomainStore(StoreBase):
    """User-domain part of :class:`db.Store`."""

    def add_user_domain(self, payload: dict[str, Any], *, replace: bool = False) -> dict[str, Any]:
        """Register (or, with ``replace``, re-register) a user domain in one transaction.

        Raises:
            StoreError: the name is taken and ``replace`` is False.
        """
        name = payload["name"]
        with self._tx() as s:
            row = s.get(UserDomainRow, name)
            if row is not None and not replace:
                raise StoreError(
                    f"a domain named {name!r} is already registered",
                    hint="pass --replace to register the folder again (runs and rulebooks are kept)",
                )
            if s.get(DomainRow, name) is None:
                s.add(DomainRow(code=name, name=payload["spec"].get("name", name)))
                s.flush()
            if row is None:
                row = UserDomainRow(name=name)
                s.add(row)
            for f in _FIELDS:
                setattr(row, f, payload[f])
            s.flush()
            return _as_dict(row)

    def user_domain(self, name: str) -> dict[str, Any] | None:
        """The stored registration of ``name``, or None."""
        with self._tx() as s:
            row = s.get(UserDomainRow, name)
            return None if row is None else _as_dict(row)

    def user_domains(self) -> list[str]:
        """Registered user-domain names, sorted."""
        with self._tx() as s:
            return sorted(s.scalars(select(UserDomainRow.name)).all())

    def remove_user_domain(self, name: str, *, force: bool = False) -> None:
        """Unregister ``name``; runs and rulebook versions stay in the store.

        Raises:
            StoreError: unknown name, or it has runs or evolved versions and ``force`` is False.
        """
        with self._tx() as s:
            row = s.get(UserDomainRow, name)
            if row is None:
                raise StoreError(
                    f"no registered domain {name!r}", hint="see python -m anomalyclaw.domain list"
                )
            n_runs = s.scalar(select(func.count()).select_from(RunRow).where(RunRow.domain == name)) or 0
            n_versions = (
                s.scalar(
                    select(func.count())
                    .select_from(VersionRow)
                    .where(VersionRow.domain == name, VersionRow.version > 0)
                )
                or 0
            )
            if (n_runs or n_versions) and not force:
                raise StoreError(
                    f"{name!r} has {n_runs} run(s) and {n_versions} evolved version(s)",
                    hint="pass --force to unregister it anyway (its runs and versions are kept)",
                )
            s.delete(row)
