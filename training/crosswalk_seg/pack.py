"""Packs generate-frames.ts output (images.u8, classes.u8, meta.json) into one compact data.npz.

Images are stored as YUV 4:2:0 (BT.601 full range, 1.5 bytes per pixel) and everything is
zlib-compressed, so ~2000 frames at 256x144 fit in a few tens of MB (the trainer converts back to
RGB). Usage: python3 pack.py GEN_DIR OUT.npz
"""
import json
import sys

import numpy as np


def rgb_to_yuv420(rgb):
    """uint8 [N,H,W,3] -> (y [N,H,W], u [N,H/2,W/2], v [N,H/2,W/2]) uint8."""
    f = rgb.astype(np.float32)
    y = 0.299 * f[..., 0] + 0.587 * f[..., 1] + 0.114 * f[..., 2]
    u = (f[..., 2] - y) * 0.564 + 128
    v = (f[..., 0] - y) * 0.713 + 128
    n, h, w = y.shape
    u = u.reshape(n, h // 2, 2, w // 2, 2).mean(axis=(2, 4))
    v = v.reshape(n, h // 2, 2, w // 2, 2).mean(axis=(2, 4))
    q = lambda a: np.clip(np.rint(a), 0, 255).astype(np.uint8)
    return q(y), q(u), q(v)


def main():
    src, out = sys.argv[1], sys.argv[2]
    meta = json.load(open(f"{src}/meta.json"))
    w, h = meta["width"], meta["height"]
    n = len(meta["frames"])
    images = np.fromfile(f"{src}/images.u8", np.uint8).reshape(n, h, w, 3)
    classes = np.fromfile(f"{src}/classes.u8", np.uint8).reshape(n, h, w)
    ys, us, vs = [], [], []
    for i in range(0, n, 256):
        y, u, v = rgb_to_yuv420(images[i : i + 256])
        ys.append(y), us.append(u), vs.append(v)
    world = np.array([f["world"] for f in meta["frames"]], np.int32)
    np.savez_compressed(out, y=np.concatenate(ys), u=np.concatenate(us), v=np.concatenate(vs), classes=classes, world=world)
    print(f"{n} frames {w}x{h} -> {out}")


if __name__ == "__main__":
    main()
