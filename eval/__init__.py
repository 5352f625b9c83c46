"""Metrics, paired bootstrap, Table 1 and reports.

Public face: tie-aware AUROC per domain and macro-averaged (:mod:`eval.metrics`), the
paired per-domain bootstrap (:mod:`eval.bootstrap`), record loading
(:mod:`eval.records`) and Table 1 (``python -m eval.table1``; :func:`compute_table1`).
"""

from eval._sources import DirectorySource, NamedRecords, RecordSource
from eval._table1_core import Table1Result, Table1Row, compute_table1
from eval.bootstrap import (
    BootstrapDraws,
    Difference,
    DomainScores,
    Interval,
    bootstrap_macro,
    paired_bootstrap,
)
from eval.metrics import OneClassWarning, auroc, macro_auroc, per_domain_auroc
from eval.records import load_records_dir, load_records_file, split_scoreable

__all__ = [
    "BootstrapDraws", "Difference", "DirectorySource", "DomainScores", "Interval", "NamedRecords",
    "OneClassWarning", "RecordSource", "Table1Result", "Table1Row", "auroc", "bootstrap_macro",
    "compute_table1", "load_records_dir", "load_records_file", "macro_auroc", "paired_bootstrap",
    "per_domain_auroc", "split_scoreable",
]
