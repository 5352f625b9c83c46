"""Operating points in the store: one per (domain, version, backend, model, fpr), replaced whole."""

from db import OperatingPoint


def _op(**kw):
    base = dict(domain="D9", version=0, backend="policy", model="policy", fpr=0.01, threshold=0.7,
                method="held-out-normals", n_normals=20, evidence={"normal_scores": [0.1, 0.7]})
    return OperatingPoint(**{**base, **kw})


def test_set_then_read_back_and_replace(store):
    assert store.operating_point("D9", 0, "policy", "policy", 0.01) is None
    first = store.set_operating_point(_op())
    assert first.threshold == 0.7 and first.created_at is not None
    store.set_operating_point(_op(threshold=0.8, n_normals=30))
    got = store.operating_point("D9", 0, "policy", "policy", 0.01)
    assert (got.threshold, got.n_normals, got.evidence) == (0.8, 30, {"normal_scores": [0.1, 0.7]})
    assert len(store.operating_points("D9")) == 1


def test_each_key_part_keeps_its_own_threshold(store):
    store.set_operating_point(_op())
    store.set_operating_point(_op(fpr=0.05, threshold=0.5))
    store.set_operating_point(_op(version=1, threshold=0.6))
    store.set_operating_point(_op(model="other", threshold=0.9))
    assert [(o.version, o.fpr) for o in store.operating_points("D9")] == [(0, 0.01), (0, 0.01), (0, 0.05),
                                                                         (1, 0.01)]
    assert store.operating_point("D9", 0, "policy", "other", 0.01).threshold == 0.9
    assert store.operating_point("D9", 1, "policy", "policy", 0.01).threshold == 0.6
