"""The embedded proxy suite: one offline, seeded stand-in per benchmark domain D1..D12.

Each proxy is built from photos that ship inside scikit-image plus procedural anomalies in
the spirit of its domain, with pixel masks and a pool of normal references. Images are
generated once per (seed, generator version) and cached as PNG files.
"""

from anomalyclaw.data.proxy._base import ProxyDomain, ProxyInfo, Sample, draw_sample
from anomalyclaw.data.proxy._domain import load_proxy, proxy_spec
from anomalyclaw.data.proxy._registry import get_generator
from anomalyclaw.data.proxy._suite import (
    GENERATOR_VERSION,
    N_REFS,
    POOL_SIZE,
    ensure_domain,
    generate_suite,
    proxy_dir,
    split_sizes,
)

__all__ = [
    "GENERATOR_VERSION", "N_REFS", "POOL_SIZE", "ProxyDomain", "ProxyInfo", "Sample", "draw_sample",
    "ensure_domain", "generate_suite", "get_generator", "load_proxy", "proxy_dir", "proxy_spec",
    "split_sizes",
]
