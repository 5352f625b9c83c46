"""What a tool may see: the query's pixels, its references' pixels, the domain spec, experts.

Pixels only — never paths, item ids or labels, so no tool can leak a label (the model is
path-blind). Expensive per-query results (expert scores, features) are memoised on the
context so several tools in one episode share them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from anomalyclaw.data import DomainSpec
from tools._errors import BadToolInput
from tools._experts import DomainExperts
from tools._imaging import thumb
from tools._lru import image_key
from tools._patchmath import nn_maps
from tools._scores import ExpertScores
from tools.backbone import Backbone, ImageFeatures, check_image, get_backbone

ReferenceDescriber = Callable[[Sequence[np.ndarray]], str]
"""LM hook for reference_profile: images of the references → a description of what they share."""


@dataclass
class ToolContext:
    """The inputs of one episode's tool calls.

    Attributes:
        query: (H, W, 3) uint8 RGB query image.
        references: normal references, (H, W, 3) uint8 each (sizes may differ from the query).
        spec: the domain (modality, pairing) — decides which tools apply.
        experts: the domain's fitted probes; when None, expert tools fit ad hoc on the references.
        backbone: feature extractor; defaults to the experts' or the process-wide one.
        describe_references: optional LM hook used by reference_profile.
        memo: per-episode cache (filled by the tools; not for callers).
    """

    query: np.ndarray
    references: tuple[np.ndarray, ...]
    spec: DomainSpec
    experts: DomainExperts | None = None
    backbone: Backbone | None = None
    describe_references: ReferenceDescriber | None = None
    memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def validate(self) -> None:
        """Check the query and every reference are usable images.

        Raises:
            BadToolInput: naming the image that is wrong and how.
        """
        check_image(self.query, "query")
        for i, r in enumerate(self.references):
            check_image(r, f"reference {i}")

    @property
    def bb(self) -> Backbone:
        """The backbone to use (shared cache)."""
        if self.backbone is None:
            self.backbone = self.experts.backbone if self.experts is not None else get_backbone()
        return self.backbone

    def ref(self, index: int) -> np.ndarray:
        """Reference ``index``, or BadToolInput saying which indices exist."""
        self.require_references()
        if not 0 <= index < len(self.references):
            raise BadToolInput(
                f"ref_index {index} is out of range: this query has {len(self.references)} "
                f"reference(s), indices 0..{len(self.references) - 1}"
            )
        return self.references[index]

    def require_references(self, n: int = 1) -> None:
        """Raise BadToolInput unless at least ``n`` references are present."""
        if len(self.references) < n:
            raise BadToolInput(
                f"this tool needs at least {n} normal reference(s); the query has {len(self.references)}"
            )

    @property
    def query_key(self) -> str:
        """Content hash of the query's pixels (computed once per context)."""
        if "query_key" not in self.memo:
            self.memo["query_key"] = image_key(self.query)
        return self.memo["query_key"]

    @property
    def reference_keys(self) -> tuple[str, ...]:
        """Content hashes of the references' pixels (computed once per context)."""
        if "reference_keys" not in self.memo:
            self.memo["reference_keys"] = tuple(image_key(r) for r in self.references)
        return self.memo["reference_keys"]

    def query_features(self) -> ImageFeatures:
        """Backbone features of the query (cached by pixels, memoised per context)."""
        if "query_features" not in self.memo:
            self.memo["query_features"] = self.bb.features([self.query], [self.query_key])[0]
        return self.memo["query_features"]

    def reference_features(self) -> list[ImageFeatures]:
        """Backbone features of every reference (cached by pixels, batched on a miss, memoised)."""
        if "reference_features" not in self.memo:
            self.memo["reference_features"] = self.bb.features(list(self.references), self.reference_keys)
        return self.memo["reference_features"]

    def view(self, side: int = 320) -> np.ndarray:
        """The query downscaled to ≤ ``side`` px for panels (memoised per episode)."""
        return self.memoised(f"view:{side}", lambda: thumb(self.query, side))

    def nn_map(self, index: int) -> np.ndarray:
        """(G, G) distance of each query patch to its nearest patch in reference ``index``.

        All references are matched in one product and memoised for the episode.
        """
        self.ref(index)
        maps = self.memoised(
            "nn_maps",
            lambda: nn_maps(self.query_features().patches, [f.patches for f in self.reference_features()]),
        )
        return maps[index]

    def memoised(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per context under ``key`` (results shared by the tools of one episode)."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def expert_scores(self) -> ExpertScores:
        """The probes' reading of the query, computed once per context.

        Uses the domain's fitted experts (bank = the query's references when the domain is
        paired, e.g. a 'before' image); without them, fits ad hoc on the references.

        Raises:
            BadToolInput: no experts and fewer than 2 references to fit on.
        """
        if "expert_scores" not in self.memo:
            experts = self.experts
            if experts is None:
                if len(self.references) < 2:
                    raise BadToolInput(
                        "no fitted domain experts and fewer than 2 references to calibrate on",
                        hint="pass ToolContext(experts=DomainExperts.fit(normals))",
                    )
                experts = self.memo.setdefault(
                    "adhoc_experts", DomainExperts.fit(self.references, backbone=self.bb)
                )
            paired = self.spec.paired and bool(self.references)
            self.memo["expert_scores"] = experts.score(
                self.query,
                references=self.references if paired else None,
                query_features=self.query_features(),
                reference_features=self.reference_features() if paired else None,
            )
        return self.memo["expert_scores"]

    def calibration_note(self) -> str:
        """Where the probes' calibration comes from, for observation texts."""
        if self.experts is not None:
            return f"calibrated on {self.experts.n_normals} domain normals (leave-one-out)"
        return f"calibrated ad hoc on only {len(self.references)} references (weak)"
