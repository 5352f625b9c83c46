"""Fourier spectrum measures: how periodic a texture is, and its dominant period.

Periodicity = share of the power in a mid-frequency band held by spectral *peaks*, bins at
least ``PEAK_GAIN`` times the mean power of their own frequency ring. Why not simply "the
top bins": a natural photo's power falls off as ~1/f², so its top bins are always the
lowest frequencies; measured against its ring, only a repeating pattern stands out
(brick 0.6, printed text 0.4, photos ≤ 0.03 on scikit-image's bundled images).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tools._imaging import resize

SIDE = 256
BAND = (6, 96)
PEAK_GAIN = 8.0


class Spectrum(NamedTuple):
    """Spectrum of a grey patch.

    Attributes:
        log_power: (SIDE, SIDE) log power, centred (for display).
        periodicity: share of band power in peak bins, in [0, 1].
        period_px: period of the strongest band bin, in pixels of the analysed input.
        angle_deg: direction of that bin's wave vector, degrees in [0, 180).
    """

    log_power: np.ndarray
    periodicity: float
    period_px: float
    angle_deg: float


def spectrum(g: np.ndarray) -> Spectrum:
    """Spectrum of a grey [0, 1] image (analysed at SIDE x SIDE; the period is in the input's pixels)."""
    h, w = g.shape
    x = resize(g.astype(np.float32), SIDE, SIDE)
    x = x - x.mean()
    win = np.outer(np.hanning(SIDE), np.hanning(SIDE)).astype(np.float32)
    power = np.abs(np.fft.fftshift(np.fft.fft2(x * win))) ** 2
    fy, fx = np.meshgrid(np.arange(SIDE) - SIDE // 2, np.arange(SIDE) - SIDE // 2, indexing="ij")
    radius = np.hypot(fy, fx)
    ring = np.minimum(radius.round().astype(int), SIDE // 2)
    ring_mean = np.bincount(ring.ravel(), power.ravel()) / np.maximum(np.bincount(ring.ravel()), 1)
    band = (radius >= BAND[0]) & (radius <= BAND[1])
    p = np.where(band, power, 0.0)
    total = float(p.sum())
    if total <= 1e-12:
        return Spectrum(np.log1p(power), 0.0, 0.0, 0.0)
    peaks = band & (power >= PEAK_GAIN * ring_mean[ring])
    k = int(np.argmax(p))
    ky, kx = fy.ravel()[k], fx.ravel()[k]
    # ky, kx are cycles per image (resizing keeps them): per input pixel that is ky/h, kx/w
    freq = float(np.hypot(ky / h, kx / w))
    angle = float(np.degrees(np.arctan2(ky / h, kx / w)) % 180.0)
    return Spectrum(np.log1p(power), float(power[peaks].sum() / total), 1.0 / freq if freq else 0.0, angle)
