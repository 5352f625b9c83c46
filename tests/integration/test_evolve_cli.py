"""``python -m anomalyclaw.evolve`` end to end with the real agent (policy backend) on a tiny gravel
domain: rounds stored with evidence, permuted ground truth → identical history, exit codes."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import anomalyclaw.data
import anomalyclaw.userdata
from anomalyclaw.evolve import main
from anomalyclaw.rulebook import ENV_SEED_DIR
from db import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "evolution"))
from evo_domain import build  # noqa: E402

pytestmark = pytest.mark.slow
ARGS = ["--domain", "G1", "--rounds", "2", "--folds", "2"]


@pytest.fixture(scope="module")
def gravel(tmp_path_factory):
    return build(tmp_path_factory.mktemp("gravel"), n_pool=8, per_split=2)


@pytest.fixture(scope="module")
def env(gravel, tmp_path_factory):
    """The CLI sees the gravel domain (with the truth table in ``state``) and a seed file; the
    fitted probes are cached in one home for the whole module."""
    root = tmp_path_factory.mktemp("env")
    (root / "seeds").mkdir()
    (root / "seeds" / "G1.md").write_text(
        "# Rulebook G1 — Gravel\n\n## Rules\n\n"
        "- [G1-r0001] (normal_variation) Stones differ in size, shape and "
        "shade.\n"
    )
    state = {"truth": gravel.truth}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ANOMALYCLAW_HOME", str(root / "home"))
        mp.setenv(ENV_SEED_DIR, str(root / "seeds"))
        mp.setattr(
            anomalyclaw.data,
            "load_domain",
            lambda code, **kw: gravel.model_copy(update={"truth": state["truth"]}),
            raising=False,
        )
        # G1 lives in memory only: let the CLI's name check accept it
        mp.setattr(anomalyclaw.userdata, "resolve_domain_code", lambda text, db_url=None: text.strip())
        yield state


def history(url: str) -> list:
    st = Store(url)
    out = [
        (v.version, v.status, v.evidence, [r.model_dump() for r in st.get_rulebook("G1", v.version).rules])
        for v in st.list_versions("G1")
    ]
    return out + [r.model_dump(exclude={"created_at"}) for r in st.rounds("G1")]


def test_cli_runs_rounds_and_permuted_truth_gives_the_same_history(env, gravel, tmp_path, capsys):
    a, b = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    assert main([*ARGS, "--db", a]) == 0
    labels = [t.label for t in gravel.truth.values()]
    perm = np.random.default_rng(1).permutation(labels)
    assert list(perm) != labels
    env["truth"] = {
        k: t.model_copy(update={"label": int(y)})
        for (k, t), y in zip(gravel.truth.items(), perm, strict=True)
    }
    assert main([*ARGS, "--db", b]) == 0
    ha = history(a)
    assert [r["round"] for r in ha if isinstance(r, dict)] == [1, 2]
    assert ha == history(b)
    versions = Store(a).list_versions("G1")
    for v in versions[1:]:
        ev = v.evidence["acceptance"]
        assert ev["n_pool"] == 8 and ev["n_normals"] == 8 and "proxy_before" in ev
    runs = Store(a).runs("G1")  # every fresh scoring pass is a stored, identifiable, label-free run
    assert runs and {r.config["purpose"] for r in runs} == {"evolve"}
    assert {(r.config["set"], r.split) for r in runs} == {("pool", "calib+dev"), ("normals", "normals")}
    assert {r.config["role"] for r in runs} == {"current", "candidate"}
    assert all(r.backend == "policy" and r.n_records == 8 for r in runs)
    assert all(rec.label is None for r in runs for rec in Store(a).records(r.run_id))


def test_dry_run_stores_nothing_and_a_locked_domain_exits_2(env, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    assert main([*ARGS, "--rounds", "1", "--dry-run", "--db", url]) == 0
    assert Store(url).rounds("G1") == [] and Store(url).runs("G1") == []
    with Store(url).domain_lock("G1"):
        assert main([*ARGS, "--db", url]) == 2
    assert "being evolved" in capsys.readouterr().err
