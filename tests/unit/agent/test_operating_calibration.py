"""Calibration of the label-free threshold on held-out normals, with the real policy agent."""

import pytest
from conftest import build_domain

from anomalyclaw._operating import apply, calibrate, hold_out, normal_items
from anomalyclaw.agent import Agent, AgentConfig, fit_experts

pytestmark = pytest.mark.slow  # fits probes and scores episodes


@pytest.fixture(scope="module")
def wide_domain(tmp_path_factory):
    return build_domain(tmp_path_factory.mktemp("wide"), n_pool=14, n_items=4, seed=5)


def test_held_out_normals_are_kept_out_of_the_fit(wide_domain):
    fit, held, why = hold_out(wide_domain, 6)
    assert why is None and len(held) == 6 and len(fit.normal_pool) == 8
    assert not set(held) & set(fit.normal_pool)
    items = normal_items(fit, held, n_refs=3, seed=0)
    assert [i.query_path for i in items] == list(held)
    assert all(set(i.ref_paths) <= set(fit.normal_pool) and len(i.ref_paths) == 3 for i in items)
    assert hold_out(wide_domain, 13)[2] is not None  # would leave one normal to fit on
    paired = wide_domain.model_copy(update={"spec": wide_domain.spec.model_copy(update={"paired": True})})
    assert "change pairs" in hold_out(paired, 6)[2]


def test_an_all_normal_calibration_set_gives_a_threshold_above_every_normal(wide_domain, tmp_path):
    fit, held, _ = hold_out(wide_domain, 6)
    experts = fit_experts(fit, cache_dir=tmp_path, device="cpu")
    agent = Agent(AgentConfig(), "Mortar lines are normal.", fit, experts=experts)
    found = calibrate(agent, normal_items(fit, held, 3, seed=0), fpr=0.01)
    assert found["n_normals"] == 6
    assert found["threshold"] == pytest.approx(max(found["normal_scores"]), abs=1e-6)
    loose = calibrate(agent, normal_items(fit, held, 3, seed=0), fpr=0.4)
    assert loose["threshold"] < found["threshold"]
    recs = [agent.score(item) for item in [*wide_domain.items, *normal_items(fit, held, 3, seed=0)]]
    strict = [apply(r, found["threshold"], 0.01) for r in recs]
    lax = [apply(r, loose["threshold"], 0.4) for r in recs]
    assert [r.anomaly_score for r in strict] == [r.anomaly_score for r in recs]  # never baked into scores
    flagged = [{r.item_id for r in rs if r.decision == "anomalous"} for rs in (strict, lax)]
    assert flagged[0] < flagged[1]  # a looser target flags everything the strict one does, and more
    assert not any(r.decision == "anomalous" for r in strict if "_normal_" in r.item_id)
