"""One registry owns the proxy generators: domain code → generator (imported lazily)."""

from __future__ import annotations

from functools import cache
from importlib import import_module

from anomalyclaw.data._manifest import normalize_code
from anomalyclaw.data.proxy._base import ProxyDomain

_GENERATORS: dict[str, tuple[str, str]] = {
    "D1": ("_textures", "Textures"),
    "D2": ("_objects", "Objects"),
    "D3": ("_logical", "Logical"),
    "D4": ("_shapes3d", "Shapes3D"),
    "D5": ("_retail", "Retail"),
    "D6": ("_cracks", "Cracks"),
    "D7": ("_change", "Change"),
    "D8": ("_skin", "Skin"),
    "D9": ("_mri", "BrainMRI"),
    "D10": ("_ct", "LiverCT"),
    "D11": ("_endoscopy", "Endoscopy"),
    "D12": ("_road", "Road"),
}


@cache
def get_generator(code: str) -> ProxyDomain:
    """The proxy generator of one domain code."""
    module, cls = _GENERATORS[normalize_code(code)]
    return getattr(import_module(f"anomalyclaw.data.proxy.{module}"), cls)()
