"""Score arithmetic in plain Python: Direct mapping, Logprob-Direct, refutation bands, fusion.

None of this is prompt text; the model only answers the signatures, and these functions turn
its answers into numbers (DESIGN.md §1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

EPS = 0.01
FALLBACK_SCORE = 0.5
Band = Literal["refuted", "survives", "mixed"]
BANDS: dict[Band, tuple[float, float]] = {
    "refuted": (0.05, 0.20),
    "survives": (0.80, 0.95),
    "mixed": (0.40, 0.60),
}
NO_CANDIDATE_CAP = BANDS["refuted"][1]


def clip01(x: float) -> float:
    """``x`` clipped to [0, 1]; NaN becomes 0.5 (no information)."""
    if x is None or math.isnan(x):
        return FALLBACK_SCORE
    return min(1.0, max(0.0, float(x)))


def direct_score(label: str | None, confidence: float | None) -> float | None:
    """The reference's verbal mapping from (label, confidence) to a score.

    anomalous → max(conf, 0.5 + ε); normal → min(1 − conf, 0.5 − ε). A missing or unknown
    label gives None: the caller records the 0.5 fallback and why.
    """
    if label not in ("normal", "anomalous") or confidence is None:
        return None
    conf = clip01(confidence)
    if label == "anomalous":
        return max(conf, 0.5 + EPS)
    return min(1.0 - conf, 0.5 - EPS)


def _norm_token(token: str) -> str:
    return token.strip().strip("\"'`:#[]{}*").strip().lower()


def _agrees(token: str, word: str) -> bool:
    t = _norm_token(token)
    return bool(t) and (word.startswith(t) or t.startswith(word))


def label_logprob_score(logprobs: dict[str, Any] | None, field: str = "image_label") -> float | None:
    """Logprob-Direct: P(anomalous) / (P(anomalous) + P(normal)) at the label's first token.

    Finds the first token after the field's name in the reply whose text is a prefix of
    'anomalous' or 'normal', then sums the probability of the alternatives (its top
    log-probabilities) that start either word.

    Args:
        logprobs: ``pred.logprobs`` as DSPy returns it (``{'content': [{token, logprob,
            top_logprobs: [...]}, ...]}``).
        field: the output field holding the label.

    Returns:
        The score in [0, 1], or None when the reply carries no usable label token.
    """
    content = (logprobs or {}).get("content") or []
    text, starts = "", []
    for tok in content:
        starts.append(len(text))
        text += tok.get("token", "")
    at = text.find(field)
    if at < 0:
        return None
    for i, tok in enumerate(content):
        if starts[i] + len(tok.get("token", "")) <= at + len(field) or not _norm_token(tok.get("token", "")):
            continue
        if not (_agrees(tok["token"], "anomalous") or _agrees(tok["token"], "normal")):
            return None  # the first word after the field is not a label: no usable token
        alts = list(tok.get("top_logprobs") or []) or [tok]
        p_anom = sum(math.exp(a["logprob"]) for a in alts if _agrees(a["token"], "anomalous"))
        p_norm = sum(math.exp(a["logprob"]) for a in alts if _agrees(a["token"], "normal"))
        if p_anom + p_norm <= 0.0:
            return None
        return p_anom / (p_anom + p_norm)
    return None


def band_of(verdicts: Sequence[str | None]) -> Band | None:
    """The band implied by the candidates' verdicts (None when none has been tested yet).

    Any surviving candidate (``not_found``) → 'survives'; every candidate refuted → 'refuted';
    otherwise (some untested or inconclusive, none surviving) → 'mixed'.
    """
    if all(v is None for v in verdicts):
        return None
    if any(v == "not_found" for v in verdicts):
        return "survives"
    if all(v == "found_in_ref" for v in verdicts):
        return "refuted"
    return "mixed"


def into_band(score: float | None, band: Band) -> float:
    """The model's score kept inside its band (the band's middle when the score is missing)."""
    lo, hi = BANDS[band]
    if score is None or math.isnan(score):
        return (lo + hi) / 2
    return min(hi, max(lo, float(score)))


class Fused(NamedTuple):
    """A fused score and how it was made."""

    score: float | None
    flag: str | None  # None, 'direct_only', 'refutation_only', 'both_failed'


def fuse(direct: float | None, refutation: float | None, alpha: float) -> Fused:
    """α·direct + (1 − α)·refutation; one branch missing → the other alone, flagged."""
    if direct is not None and refutation is not None:
        return Fused(alpha * direct + (1.0 - alpha) * refutation, None)
    if direct is not None:
        return Fused(direct, "direct_only")
    if refutation is not None:
        return Fused(refutation, "refutation_only")
    return Fused(None, "both_failed")
