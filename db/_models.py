"""SQLAlchemy 2.0 ORM models: the schema Alembic migrates to (``db/migrations``).

Rulebook history is append-only. Each version stores a full snapshot of its rules
(``rules``, one row per (version, rule id)) *and* the deltas that made it from its parent
(``rule_deltas``): the snapshot makes any version readable in one query, the deltas keep
the lineage (what changed, why). A version and all its rows are written in one transaction.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_N_name)s",
          "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s"}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone; this restores it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value
_VERSION_FK = "rulebook_versions.id"


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware."""
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations name constraints alike on every backend."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class DomainRow(Base):
    """A domain whose rulebook is stored (D1..D12 or a user domain)."""

    __tablename__ = "domains"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VersionRow(Base):
    """One rulebook version; ``status`` is seed, accepted or rejected."""

    __tablename__ = "rulebook_versions"
    __table_args__ = (UniqueConstraint("domain", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    domain: Mapped[str] = mapped_column(ForeignKey("domains.code"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    parent: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    backend: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str | None] = mapped_column(Text)


class RuleRow(Base):
    """A rule as it stands in one version (snapshot row)."""

    __tablename__ = "rules"
    __table_args__ = (UniqueConstraint("version_id", "rule_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey(_VERSION_FK, ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    rule_id: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(64))
    condition: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    provenance: Mapped[dict[str, Any]] = mapped_column(default=dict)
    times_applied: Mapped[int] = mapped_column(Integer, default=0)
    verdict_changes: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))


class DeltaRow(Base):
    """One change that took a version's parent to it (add / edit / retire), with its rationale."""

    __tablename__ = "rule_deltas"
    __table_args__ = (UniqueConstraint("version_id", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey(_VERSION_FK, ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(String(8))
    rule_id: Mapped[str] = mapped_column(String(64))
    rule: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    rationale: Mapped[str] = mapped_column(Text, default="")


class RunRow(Base):
    """One scoring run of one system on one domain split."""

    __tablename__ = "runs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    domain: Mapped[str] = mapped_column(String(64), index=True)
    split: Mapped[str | None] = mapped_column(String(16))
    backend: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(200))
    rulebook_version: Mapped[int | None] = mapped_column(Integer)
    data_source: Mapped[str | None] = mapped_column(String(16))
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="running")


class RecordRow(Base):
    """One per-item Record of a run: the full upstream JSON plus indexed columns for queries."""

    __tablename__ = "records"
    __table_args__ = (UniqueConstraint("run_id", "item_id"),
                      Index("ix_records_domain_run", "domain", "run_id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(128))
    domain: Mapped[str] = mapped_column(String(64))
    anomaly_score: Mapped[float | None] = mapped_column(Float)
    direct_score: Mapped[float | None] = mapped_column(Float)
    refutation_score: Mapped[float | None] = mapped_column(Float)
    label: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoundRow(Base):
    """One evolution round of a domain: what was proposed and whether it passed the label-free test."""

    __tablename__ = "evolution_rounds"
    __table_args__ = (UniqueConstraint("domain", "round"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    domain: Mapped[str] = mapped_column(ForeignKey("domains.code"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    parent_version: Mapped[int] = mapped_column(Integer)
    candidate_version: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    proxy_before: Mapped[float | None] = mapped_column(Float)
    proxy_after: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LockRow(Base):
    """Who holds a domain's evolution lock; a dead owner or a stale heartbeat frees it."""

    __tablename__ = "domain_locks"
    domain: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    pid_start: Mapped[str | None] = mapped_column(String(32))
    acquired_at: Mapped[datetime] = mapped_column()
    heartbeat_at: Mapped[datetime] = mapped_column()


class UserDomainRow(Base):
    """A domain a user registered from their own images (``python -m anomalyclaw.domain add``).

    ``spec`` is the DomainSpec as JSON; ``items`` the items with their split and absolute paths;
    ``truth`` the labels the source gave (may be empty); ``normals`` the reference pool;
    ``report`` what the input checks found and did (conversions, downscaling), shown by ``domain show``.
    """

    __tablename__ = "user_domains"
    name: Mapped[str] = mapped_column(ForeignKey("domains.code"), primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    layout: Mapped[str] = mapped_column(String(16))
    split_seed: Mapped[int | None] = mapped_column(Integer)
    spec: Mapped[dict[str, Any]] = mapped_column(default=dict)
    items: Mapped[list[Any]] = mapped_column(default=list)
    truth: Mapped[list[Any]] = mapped_column(default=list)
    normals: Mapped[list[Any]] = mapped_column(default=list)
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OperatingPointRow(Base):
    """A label-free decision threshold for one rulebook version and one model, at a target FPR.

    Set from normal images only; applied to fused scores at the end, never baked into them.
    """

    __tablename__ = "operating_points"
    __table_args__ = (UniqueConstraint("domain", "version", "backend", "model", "fpr"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    domain: Mapped[str] = mapped_column(ForeignKey("domains.code"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    backend: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(200))
    fpr: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(32))
    n_normals: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
