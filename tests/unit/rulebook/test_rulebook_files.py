"""Seed rulebooks and the file format: every seed parses, exports round-trip, errors name the line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import anomalyclaw
from anomalyclaw.errors import InputError
from anomalyclaw.rulebook import (
    PolicyCondition,
    Provenance,
    Rule,
    Rulebook,
    load_seed,
    parse_rulebook,
    render_rulebook,
    seed_domains,
    seed_path,
)

DOMAINS = [f"D{i}" for i in range(1, 13)]
REPO_SEEDS = Path(anomalyclaw.__file__).resolve().parents[1] / "rulebooks"


def test_every_domain_has_a_seed_of_three_to_six_rules_with_own_ids():
    assert seed_domains() == DOMAINS
    for d in DOMAINS:
        doc = load_seed(d)
        rb = doc.rulebook
        assert rb.domain == d and rb.version == 0 and doc.name and len(doc.header) > 100
        assert 3 <= len(rb.rules) <= 6, d
        assert [r.rule_id for r in rb.rules] == [f"{d}-r{i:04d}" for i in range(1, len(rb.rules) + 1)]
        assert all(r.status == "active" and r.scope == d and r.kind != "seed" for r in rb.rules)
        kinds = {r.kind for r in rb.rules}
        assert "normal_variation" in kinds or "invariant" in kinds, d  # says what normal looks like
        assert "anomaly_cue" in kinds, d  # and what counts as anomalous


@pytest.mark.skipif(not REPO_SEEDS.is_dir(), reason="installed without the repository's rulebooks/ folder")
def test_repository_copies_equal_the_shipped_seeds():
    for d in DOMAINS:
        assert (REPO_SEEDS / f"{d}.md").read_text() == seed_path(d).read_text(), d


def test_seed_folder_from_env_wins_and_falls_back_per_domain(tmp_path, monkeypatch):
    (tmp_path / "D9.md").write_text("# Rulebook D9 — mine\n\n## Rules\n\n- (anomaly_cue) my only rule\n")
    monkeypatch.setenv("ANOMALYCLAW_RULEBOOKS", str(tmp_path))
    assert [r.text for r in load_seed("D9").rulebook.rules] == ["my only rule"]
    assert load_seed("D1").rulebook == Rulebook.model_validate(load_seed("D1").rulebook.model_dump())
    assert seed_path("D1").parent.name == "seeds"
    monkeypatch.setenv("ANOMALYCLAW_RULEBOOKS", str(tmp_path / "missing"))
    with pytest.raises(InputError, match="does not exist"):
        load_seed("D9")


def _random_rulebook(seed: int) -> Rulebook:
    rng = np.random.default_rng(seed)
    words = ["crack", "glare", "[bracket]", "(paren)", "→", "50%", "ventricle", "=>", "per item", "*bold*"]
    rules = []
    for i in range(int(rng.integers(1, 9))):
        text = "\n".join(" ".join(rng.choice(words, size=int(rng.integers(1, 7))))
                         for _ in range(int(rng.integers(1, 3))))
        cond = None
        if rng.random() < 0.5:
            cond = PolicyCondition(target=str(rng.choice(["item", "candidate"])), feature="item.branch_gap",
                                   op=str(rng.choice(["<", "<=", ">", ">="])), threshold=float(rng.normal()),
                                   action=str(rng.choice(["refute", "keep", "shift_score", "set_alpha"])),
                                   amount=float(rng.normal()) if rng.random() < 0.7 else 0.0)
        prov = Provenance(round=int(rng.integers(0, 4)),
                          signals=["branch_disagreement"] * int(rng.integers(0, 2)),
                          items=[f"D3_{j:04d}" for j in range(int(rng.integers(0, 3)))],
                          backend=None if rng.random() < 0.5 else "policy")
        rules.append(Rule(rule_id=f"D3-r{i + 1:04d}", text=text,
                          scope="D3" if rng.random() < 0.8 else "shared",
                          kind=str(rng.choice(["normal_variation", "anomaly_cue", "tool_strategy", "seed"])),
                          condition=cond, provenance=prov, times_applied=int(rng.integers(0, 5)),
                          verdict_changes=int(rng.integers(0, 2)),
                          status="retired" if rng.random() < 0.2 else "active"))
    return Rulebook(domain="D3", version=int(rng.integers(1, 20)), rules=rules)


@pytest.mark.parametrize("seed", range(25))
def test_render_then_parse_is_lossless(seed):
    rb = _random_rulebook(seed)
    header = "Some header.\n\nTwo paragraphs."
    doc = parse_rulebook(render_rulebook(rb, name="Logical Anomaly", header=header))
    assert doc.rulebook == rb.model_copy(update={"parent": None})
    assert (doc.name, doc.header) == ("Logical Anomaly", header)


def test_hand_written_rules_get_defaults_and_fresh_ids():
    text = ("# Rulebook D6\n\nheader\n\n## Rules\n\n- [D6-r0007] (anomaly_cue) kept id\n"
            "- a rule with neither id nor kind\n  that wraps.\n* (invariant, retired) retired one\n")
    rules = parse_rulebook(text).rulebook.rules
    assert [(r.rule_id, r.kind, r.status) for r in rules] == [
        ("D6-r0007", "anomaly_cue", "active"), ("D6-r0008", "seed", "active"),
        ("D6-r0009", "invariant", "retired")]
    assert rules[1].text == "a rule with neither id nor kind\nthat wraps."


@pytest.mark.parametrize(("text", "line", "what"), [
    ("Rulebook D1\n## Rules\n", 1, "first line must be"),
    ("# Rulebook D1\n\nno rules heading\n", 3, "no '## Rules' section"),
    ("# Rulebook D1\n## Rules\n- (mystery) x\n", 3, "unknown kind 'mystery'"),
    ("# Rulebook D1\n## Rules\n- [a] (seed) x\n- [a] (seed) y\n", 4, "duplicate rule id 'a'"),
    ("# Rulebook D1\n## Rules\nloose text\n", 3, "expected a bullet"),
    ("# Rulebook D1\n## Rules\n- [a] (seed) x\n  condition: per item: f ~ 3 => refute\n", 4,
     "condition must read"),
    ("# Rulebook D1\n## Rules\n- [a] (seed) x\n  <!-- meta: {bad json} -->\n", 4, "not JSON"),
    ("# Rulebook D1\n## Rules\n- [a] (seed) x\n  <!-- meta: {\"colour\": 1} -->\n", 3, "unknown meta keys"),
    ("# Rulebook D1\n## Rules\n- [a] (seed)\n", 3, "a rule needs text"),
    ("# Rulebook D1\n## Rules\n- [a] (seed) x\n## More\n", 4, "nothing may follow"),
])
def test_malformed_files_fail_with_file_and_line(text, line, what):
    with pytest.raises(InputError) as err:
        parse_rulebook(text, source="my.md")
    assert str(err.value).startswith(f"my.md:{line}: ") and what in str(err.value)


def test_file_for_another_domain_is_refused():
    with pytest.raises(InputError, match="file is for domain 'D1', expected 'D2'"):
        parse_rulebook("# Rulebook D1\n## Rules\n- x\n", domain="D2")
