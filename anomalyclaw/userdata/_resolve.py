"""Name resolution: a benchmark code (any case) or a registered user domain (exact name)."""

from __future__ import annotations

from anomalyclaw.data import DOMAIN_CODES, Domain
from anomalyclaw.data._errors import UnknownDomainError


def _store(db_url: str | None = None):  # noqa: ANN202 — db.Store, imported late (SQLAlchemy is heavy)
    from db import Store

    return Store(db_url)


def resolve_domain_code(text: str, db_url: str | None = None) -> str:
    """``'d9'`` → ``'D9'``; a registered user-domain name as is.

    Raises:
        UnknownDomainError: neither, with the valid choices in the hint.
    """
    raw = str(text).strip()
    if raw.upper() in DOMAIN_CODES:
        return raw.upper()
    names = _store(db_url).user_domains()
    if raw in names:
        return raw
    choices = ", ".join([*DOMAIN_CODES, *names])
    raise UnknownDomainError(
        f"unknown domain {raw!r}",
        hint=f"choose from {choices}, or register a folder: python -m anomalyclaw.domain add",
    )


def load_user_domain(name: str, db_url: str | None = None) -> Domain:
    """The registered user domain ``name`` as a Domain.

    Raises:
        UnknownDomainError: no such registration.
    """
    from anomalyclaw.userdata._register import domain_from_payload

    row = _store(db_url).user_domain(name)
    if row is None:
        resolve_domain_code(name, db_url)  # raises with the valid choices
    return domain_from_payload(row)
