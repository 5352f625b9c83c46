"""D10 proxy: abdominal CT-like slices; hypodense liver lesions are anomalous, vessels are not."""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from anomalyclaw.data.proxy._base import Defect, ProxyDomain, ProxyInfo, Scene
from anomalyclaw.data.proxy._ops import SIZE, blob, crack, logu, over, random_view, smooth_field, u
from anomalyclaw.data.proxy._sources import detail


class LiverCT(ProxyDomain):
    """Procedural abdomen: body, liver, spine, aorta, kidneys, stomach; anatomy varies per slice."""

    info = ProxyInfo(
        code="D10", name="Medical — Liver CT", modality="CT slice",
        reference_type="few-shot (healthy slices)",
        description=(
            "Axial abdominal CT slices in a soft-tissue window of healthy subjects: a grey body "
            "outline with darker subcutaneous fat, a large homogeneous liver on the image left, the "
            "bright vertebra and aorta at the back, kidneys beside the spine, and a stomach that may "
            "hold dark air. Healthy liver tissue is evenly grey apart from thin or small roundish "
            "vessels of slightly different density; body size, organ shapes and noise vary."),
        about=(
            "Proxy for BMAD-Liver built procedurally (ellipses and random blobs for the body and "
            "organs) with soft-tissue texture from scikit-image's moon and gravel photos and "
            "correlated CT-like noise. Anomalies are hypodense (darker) round lesions in the liver, "
            "single or multiple, from faint to clear; normal slices include vessels as confounders. "
            "It is not CT data and carries no diagnostic meaning."),
        categories=("abdomen",))
    noise = 0.012

    def normal(self, rng: np.random.Generator, category: str) -> Scene:
        cy, cx = SIZE / 2 + u(rng, -6, 6), SIZE / 2 + u(rng, -6, 6)
        body = blob(rng, (cy, cx), u(rng, 70, 80), irregular=0.04, aspect=u(rng, 0.74, 0.86), angle=0.0,
                    soft=1.2, harmonics=3)
        inner = blob(rng, (cy, cx), u(rng, 60, 68), irregular=0.05, aspect=u(rng, 0.74, 0.86), angle=0.0,
                     soft=2.0, harmonics=3)
        img = 0.02 + body * 0.25 + inner * 0.2  # air, fat, muscle/soft tissue
        tex = random_view(detail("moon"), rng, zoom=(0.6, 1.0), angle=(0, 360))
        liver_c = (cy - u(rng, 10, 25), cx - u(rng, 35, 50))
        liver = blob(rng, liver_c, u(rng, 40, 46), irregular=0.12, aspect=u(rng, 1.0, 1.4), soft=1.5) * inner
        img = over(img, 0.58 + u(rng, -0.03, 0.03), liver)
        stomach_c = (cy - u(rng, 15, 30), cx + u(rng, 30, 45))
        stomach = blob(rng, stomach_c, u(rng, 18, 28), irregular=0.2, soft=1.5)
        img = over(img, 0.5, stomach * inner)
        if rng.random() < 0.6:
            air_c = (cy - u(rng, 30, 42), cx + u(rng, 30, 45))
            air = blob(rng, air_c, u(rng, 7, 14), irregular=0.1, soft=1.0)
            img = over(img, 0.03, air * stomach)
        spine_c = (cy + u(rng, 34, 40), cx + u(rng, -3, 3))
        img = over(img, 0.95, blob(rng, spine_c, u(rng, 13, 16), irregular=0.1, soft=1.0))
        img = over(img, 0.3, blob(rng, (spine_c[0] + 14, spine_c[1]), 4, irregular=0.1, soft=1.0))
        img = over(img, 0.72, blob(rng, (spine_c[0] - 24, spine_c[1] + u(rng, 2, 8)), u(rng, 7, 9),
                                   irregular=0.05, soft=1.0))
        for side in (-1, 1):
            kc = (spine_c[0] - u(rng, 4, 12), spine_c[1] + side * u(rng, 34, 42))
            img = over(img, 0.66, blob(rng, kc, u(rng, 11, 14), irregular=0.15, aspect=0.7, soft=1.2))
        vessels = np.zeros_like(img)
        for _ in range(int(rng.integers(1, 5))):  # hepatic / portal vessels (normal)
            p = (liver_c[0] + u(rng, -25, 25), liver_c[1] + u(rng, -25, 25))
            v = crack(rng, u(rng, 8, 40), u(rng, 2.0, 4.5), 1, start=p) if rng.random() < 0.6 else \
                blob(rng, p, u(rng, 2, 5), irregular=0.1, soft=1.0)
            vessels = np.maximum(vessels, v)
        img = img + vessels * liver * u(rng, -0.08, 0.06)
        img = img + inner * 0.015 * tex
        noise = ndi.gaussian_filter(rng.standard_normal((SIZE, SIZE)).astype(np.float32), 0.8)
        img = img + body * 0.03 * noise + 0.01 * smooth_field(rng, (SIZE, SIZE), 80)
        liver_core = ndi.binary_erosion(liver > 0.5, iterations=8)
        return Scene(np.clip(img, 0, 1).astype(np.float32), state=liver_core)

    def anomaly(self, scene: Scene, rng: np.random.Generator, category: str) -> Defect:
        img = scene.image
        ys, xs = np.nonzero(scene.state)
        out, mask = img, np.zeros_like(img)
        for _ in range(int(rng.choice([1, 1, 1, 2, 3]))):
            k = int(rng.integers(len(ys)))
            a = blob(rng, (float(ys[k]), float(xs[k])), logu(rng, 4, 22), irregular=0.2, soft=u(rng, 1, 3))
            out = out - a * logu(rng, 0.06, 0.3)
            mask = np.maximum(mask, (a > 0.3).astype(np.float32))
        return Defect(np.clip(out, 0, 1).astype(np.float32), mask, "hypodense_lesion")
