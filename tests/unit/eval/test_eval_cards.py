"""Evidence cards and the per-domain heat scale, on a real policy run (proxy D9, six test items)."""

from __future__ import annotations

import numpy as np
import pytest

from anomalyclaw.record import Record
from db import Store
from eval._cards import OBSERVATION_CHARS, THUMB, card_from_record, trail_from_record
from eval._gallery_data import build_gallery
from eval._heat_scale import HeatScale, domain_scale, heat_rgb, overlay_heat

pytestmark = pytest.mark.slow  # one real run per session (policy_run), experts fitted once

LUMA = np.array([0.299, 0.587, 0.114])


@pytest.fixture(scope="module")
def gallery(policy_run):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ANOMALYCLAW_HOME", str(policy_run.home))
        return build_gallery(Store(policy_run.db_url), policy_run.run_id)


@pytest.fixture(scope="module")
def records(policy_run):
    return Store(policy_run.db_url).records(policy_run.run_id)


def _peak_luma(heat, scale):
    return float((heat_rgb(heat, scale) @ LUMA).max())


def test_one_scale_per_domain_from_the_normals_patch_quantiles(gallery, policy_run):
    from anomalyclaw.agent import fit_experts
    from anomalyclaw.data import load_domain

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ANOMALYCLAW_HOME", str(policy_run.home))
        experts = fit_experts(load_domain("D9", data="proxy"), max_normals=8)
    q = experts.state["patch_q"]  # quantiles of the normals' own patch distances (no query involved)
    levels = (0.5, 0.9, 0.95, 0.99, 0.995, 0.999)
    s = gallery.scale
    assert s.domain == "D9" and s.lo == pytest.approx(q[levels.index(0.5)])
    assert s.q99 == pytest.approx(q[levels.index(0.99)]) and s.hi == pytest.approx(2 * s.q99 - s.lo)
    assert {id(c.scale) for c in gallery.cards} == {id(s)}  # every card drawn on the same scale


def test_clean_items_look_cooler_than_anomalous_ones(gallery):
    s = gallery.scale
    clean = [_peak_luma(c.heat_map, s) for c in gallery.cards if c.label == 0]
    anom = [_peak_luma(c.heat_map, s) for c in gallery.cards if c.label == 1]
    assert clean and anom and max(clean) < min(anom)
    # what per-image normalisation would have shown: every map's hottest cell equally bright
    own = [_peak_luma(c.heat_map, HeatScale("own", float(c.heat_map.min()), 0.0, float(c.heat_map.max())))
           for c in gallery.cards]
    assert max(own) - min(own) < 1
    # the card's overlay keeps the order: the coolest clean card's hot region is darker
    hot = {c.item_id: np.sort((c.heat.astype(float) @ LUMA).ravel())[-THUMB:].mean() for c in gallery.cards}
    coolest = min((c for c in gallery.cards if c.label == 0), key=lambda c: c.heat_peak)
    assert all(hot[coolest.item_id] < hot[c.item_id] for c in gallery.cards if c.label == 1)


def test_renders_depend_on_the_domain_scale_not_on_the_map_range(gallery):
    heat = gallery.cards[0].heat_map
    other = domain_scale("D1", [type("S", (), {"heat_median": 0.3, "heat_threshold": 0.6})()])
    a, b = heat_rgb(heat, gallery.scale), heat_rgb(heat, other)
    assert a.shape == b.shape and np.abs(a.astype(int) - b.astype(int)).mean() > 5
    # shifting or stretching a map changes its colours: no per-image min-max anywhere
    for moved in (heat + 0.03, heat * 1.5):
        assert np.abs(heat_rgb(moved, gallery.scale).astype(int) - a.astype(int)).mean() > 5
    img = np.full((40, 40, 3), 128, np.uint8)
    assert not np.array_equal(overlay_heat(img, heat, gallery.scale), overlay_heat(img, heat, other))
    with pytest.raises(ValueError):
        domain_scale("D1", [])


def test_trail_follows_history_and_names_the_candidate(records):
    rec = next(r for r in records if r.tools_used)
    steps = trail_from_record(rec)
    assert [s.turn for s in steps] == [h["turn"] for h in rec.history]
    assert [s.tool for s in steps if s.tool] == rec.tools_used
    judged = [s for s in steps if s.verdict]
    assert judged and all(s.verdict in ("found_in_ref", "not_found", "inconclusive") for s in judged)
    names = {f"#{c['index']} {c['name']}" for c in rec.candidates}
    assert all(s.verdict_on in names for s in judged)
    assert steps[-1].score == pytest.approx(rec.refutation_score)
    long = Record.from_upstream({**rec.to_upstream(), "history": [
        {**rec.history[0], "observation": "x" * (3 * OBSERVATION_CHARS)}]})
    (step,) = trail_from_record(long)
    assert len(step.observation) == OBSERVATION_CHARS and step.observation.endswith("…")


def test_card_shows_decision_when_present_and_dash_otherwise(gallery, records):
    card = gallery.cards[0]
    assert card.decision is None and card.threshold is None  # this run has no operating point
    assert card.fused == max(r.anomaly_score for r in records)
    assert card.query.shape[2] == 3 and max(card.query.shape[:2]) <= THUMB
    assert card.heat.shape == card.query.shape and len(card.references) == 4
    rec = records[0]
    rec.decision, rec.threshold = "anomalous", 0.4
    bare = card_from_record(rec)
    assert (bare.decision, bare.threshold) == ("anomalous", 0.4)
    assert bare.query is None and bare.heat is None and any("no image" in n for n in bare.notes)
    assert (bare.direct, bare.refutation, bare.fused) == (rec.direct_score, rec.refutation_score,
                                                          rec.anomaly_score)
