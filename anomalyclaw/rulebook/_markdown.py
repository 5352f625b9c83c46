"""The rulebook file format: a short header, then one rule per bullet (parse and write).

Seed rulebooks (``rulebooks/D9.md``) and exports share this format, so an export can be
edited by hand and imported back. Layout::

    # Rulebook D9 — Medical — Brain MRI          (an exported version adds " v3" after the code)

    Free header text: what normal variation looks like, what counts as anomalous.

    ## Rules

    - [D9-r0001] (normal_variation) Rule text, one paragraph; it may continue
      on lines indented by two spaces.
      condition: per item: item.branch_gap > 0.4 => shift_score 0.1
      <!-- meta: {"provenance": {...}, "times_applied": 3} -->
    - (anomaly_cue) A rule without an id gets the next free id of the file.
    - [D9-r0002] (anomaly_cue, retired) A retired rule keeps its id.

Only ``- [id] (kind) text`` is needed; the ``condition:`` line (read by the offline policy
backend) and the ``meta`` comment (provenance and counters, hidden when rendered) are written
by exports so that a round trip loses nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import get_args

from pydantic import ValidationError

from anomalyclaw.errors import InputError
from anomalyclaw.rulebook._types import PolicyCondition, Provenance, Rule, Rulebook, RuleKind

_TITLE = re.compile(r"^#\s+Rulebook\s+(?P<code>[^\s—]+)(?:\s+v(?P<version>\d+))?"
                    r"(?:\s+—\s+(?P<name>.*\S))?\s*$")
_BULLET = re.compile(r"^[-*]\s+(?:\[(?P<id>[^\]\s]+)\]\s*)?"
                     r"(?:\((?P<kind>[a-z_]+)(?P<retired>,\s*retired)?\)\s*)?(?P<text>.*)$")
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?inf"
_COND = re.compile(rf"^condition:\s*per\s+(?P<target>candidate|item):\s*(?P<feature>\S+)\s*"
                   rf"(?P<op><=|>=|<|>)\s*(?P<thr>{_NUM})\s*=>\s*"
                   rf"(?P<action>refute|keep|shift_score|set_alpha)(?:\s+(?P<amount>{_NUM}))?\s*$")
_META = re.compile(r"^<!--\s*meta:\s*(?P<json>\{.*\})\s*-->\s*$")
KINDS: tuple[str, ...] = get_args(RuleKind)


@dataclass(frozen=True)
class RulebookDoc:
    """A parsed rulebook file: the rulebook plus the human text around it.

    Attributes:
        rulebook: domain, version (0 unless the title says ``vN``) and rules.
        name: the human domain name from the title ('' when absent).
        header: the free text between the title and ``## Rules``.
    """

    rulebook: Rulebook
    name: str = ""
    header: str = ""


def _fail(source: str, lineno: int, msg: str) -> InputError:
    return InputError(f"{source}:{lineno}: {msg}",
                      hint="format: '- [D9-r0001] (kind) text', see rulebooks/D1.md")


def _num(s: str) -> int:
    m = re.search(r"(\d+)$", s)
    return int(m.group(1)) if m else 0


def parse_rulebook(text: str, *, source: str = "<rulebook>", domain: str | None = None) -> RulebookDoc:
    """Parse a rulebook file.

    Args:
        text: the file's content.
        source: its name, for error messages.
        domain: expected domain code; a title naming another domain is an error.

    Raises:
        InputError: with the line number and the fix, for any malformed line.
    """
    lines = text.splitlines()
    if not lines or not (m := _TITLE.match(lines[0].strip())):
        raise _fail(source, 1, "first line must be '# Rulebook <DOMAIN> — <name>'")
    code, name = m["code"], m["name"] or ""
    version = int(m["version"]) if m["version"] else 0
    if domain is not None and code != domain:
        raise _fail(source, 1, f"file is for domain {code!r}, expected {domain!r}")
    header: list[str] = []
    entries: list[dict] = []  # raw rule fields in file order
    in_rules = False
    for lineno, raw in enumerate(lines[1:], 2):
        line = raw.strip()
        if not in_rules:
            if re.match(r"^##\s+Rules\s*$", line):
                in_rules = True
            else:
                header.append(raw.rstrip())
            continue
        if not line:
            continue
        if raw.startswith("#"):
            raise _fail(source, lineno, "nothing may follow the rules but more rules")
        if raw[:1] in "-*" and (b := _BULLET.match(line)):
            if b["kind"] and b["kind"] not in KINDS:
                raise _fail(source, lineno, f"unknown kind {b['kind']!r}; one of {', '.join(KINDS)}")
            entries.append({"id": b["id"], "kind": b["kind"] or "seed", "retired": bool(b["retired"]),
                            "text": [b["text"].strip()] if b["text"].strip() else [], "line": lineno,
                            "condition": None, "meta": {}})
            continue
        if not entries or not raw.startswith("  "):
            raise _fail(source, lineno, "expected a bullet '- [id] (kind) text' or an indented continuation")
        cur = entries[-1]
        if c := _COND.match(line):
            cur["condition"] = PolicyCondition(
                target=c["target"], feature=c["feature"], op=c["op"], threshold=float(c["thr"]),
                action=c["action"], amount=float(c["amount"]) if c["amount"] else 0.0)
        elif line.startswith("condition:"):
            raise _fail(source, lineno, "condition must read 'condition: per item|candidate: FEATURE OP "
                                        "NUMBER => refute|keep|shift_score|set_alpha [AMOUNT]'")
        elif mm := _META.match(line):
            try:
                cur["meta"] = json.loads(mm["json"])
            except json.JSONDecodeError as e:
                raise _fail(source, lineno, f"meta comment is not JSON: {e.msg}") from e
        else:
            cur["text"].append(line)
    if not in_rules:
        raise _fail(source, len(lines), "no '## Rules' section")
    return RulebookDoc(Rulebook(domain=code, version=version, rules=_build_rules(code, entries, source)),
                       name=name, header="\n".join(header).strip())


def _build_rules(code: str, entries: list[dict], source: str) -> list[Rule]:
    next_no = max((_num(e["id"]) for e in entries if e["id"]), default=0) + 1
    seen: set[str] = set()
    rules: list[Rule] = []
    for e in entries:
        if not e["text"]:
            raise _fail(source, e["line"], "a rule needs text")
        rid = e["id"]
        if rid is None:
            rid, next_no = f"{code}-r{next_no:04d}", next_no + 1
        if rid in seen:
            raise _fail(source, e["line"], f"duplicate rule id {rid!r}")
        seen.add(rid)
        meta = dict(e["meta"])
        try:
            rules.append(Rule(rule_id=rid, text="\n".join(e["text"]), kind=e["kind"],
                              scope=meta.pop("scope", code), condition=e["condition"],
                              provenance=Provenance.model_validate(meta.pop("provenance", {})),
                              times_applied=meta.pop("times_applied", 0),
                              verdict_changes=meta.pop("verdict_changes", 0),
                              status="retired" if e["retired"] else "active"))
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(map(str, first["loc"]))
            raise _fail(source, e["line"], f"bad meta {where}: {first['msg']}") from err
        if meta:
            raise _fail(source, e["line"], f"unknown meta keys {sorted(meta)}")
    return rules


def _canonical_text(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip()] or ["(empty)"]


def render_rulebook(rulebook: Rulebook, *, name: str = "", header: str = "",
                    with_version: bool = True) -> str:
    """Write a rulebook in the file format; :func:`parse_rulebook` reads it back unchanged.

    Rule text is written one stripped, non-empty line at a time (blank lines would end the
    bullet), so texts that are already in that form round-trip exactly.

    Args:
        rulebook: what to write.
        name: human domain name for the title.
        header: free text under the title.
        with_version: put ``vN`` in the title (exports); seed files leave it out.
    """
    title = f"# Rulebook {rulebook.domain}"
    if with_version and rulebook.version:
        title += f" v{rulebook.version}"
    if name:
        title += f" — {name}"
    out = [title, ""]
    if header.strip():
        out += [header.strip(), ""]
    out += ["## Rules", ""]
    for r in rulebook.rules:
        tag = f"({r.kind}, retired)" if r.status == "retired" else f"({r.kind})"
        first, *rest = _canonical_text(r.text)
        out.append(f"- [{r.rule_id}] {tag} {first}")
        out += [f"  {ln}" for ln in rest]
        if (c := r.condition) is not None:
            amount = f" {c.amount!r}" if c.amount or c.action in ("shift_score", "set_alpha") else ""
            out.append(f"  condition: per {c.target}: {c.feature} {c.op} {c.threshold!r} "
                       f"=> {c.action}{amount}")
        meta: dict = {}
        if r.scope != rulebook.domain:
            meta["scope"] = r.scope
        if r.provenance != Provenance():
            meta["provenance"] = r.provenance.model_dump(mode="json", exclude_defaults=True)
        if r.times_applied:
            meta["times_applied"] = r.times_applied
        if r.verdict_changes:
            meta["verdict_changes"] = r.verdict_changes
        if meta:
            out.append(f"  <!-- meta: {json.dumps(meta, sort_keys=True, ensure_ascii=False)} -->")
    return "\n".join(out) + "\n"
