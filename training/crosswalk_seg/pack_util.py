"""Reads data.npz frames back as float32 RGB [3,H,W] 0..1 arrays (numpy only)."""
import numpy as np


def rgb_frames(path, indices):
    d = np.load(path)
    y = d["y"][indices].astype(np.float32)
    up = lambda a: a[indices].astype(np.float32).repeat(2, 1).repeat(2, 2) - 128
    u, v = up(d["u"]), up(d["v"])
    rgb = np.stack([y + 1.402 * v, y - 0.344136 * u - 0.714136 * v, y + 1.772 * u], 1) / 255
    return [f for f in np.clip(rgb, 0, 1).astype(np.float32)]
