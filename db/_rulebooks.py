"""Rulebook versions in the store: seed import, commit (whole version or nothing), read, roll back.

History is append-only: a version is never changed or deleted; a rollback or an import is a new
version whose deltas lead from the current one to the wanted content.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from anomalyclaw.errors import InputError
from anomalyclaw.rulebook import (
    PolicyCondition,
    Provenance,
    Rule,
    Rulebook,
    RulebookVersion,
    RuleDelta,
    diff_rulebooks,
    load_seed,
    seed_path,
)
from db._base import StoreBase
from db._engine import fault_hooks_active, fault_pause
from db._lock import DomainLock
from db._models import DeltaRow, DomainRow, RuleRow, VersionRow
from db._rounds import add_round
from db._types import EvolutionRound, StoreError

_ACCEPTED = ("seed", "accepted")
_COMMIT_TRIES = 3


def _rule_row(rule: Rule, position: int, version_id: int) -> RuleRow:
    return RuleRow(version_id=version_id, position=position, rule_id=rule.rule_id, text=rule.text,
                   kind=rule.kind, scope=rule.scope,
                   condition=rule.condition.model_dump(mode="json") if rule.condition else None,
                   provenance=rule.provenance.model_dump(mode="json"), times_applied=rule.times_applied,
                   verdict_changes=rule.verdict_changes, status=rule.status)


def _row_rule(row: RuleRow) -> Rule:
    return Rule(rule_id=row.rule_id, text=row.text, kind=row.kind, scope=row.scope,
                condition=PolicyCondition.model_validate(row.condition) if row.condition else None,
                provenance=Provenance.model_validate(row.provenance or {}), times_applied=row.times_applied,
                verdict_changes=row.verdict_changes, status=row.status)


class RulebookStore(StoreBase):
    """Rulebook part of :class:`db.Store`."""

    # ----------------------------------------------------------------- reading
    def _version_row(self, s: Session, domain: str, version: int) -> VersionRow:
        row = s.scalar(select(VersionRow).where(VersionRow.domain == domain, VersionRow.version == version))
        if row is None:
            have = s.scalars(select(VersionRow.version).where(VersionRow.domain == domain)
                             .order_by(VersionRow.version)).all()
            known = f"versions {have[0]}..{have[-1]}" if have else "no versions yet"
            raise InputError(f"domain {domain} has no rulebook version {version} ({known})",
                             hint=f"list them with: python -m anomalyclaw.rulebook list {domain}")
        return row

    def _load(self, s: Session, row: VersionRow) -> Rulebook:
        q = select(RuleRow).where(RuleRow.version_id == row.id).order_by(RuleRow.position)
        return Rulebook(domain=row.domain, version=row.version, parent=row.parent,
                        rules=[_row_rule(r) for r in s.scalars(q)])

    def domains(self) -> list[str]:
        """Domains that have at least one stored version."""
        with self._tx() as s:
            return list(s.scalars(select(VersionRow.domain).distinct().order_by(VersionRow.domain)))

    def domain_name(self, domain: str) -> str:
        """The human name stored for ``domain`` ('' when unknown)."""
        with self._tx() as s:
            row = s.get(DomainRow, domain)
            return row.name if row else ""

    def get_rulebook(self, domain: str, version: int) -> Rulebook:
        """Any stored version (seed, accepted or rejected).

        Raises:
            InputError: the domain has no such version.
        """
        with self._tx() as s:
            return self._load(s, self._version_row(s, domain, version))

    def current_rulebook(self, domain: str) -> Rulebook:
        """The newest seed-or-accepted version; imports the seed first if the domain has none."""
        with self._tx() as s:
            row = s.scalar(select(VersionRow).order_by(VersionRow.version.desc()).limit(1)
                           .where(VersionRow.domain == domain, VersionRow.status.in_(_ACCEPTED)))
            if row is not None:
                return self._load(s, row)
        self.ensure_seed(domain)
        return self.current_rulebook(domain)

    def list_versions(self, domain: str) -> list[RulebookVersion]:
        """Every version of ``domain``, oldest first, with rule and delta counts."""
        with self._tx() as s:
            rows = s.scalars(select(VersionRow).where(VersionRow.domain == domain)
                             .order_by(VersionRow.version)).all()
            ids = [r.id for r in rows]

            def count(col, *where) -> dict[int, int]:  # col: a version_id column
                q = select(col, func.count()).where(col.in_(ids), *where).group_by(col)
                return dict(s.execute(q).all())

            n_rules = count(RuleRow.version_id)
            n_active = count(RuleRow.version_id, RuleRow.status == "active")
            n_deltas = count(DeltaRow.version_id)
            return [RulebookVersion(domain=r.domain, version=r.version, parent=r.parent, status=r.status,
                                    created_at=r.created_at, backend=r.backend, model=r.model,
                                    evidence=r.evidence or {}, note=r.note, n_rules=n_rules.get(r.id, 0),
                                    n_active=n_active.get(r.id, 0), n_deltas=n_deltas.get(r.id, 0))
                    for r in rows]

    def deltas(self, domain: str, version: int) -> list[RuleDelta]:
        """The deltas stored with ``version`` (what took its parent to it), in order."""
        with self._tx() as s:
            row = self._version_row(s, domain, version)
            ds = s.scalars(select(DeltaRow).where(DeltaRow.version_id == row.id).order_by(DeltaRow.seq))
            return [RuleDelta(op=d.op, rule_id=d.rule_id, rationale=d.rationale,
                              rule=Rule.model_validate(d.rule) if d.rule else None) for d in ds]

    def next_rule_id(self, domain: str) -> str:
        """A rule id never used in ``domain``'s history (rejected versions included), e.g. 'D9-r0007'."""
        with self._tx() as s:
            ids = s.scalars(select(RuleRow.rule_id).join(VersionRow, RuleRow.version_id == VersionRow.id)
                            .where(VersionRow.domain == domain).distinct()).all()
        nums = [int(m.group(1)) for i in ids if (m := re.search(r"(\d+)$", i))]
        return f"{domain}-r{max(nums, default=0) + 1:04d}"

    # ----------------------------------------------------------------- writing
    def ensure_seed(self, domain: str, *, seed_dir: Path | str | None = None,
                    allow_empty: bool = False) -> Rulebook:
        """Import the domain's seed file as version 0 unless it has versions already.

        Args:
            domain: 'D1'..'D12' or a user domain with a seed file.
            seed_dir: folder searched first for ``<domain>.md`` (see ``anomalyclaw.rulebook.seed_path``).
            allow_empty: with no seed file, start the domain from an empty version 0 instead of failing.

        Returns:
            The current rulebook (the seed right after the import).

        Raises:
            InputError: no seed file (and not ``allow_empty``), or a malformed one.
        """
        with self._tx() as s:
            exists = s.scalar(select(VersionRow.id).where(VersionRow.domain == domain).limit(1))
        if exists is None:
            if allow_empty and seed_path(domain, seed_dir) is None:
                rb, name = Rulebook(domain=domain), ""
            else:
                doc = load_seed(domain, seed_dir)
                rb, name = doc.rulebook.model_copy(update={"version": 0, "parent": None}), doc.name
            try:
                with self._tx() as s:
                    self._ensure_domain(s, domain, name)
                    self._write_version(s, rb, status="seed", evidence={}, backend=None, model=None,
                                        note="seed", deltas=[RuleDelta(op="add", rule_id=r.rule_id, rule=r,
                                                                       rationale="seed") for r in rb.rules])
            except IntegrityError:  # another process imported it at the same moment: fine
                pass
        return self.current_rulebook(domain)

    def _ensure_domain(self, s: Session, domain: str, name: str = "") -> None:
        if s.get(DomainRow, domain) is None:
            s.add(DomainRow(code=domain, name=name))
            s.flush()

    def _write_version(self, s: Session, rb: Rulebook, *, status: str, evidence: dict[str, Any],
                       backend: str | None, model: str | None, note: str | None,
                       deltas: Sequence[RuleDelta]) -> VersionRow:
        row = VersionRow(domain=rb.domain, version=rb.version, parent=rb.parent, status=status,
                         evidence=evidence, backend=backend, model=model, note=note)
        s.add(row)
        s.flush()  # a concurrent commit of the same version number fails here
        fault_pause("version row written")
        for pos, rule in enumerate(rb.rules):
            s.add(_rule_row(rule, pos, row.id))
            if fault_hooks_active():
                s.flush()
                fault_pause(f"rule {rule.rule_id} written")
        for seq, d in enumerate(deltas):
            s.add(DeltaRow(version_id=row.id, seq=seq, op=d.op, rule_id=d.rule_id, rationale=d.rationale,
                           rule=d.rule.model_dump(mode="json") if d.rule else None))
        s.flush()
        return row

    def commit_version(self, domain: str, parent: int, deltas: Sequence[RuleDelta], *, accepted: bool,
                       evidence: Mapping[str, Any] | None = None, backend: str | None = None,
                       model: str | None = None, note: str | None = None,
                       round: EvolutionRound | None = None, lock: DomainLock | None = None) -> int:
        """Store ``parent`` + ``deltas`` as the domain's next version, in one transaction.

        Rejected candidates are stored too (``accepted=False``) so their evidence stays readable;
        only accepted ones become :meth:`current_rulebook`.

        Args:
            domain: the domain.
            parent: version the deltas apply to.
            deltas: add / edit / retire, applied in order.
            accepted: verdict of the acceptance test.
            evidence: JSON-able acceptance evidence (proxy before/after, CI, ...).
            backend: backend that proposed it.
            model: model that proposed it.
            note: free text.
            round: an evolution round to record in the same transaction (its candidate version and
                status are filled in here).
            lock: the caller's domain lock; verified inside the transaction, so a process that lost
                its lock (stale heartbeat taken over) cannot write.

        Returns:
            The new version number.

        Raises:
            InputError: unknown parent, or deltas that do not apply (add of an existing id, ...).
            StoreError: the lock was lost, or concurrent commits kept taking the version number.
        """
        last = ""
        for _ in range(_COMMIT_TRIES):
            try:
                with self._tx() as s:
                    if lock is not None:
                        lock.verify(s)
                    prow = self._version_row(s, domain, parent)
                    version = (s.scalar(select(func.max(VersionRow.version))
                                        .where(VersionRow.domain == domain)) or 0) + 1
                    try:
                        rb = self._load(s, prow).apply(list(deltas), version=version)
                    except ValueError as e:
                        raise InputError(f"deltas do not apply to {domain} v{parent}: {e}") from e
                    self._write_version(s, rb, status="accepted" if accepted else "rejected",
                                        evidence=dict(evidence or {}), backend=backend, model=model,
                                        note=note, deltas=deltas)
                    if round is not None:
                        r = round.model_copy(update={"candidate_version": version, "domain": domain,
                                                     "status": "accepted" if accepted else "rejected"})
                        add_round(s, r)
                    return version
            except IntegrityError as e:  # someone committed this version number first: recompute and retry
                last = str(e.orig).splitlines()[0]
        raise StoreError(f"could not commit a version of {domain} in {_COMMIT_TRIES} tries ({last})",
                         hint="hold store.domain_lock(domain) while evolving")

    def rollback(self, domain: str, version: int, *, note: str | None = None) -> int:
        """A new accepted version whose active rules equal those of ``version``.

        Rules added after ``version`` are retired (ids are never deleted or reused). When the
        current version already equals ``version``, nothing is written.

        Returns:
            The new version number (the current one when nothing was written).
        """
        target = self.get_rulebook(domain, version)
        current = self.current_rulebook(domain)
        deltas = diff_rulebooks(current, target, rationale=f"rollback to v{version}")
        if not deltas:
            return current.version
        return self.commit_version(domain, current.version, deltas, accepted=True,
                                   evidence={"rollback_to": version}, note=note or f"rollback to v{version}")

    def import_rulebook(self, domain: str, rulebook: Rulebook, *, note: str | None = None) -> int | None:
        """Commit an edited rulebook (e.g. a parsed export) as a new accepted version.

        Returns:
            The new version, or None when it equals the current one (nothing written).
        """
        if rulebook.domain != domain:
            raise InputError(f"rulebook is for domain {rulebook.domain}, not {domain}")
        current = self.current_rulebook(domain)
        deltas = diff_rulebooks(current, rulebook, rationale=note or "manual edit")
        if not deltas:
            return None
        return self.commit_version(domain, current.version, deltas, accepted=True,
                                   evidence={"import": note or ""}, note=note or "import")

    def add_rule_counts(self, domain: str, version: int, *, applied: Mapping[str, int],
                        changed: Mapping[str, int] | None = None) -> None:
        """Add usage counts (times a rule fired / changed a verdict) to a version's rules.

        Counters are measurements, not content: they are the only thing the store updates in place.
        """
        changed = changed or {}
        with self._tx() as s:
            vid = self._version_row(s, domain, version).id
            for rid in set(applied) | set(changed):
                s.execute(update(RuleRow).where(RuleRow.version_id == vid, RuleRow.rule_id == rid)
                          .values(times_applied=RuleRow.times_applied + applied.get(rid, 0),
                                  verdict_changes=RuleRow.verdict_changes + changed.get(rid, 0)))

