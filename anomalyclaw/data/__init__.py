"""Benchmark domains: typed records, upstream manifests, the embedded proxy suite."""

from anomalyclaw.data._types import SPLITS, DataSource, Domain, DomainSpec, GroundTruth, Item, Split

__all__ = ["SPLITS", "DataSource", "Domain", "DomainSpec", "GroundTruth", "Item", "Split"]
