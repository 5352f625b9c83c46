"""The per-item result record: the contract between the agent, the store and eval.

A :class:`Record` reads and writes the upstream result format of jam-cc/AnomalyClaw
(``results/<run>/<domain>.json``: a JSON list of per-item dicts) without loss, and adds
our own fields (backend, model, rulebook version, data source, timings, ...).

Upstream field names are kept as aliases: the refutation branch's score is stored
upstream as ``v9_score`` and the label as ``label_gt``. Reading keeps every key it
does not know (``extra="allow"``) and writing with :func:`Record.to_upstream` emits
exactly the keys that were read or set, in the order they were read (new keys last),
so a round trip is an identity on dicts and ``json.dumps`` of them gives the file back.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

SCHEMA_VERSION = 1
AD_MODE = "anomaly_detection"
DataSource = Literal["real", "proxy", "user"]


class Record(BaseModel):
    """One item scored by one system (one run)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    # --- identity -----------------------------------------------------------------
    item_id: str = Field(description="Benchmark item id, e.g. 'D7_0001'. Never shown to the model.")
    domain_code: str = Field(description="Domain code ('D1'..'D12') or a user domain's name.")
    mode: str = Field(default=AD_MODE, description="Task mode; eval keeps 'anomaly_detection' only.")

    # --- ground truth (joined after scoring; evolution strips it) ------------------
    label: int | None = Field(default=None, alias="label_gt",
                              description="1 anomalous, 0 normal, None unknown (unlabeled pool).")

    # --- scores ---------------------------------------------------------------------
    anomaly_score: float | None = Field(default=None, description="Fused score in [0, 1].")
    direct_score: float | None = Field(default=None, description="Direct branch score in [0, 1].")
    refutation_score: float | None = Field(default=None, alias="v9_score",
                                           description="Refutation branch score in [0, 1].")
    refutation_initial_score: float | None = Field(default=None, alias="v9_initial_score",
                                                   description="Refutation score after turn 1.")
    w_direct: float | None = Field(default=None, description="α used in the fusion.")
    w_refutation: float | None = Field(default=None, alias="w_v9", description="1 − α.")
    threshold: float | None = Field(default=None, description=(
        "Label-free decision threshold applied to anomaly_score (set from held-out normals)."))
    fpr_target: float | None = Field(default=None, description="Target false-positive rate of the threshold.")
    decision: Literal["anomalous", "normal"] | None = Field(default=None, description=(
        "anomalous when anomaly_score > threshold; None without a threshold or a score."))

    # --- errors ---------------------------------------------------------------------
    error: str | None = Field(default=None, description="Refutation/episode error; None when fine.")
    direct_error: str | None = Field(default=None, description="Direct branch error; None when fine.")

    # --- trace ----------------------------------------------------------------------
    rationale: str | None = Field(default=None, description="Refutation branch's final rationale.")
    direct_rationale: str | None = Field(default=None, description="Direct branch's raw answer.")
    n_turns: int | None = Field(default=None, description="Refutation turns taken.")
    tools_used: list[str] | None = Field(default=None, description="Tool names, in call order.")
    history: list[dict[str, Any]] | None = Field(default=None, description="Per-turn trace dicts.")

    # --- ours -----------------------------------------------------------------------
    schema_version: int | None = Field(default=None, description="Set on records we write.")
    run_id: str | None = Field(default=None, description="Run that produced this record.")
    split: str | None = Field(default=None, description="calib | dev | test.")
    data_source: DataSource | None = Field(default=None, description="real | proxy | user.")
    backend: str | None = Field(default=None, description="openai-compatible | hf | policy.")
    model: str | None = Field(default=None, description="Model name as the backend knows it.")
    rulebook_version: int | None = Field(default=None, description="Rulebook version in context.")
    timings: dict[str, float] | None = Field(default=None, description="Seconds per stage.")
    token_usage: dict[str, int] | None = Field(default=None, description="Prompt/completion tokens.")

    # key order of the dict this record was read from (JSON order is part of "without loss")
    _key_order: tuple[str, ...] = PrivateAttr(default=())

    # ---------------------------------------------------------------------------------
    @classmethod
    def from_upstream(cls, data: dict[str, Any]) -> Record:
        """Build a record from one upstream (or our own) JSON dict."""
        record = cls.model_validate(data)
        record._key_order = tuple(data)
        return record

    def to_upstream(self) -> dict[str, Any]:
        """The JSON dict in upstream naming, holding exactly the keys read or set.

        Keys come in the order they were read, then any set later in field order.
        """
        out = self.model_dump(by_alias=True, exclude_unset=True, mode="json")
        if not self._key_order:
            return out
        ordered = {key: out[key] for key in self._key_order if key in out}
        ordered.update((key, value) for key, value in out.items() if key not in ordered)
        return ordered

    def without_label(self) -> Record:
        """A copy with the label removed: what evolution is allowed to read."""
        data = self.to_upstream()
        data.pop("label_gt", None)
        return Record.from_upstream(data)

    def is_scoreable(self) -> tuple[bool, str | None]:
        """The paper's eval filter: AD mode, both branch scores, no error, a label.

        Returns:
            ``(True, None)`` when kept, else ``(False, reason)``.
        """
        if self.mode != AD_MODE:
            return False, f"mode {self.mode!r}"
        if self.error is not None:
            return False, "error"
        if self.direct_score is None:
            return False, "no direct_score"
        if self.refutation_score is None:
            return False, "no refutation score"
        if self.label is None:
            return False, "no label"
        return True, None
