"""Typed domain and item records: what a run reads, and what the agent may see.

The label lives in :class:`GroundTruth`, apart from :class:`Item`: the agent, the tools
and evolution receive Items only. Eval joins GroundTruth back by ``item_id``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Split = Literal["calib", "dev", "test"]
SPLITS: tuple[Split, ...] = ("calib", "dev", "test")
DataSource = Literal["real", "proxy", "user"]


class DomainSpec(BaseModel):
    """What a domain is. Its description is the only text about it the model reads."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="'D1'..'D12' or a user domain's registered name.")
    name: str = Field(description="Human name, e.g. 'Medical — Brain MRI'.")
    modality: str = Field(description="e.g. 'RGB', 'MRI', 'CT', 'satellite RGB'.")
    reference_type: str = Field(description="How references relate to queries, e.g. 'temporal pair'.")
    description: str = Field(description="One paragraph the model reads as domain context.")
    source_dataset: str = Field(default="", description="Where the images come from.")
    data_source: DataSource = Field(description="real | proxy | user.")
    paired: bool = Field(default=False, description="True when each query has its own 'before' image (D7).")
    about: str = Field(default="", description=(
        "For people, never the model: what this data is and is not (e.g. how a proxy was made)."))


class Item(BaseModel):
    """One query the agent scores. Carries no label; paths are never shown to the model."""

    model_config = ConfigDict(frozen=True)

    item_id: str
    domain_code: str
    split: Split
    query_path: Path = Field(description="Absolute path of the query image.")
    ref_paths: tuple[Path, ...] = Field(description="Absolute paths of its normal references.")
    category: str | None = Field(default=None, description="Sub-category (e.g. MVTec class).")
    data_source: DataSource


class GroundTruth(BaseModel):
    """The label of one item, kept apart from the Item."""

    model_config = ConfigDict(frozen=True)

    item_id: str
    label: int = Field(description="1 anomalous, 0 normal.")
    anomaly_type: str | None = None
    mask_path: Path | None = Field(default=None, description="Pixel mask (white = anomalous) if known.")


class Domain(BaseModel):
    """A domain resolved to files: its spec, items, labels and a pool of normal images."""

    spec: DomainSpec
    items: tuple[Item, ...]
    truth: dict[str, GroundTruth] = Field(default_factory=dict, description="item_id → label; may be empty.")
    normal_pool: tuple[Path, ...] = Field(
        default=(), description="Normal images usable as references / held-out normals (never queries).")

    def split(self, split: Split) -> tuple[Item, ...]:
        """Items of one split, in stable order."""
        return tuple(i for i in self.items if i.split == split)
