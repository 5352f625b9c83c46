"""Data-only package: the CrossDomainVAD-12 manifests (CC BY-NC 4.0, see LICENSE here)."""
