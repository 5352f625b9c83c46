"""Metrics, paired bootstrap, Table 1 and reports."""
