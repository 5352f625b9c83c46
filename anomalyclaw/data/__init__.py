"""Benchmark domains: typed records, upstream manifests, the embedded proxy suite."""

from anomalyclaw.data._check import DomainCheck, FileProblem, check_domain, check_domains
from anomalyclaw.data._errors import (
    DataError,
    DataMissingError,
    DataRootError,
    ManifestError,
    PathEscapeError,
    UnknownDomainError,
)
from anomalyclaw.data._load import load_domain, load_real
from anomalyclaw.data._manifest import DOMAIN_CODES, upstream_spec
from anomalyclaw.data._paths import resolve_data_root, resolve_in_root
from anomalyclaw.data._types import SPLITS, DataSource, Domain, DomainSpec, GroundTruth, Item, Split

__all__ = [
    "DOMAIN_CODES", "SPLITS", "DataError", "DataMissingError", "DataRootError", "DataSource", "Domain",
    "DomainCheck", "DomainSpec", "FileProblem", "GroundTruth", "Item", "ManifestError", "PathEscapeError",
    "Split", "UnknownDomainError", "check_domain", "check_domains", "load_domain", "load_real",
    "resolve_data_root", "resolve_in_root", "upstream_spec",
]
