"""D9 proxy: MRI-like brain slices from the Shepp-Logan phantom, with tumour-like lesions."""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from anomalyclaw.data.proxy._base import Defect, ProxyDomain, ProxyInfo, Scene
from anomalyclaw.data.proxy._ops import (
    SIZE,
    affine_sample,
    blob,
    grid,
    local_warp,
    logu,
    random_view,
    smooth_field,
    u,
)
from anomalyclaw.data.proxy._sources import detail, photo


class BrainMRI(ProxyDomain):
    """Axial head slices; anatomy, contrast, bias field and noise vary; tumours are anomalous."""

    info = ProxyInfo(
        code="D9", name="Medical — Brain MRI", modality="MRI slice",
        reference_type="few-shot (healthy slices)",
        description=(
            "Axial brain MRI slices (grey-scale, FLAIR-like contrast) of healthy subjects: a bright "
            "skull rim, grey brain tissue, two dark symmetric ventricles and a few small round "
            "structures near the midline. Head size, pose, shape, tissue contrast, a smooth "
            "intensity bias across the image and scanner noise vary from slice to slice; healthy "
            "tissue is otherwise even and roughly left-right symmetric."),
        about=(
            "Proxy for BraTS2021 slices (BMAD) built from scikit-image's Shepp-Logan phantom, "
            "elastically deformed, re-contrasted, textured with the moon photo, bias-field shaded and "
            "noised. Anomalies are hyperintense tumour-like masses with an oedema halo, sometimes a "
            "dark necrotic core and mass effect, from small and faint to large. It is not MRI "
            "data and carries no diagnostic meaning."),
        categories=("axial",))
    noise = 0.018

    def normal(self, rng: np.random.Generator, category: str) -> Scene:
        ph = photo("phantom")
        zoom = ph.shape[0] / SIZE * u(rng, 0.95, 1.12)
        center = (ph.shape[0] / 2 + u(rng, -8, 8), ph.shape[1] / 2 + u(rng, -8, 8))
        base = affine_sample(ph, center, zoom, u(rng, -7, 7), order=1, mode="constant")
        warp = [smooth_field(rng, (SIZE, SIZE), 60) * u(rng, 1.0, 3.0) for _ in range(2)]
        yy, xx = grid()
        base = ndi.map_coordinates(base, [yy + warp[0], xx + warp[1]], order=1, mode="constant")
        # remap phantom grey levels to an MRI-like contrast
        lv = np.asarray([0.0, 0.1, 0.2, 0.3, 0.4, 1.0])
        out = np.asarray([0.0, u(rng, 0.12, 0.2), u(rng, 0.42, 0.5), u(rng, 0.5, 0.58), u(rng, 0.6, 0.7),
                          0.95])
        img = np.interp(np.clip(base, 0, 1), lv, out).astype(np.float32)
        head = ndi.gaussian_filter((base > 0.05).astype(np.float32), 1.0)
        tex = random_view(detail("moon"), rng, zoom=(0.6, 1.0), angle=(0, 360))
        img = img + head * 0.03 * tex
        img = img * (1 + 0.12 * smooth_field(rng, (SIZE, SIZE), 120))
        img = ndi.gaussian_filter(img, u(rng, 0.5, 1.1))
        brain = ndi.binary_erosion((base > 0.15) & (base < 0.5), iterations=4)
        inside = ndi.binary_erosion(base > 0.15, iterations=2)
        return Scene(np.clip(img, 0, 1).astype(np.float32), state=(brain, inside))

    def anomaly(self, scene: Scene, rng: np.random.Generator, category: str) -> Defect:
        img = scene.image
        brain, inside = scene.state
        ys, xs = np.nonzero(brain)
        k = int(rng.integers(len(ys)))
        c = (float(ys[k]), float(xs[k]))
        r = logu(rng, 4, 24)
        out, moved = img, np.zeros_like(img)
        if r > 10 and rng.random() < 0.6:  # mass effect
            out, moved = local_warp(img, c, r * 1.6, (u(rng, -0.3, 0.3) * r, u(rng, -0.3, 0.3) * r))
        edema = blob(rng, c, r * u(rng, 1.3, 2.0), irregular=0.5, soft=r * 0.4) * u(rng, 0.06, 0.2) * inside
        core = blob(rng, c, r, irregular=0.35, soft=1.5) * u(rng, 0.1, 0.35) * inside
        out = out + edema + core
        if r > 9 and rng.random() < 0.5:
            out = out - blob(rng, c, r * u(rng, 0.3, 0.6), irregular=0.3, soft=1.5) * u(rng, 0.2, 0.4)
        mask = (edema > 0.03) | (core > 0.03) | ((moved > 0) & (np.abs(out - img) > 0.04))
        return Defect(np.clip(out, 0, 1).astype(np.float32), mask.astype(np.float32), "tumour")
