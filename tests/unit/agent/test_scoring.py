"""Score arithmetic: the reference's Direct mapping, Logprob-Direct, refutation bands, fusion."""

import math

import pytest

from anomalyclaw.agent._scoring import (
    BANDS,
    EPS,
    band_of,
    direct_score,
    fuse,
    into_band,
    label_logprob_score,
)


@pytest.mark.parametrize(
    ("label", "conf", "expected"),
    [
        ("anomalous", 0.9, 0.9),
        ("anomalous", 0.2, 0.5 + EPS),  # low-confidence 'anomalous' still ranks above every 'normal'
        ("normal", 0.9, 0.1),
        ("normal", 0.3, 0.5 - EPS),
        ("normal", 1.7, 0.0),  # out-of-range confidence is clipped
    ],
)
def test_direct_mapping_hand_worked(label, conf, expected):
    assert direct_score(label, conf) == pytest.approx(expected)


def test_direct_mapping_separates_labels_and_is_monotone():
    confs = [i / 20 for i in range(21)]
    anom = [direct_score("anomalous", c) for c in confs]
    norm = [direct_score("normal", c) for c in confs]
    assert min(anom) > 0.5 > max(norm)
    assert anom == sorted(anom) and norm == sorted(norm, reverse=True)


@pytest.mark.parametrize(("label", "conf"), [(None, 0.9), ("maybe", 0.9), ("normal", None)])
def test_direct_mapping_unusable_answers_give_none(label, conf):
    assert direct_score(label, conf) is None


def _lp(tokens, top_at=None, p_anom=0.8):
    content = []
    for tok in tokens:
        entry = {"token": tok, "logprob": 0.0, "top_logprobs": []}
        if tok == top_at:
            entry["top_logprobs"] = [
                {"token": "anom", "logprob": math.log(p_anom)},
                {"token": "normal", "logprob": math.log(1 - p_anom)},
                {"token": "unsure", "logprob": math.log(1e-3)},
            ]
        content.append(entry)
    return {"content": content}


def test_logprob_score_reads_the_label_token_after_its_field():
    toks = ["[[", " ##", " image", "_label", " ##", " ]]", "\n", "anom", "alous", "\n\n", "[["]
    assert label_logprob_score(_lp(toks, top_at="anom", p_anom=0.8)) == pytest.approx(0.8)
    assert label_logprob_score(_lp(toks, top_at="anom", p_anom=0.1)) == pytest.approx(0.1)


def test_logprob_score_ignores_label_words_before_the_field():
    toks = ["normal", " text", " image_label", " ##", " ]]", "\n", "anom", "alous"]
    assert label_logprob_score(_lp(toks, top_at="anom", p_anom=0.6)) == pytest.approx(0.6)


@pytest.mark.parametrize(
    "logprobs", [None, {"content": []}, _lp(["no", " field", " here"]), _lp([" image_label", "\n", "maybe"])]
)
def test_logprob_score_without_a_usable_token_is_none(logprobs):
    assert label_logprob_score(logprobs) is None


@pytest.mark.parametrize(
    ("verdicts", "band"),
    [
        ([], None),
        ([None, None], None),
        (["found_in_ref", "found_in_ref"], "refuted"),
        (["found_in_ref", "not_found", "found_in_ref"], "survives"),
        (["found_in_ref", None], "mixed"),
        (["inconclusive"], "mixed"),
    ],
)
def test_band_of_verdicts(verdicts, band):
    assert band_of(verdicts) == band


def test_into_band_clamps_and_fills_missing_with_the_middle():
    lo, hi = BANDS["survives"]
    assert into_band(0.3, "survives") == lo
    assert into_band(0.99, "survives") == hi
    assert into_band(0.9, "survives") == 0.9
    assert into_band(None, "refuted") == pytest.approx(sum(BANDS["refuted"]) / 2)


def test_fusion_weights_and_fallbacks():
    assert fuse(0.8, 0.2, 0.5).score == pytest.approx(0.5)
    assert fuse(0.8, 0.2, 0.25) == (pytest.approx(0.35), None)
    assert fuse(0.8, None, 0.5) == (0.8, "direct_only")
    assert fuse(None, 0.3, 0.5) == (0.3, "refutation_only")
    assert fuse(None, None, 0.5) == (None, "both_failed")
