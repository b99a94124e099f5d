"""Trains the crosswalk segmentation network on generated frames and exports it to ONNX.

Seeded and self-contained (numpy + torch only, CPU or CUDA). The heavy domain randomisation
happens here, on the batch, on the training device: random zoom / shift / roll / flip / barrel
distortion, asphalt texture and repaired patches, worn paint, shadows of poles and trees and
periodic shadow stripes, railings and zebra-like fences beside the road, colour / gamma /
exposure / tint jitter, headlight and street-lamp glare, rain streaks, wiper and hood occluders,
timestamp overlays, motion and defocus blur, sensor noise, resolution loss and JPEG blocking.

Usage:
  python3 train.py --data data.npz --out OUTDIR [--steps 2000] [--device cpu|cuda] [--seed 7]
Writes OUTDIR/crosswalk_seg.onnx, OUTDIR/train_log.txt and OUTDIR/presence.json (the presence
rule's calibration on held-out generated worlds).
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

NUM_CLASSES = 4  # 0 background, 1 crosswalk, 2 other road paint, 3 asphalt
IGNORE = 255  # far crossing pixels (generate-frames.ts FAR_CROSSWALK_M): no loss either way
CLASS_WEIGHTS = [1.0, 2.5, 2.0, 1.0]
OUT_STRIDE = 2  # the output mask is half the input size


# ---------------------------------------------------------------------------------------------
# Model


class DSBlock(nn.Module):
    """Depthwise 3x3 (optionally strided / dilated) + pointwise 1x1, BN, ReLU, residual when shapes match."""

    def __init__(self, cin, cout, stride=1, dilation=1):
        super().__init__()
        self.dw = nn.Conv2d(cin, cin, 3, stride, padding=dilation, dilation=dilation, groups=cin, bias=False)
        self.bn1 = nn.BatchNorm2d(cin)
        self.pw = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = F.relu(self.bn1(self.dw(x)))
        y = self.bn2(self.pw(y))
        return F.relu(y + x if self.residual else y)


class CrosswalkNet(nn.Module):
    """Small encoder-decoder: input [1,3,144,256] RGB 0..1, output [1,4,72,128] class probabilities."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())  # /2
        self.enc2 = nn.Sequential(DSBlock(16, 32, 2), DSBlock(32, 32))  # /4
        self.enc3 = nn.Sequential(DSBlock(32, 64, 2), DSBlock(64, 64), DSBlock(64, 64, dilation=2))  # /8
        self.enc4 = nn.Sequential(DSBlock(64, 96, 2), DSBlock(96, 96, dilation=2), DSBlock(96, 96, dilation=4), DSBlock(96, 96))  # /16
        self.ctx = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(96, 96, 1), nn.Sigmoid())  # global context gate
        self.dec3 = DSBlock(96 + 64, 64)
        self.dec2 = DSBlock(64 + 32, 32)
        self.dec1 = DSBlock(32 + 16, 24)
        self.head = nn.Conv2d(24, NUM_CLASSES, 1)

    def forward(self, x):
        s1 = self.stem(x)
        s2 = self.enc2(s1)
        s3 = self.enc3(s2)
        s4 = self.enc4(s3)
        s4 = s4 * self.ctx(s4)
        up = lambda a, b: F.interpolate(a, size=b.shape[-2:], mode="bilinear", align_corners=False)
        d3 = self.dec3(torch.cat([up(s4, s3), s3], 1))
        d2 = self.dec2(torch.cat([up(d3, s2), s2], 1))
        d1 = self.dec1(torch.cat([up(d2, s1), s1], 1))
        return self.head(d1)


class Exported(nn.Module):
    """What ships: softmax probabilities (argmax = the class; channel 1 = crosswalk probability)."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return F.softmax(self.net(x), dim=1)


# ---------------------------------------------------------------------------------------------
# Data


def yuv_to_rgb(y, u, v):
    """uint8 tensors [N,H,W], [N,H/2,W/2] x2 -> float RGB [N,3,H,W] in 0..1."""
    y = y.float()
    u = F.interpolate(u.float()[:, None], scale_factor=2, mode="bilinear", align_corners=False)[:, 0] - 128
    v = F.interpolate(v.float()[:, None], scale_factor=2, mode="bilinear", align_corners=False)[:, 0] - 128
    r = y + 1.402 * v
    g = y - 0.344136 * u - 0.714136 * v
    b = y + 1.772 * u
    return (torch.stack([r, g, b], 1) / 255).clamp(0, 1)


def smooth_noise(n, h, w, cells, device, gen):
    """Low-frequency noise in [-1, 1]: random values on a cells x cells grid, bicubic-upsampled."""
    base = torch.rand(n, 1, cells[0], cells[1], device=device, generator=gen) * 2 - 1
    return F.interpolate(base, size=(h, w), mode="bicubic", align_corners=False).clamp(-1, 1)


def rnd(n, lo, hi, device, gen):
    return torch.rand(n, 1, 1, 1, device=device, generator=gen) * (hi - lo) + lo


def chance(n, p, device, gen):
    return (torch.rand(n, 1, 1, 1, device=device, generator=gen) < p).float()


def stripes(n, h, w, device, gen, pitch_lo, pitch_hi, angle_lo, angle_hi, duty_lo=0.3, duty_hi=0.6):
    """A periodic bar pattern (0/1, soft edges) at a random pitch (pixels) and angle (radians)."""
    yy, xx = torch.meshgrid(torch.arange(h, device=device, dtype=torch.float32), torch.arange(w, device=device, dtype=torch.float32), indexing="ij")
    ang = rnd(n, angle_lo, angle_hi, device, gen)
    pitch = rnd(n, pitch_lo, pitch_hi, device, gen)
    duty = rnd(n, duty_lo, duty_hi, device, gen)
    phase = rnd(n, 0, 1, device, gen)
    t = (xx * torch.cos(ang) + yy * torch.sin(ang)) / pitch + phase
    frac = t - torch.floor(t)
    return torch.sigmoid((duty - frac) * 12) * torch.sigmoid(frac * 12)


def region(n, h, w, device, gen, y_lo, y_hi, min_w=0.15, max_w=0.6, min_h=0.05, max_h=0.3):
    """A random soft-edged rectangle mask."""
    yy = torch.arange(h, device=device, dtype=torch.float32).view(1, 1, h, 1) / h
    xx = torch.arange(w, device=device, dtype=torch.float32).view(1, 1, 1, w) / w
    cw, ch = rnd(n, min_w, max_w, device, gen), rnd(n, min_h, max_h, device, gen)
    x0, y0 = rnd(n, -0.1, 1, device, gen), rnd(n, y_lo, y_hi, device, gen)
    return ((xx > x0) & (xx < x0 + cw) & (yy > y0) & (yy < y0 + ch)).float()


def augment(rgb, cls, gen, strength=1.0):
    """Domain randomisation on a batch: rgb [N,3,H,W] 0..1, cls [N,H,W] long -> augmented copies."""
    n, _, h, w = rgb.shape
    dev = rgb.device
    # --- Geometry: zoom, shift, roll, flip, barrel distortion (labels nearest-neighbour).
    zoom = rnd(n, 0.9, 1.45, dev, gen).view(n)
    roll = rnd(n, -0.2, 0.2, dev, gen).view(n) * strength
    tx = rnd(n, -0.15, 0.15, dev, gen).view(n)
    ty = rnd(n, -0.15, 0.15, dev, gen).view(n)
    flip = torch.where(torch.rand(n, device=dev, generator=gen) < 0.5, -1.0, 1.0)
    k = rnd(n, -0.05, 0.25, dev, gen).view(n, 1, 1)
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, h, device=dev), torch.linspace(-1, 1, w, device=dev), indexing="ij")
    aspect = h / w
    x = xx[None] * flip.view(n, 1, 1)
    y = yy[None].expand(n, h, w) * aspect
    r2 = x * x + y * y
    x, y = x * (1 + k * r2), y * (1 + k * r2)  # sample further out towards the corners: barrel
    c, s = torch.cos(roll).view(n, 1, 1), torch.sin(roll).view(n, 1, 1)
    xr, yr = c * x - s * y, s * x + c * y
    gx = xr / zoom.view(n, 1, 1) + tx.view(n, 1, 1)
    gy = yr / zoom.view(n, 1, 1) / aspect + ty.view(n, 1, 1)
    grid = torch.stack([gx, gy], -1)
    rgb = F.grid_sample(rgb, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    cls = F.grid_sample(cls[:, None].float(), grid, mode="nearest", padding_mode="zeros", align_corners=False)[:, 0].long()
    outside = (grid.abs() > 1).any(-1)[:, None].float()
    fill = rnd(n, 0, 0.3, dev, gen)
    rgb = rgb * (1 - outside) + fill * outside

    ground = (cls > 0).float()[:, None]
    paint = ((cls == 1) | (cls == 2) | (cls == IGNORE)).float()[:, None]
    # --- Asphalt texture: blotches, repaired patches, grain, darker / lighter / bluish road.
    tex = 0.18 * smooth_noise(n, h, w, (9, 16), dev, gen) + 0.08 * smooth_noise(n, h, w, (36, 64), dev, gen)
    patch = (smooth_noise(n, h, w, (6, 10), dev, gen) > 0.45).float() * rnd(n, -0.25, 0.25, dev, gen) * chance(n, 0.4, dev, gen)
    grain = torch.randn(n, 1, h, w, device=dev, generator=gen) * rnd(n, 0, 0.06, dev, gen)
    road_gain = rnd(n, 0.6, 1.5, dev, gen)
    rgb = rgb * (1 + ground * (1 - paint) * (tex + patch + grain) * strength)
    rgb = rgb * (1 + ground * (1 - paint) * (road_gain - 1))
    # --- Worn paint: holes in the stripes (the crossing's region stays labelled).
    wear = (smooth_noise(n, h, w, (18, 32), dev, gen) > rnd(n, -0.2, 0.9, dev, gen)).float() * rnd(n, 0.2, 0.75, dev, gen)
    road_level = (rgb * ground * (1 - paint)).sum((2, 3), keepdim=True) / ((ground * (1 - paint)).sum((2, 3), keepdim=True) + 1)
    rgb = rgb + paint * wear * (road_level - rgb) * chance(n, 0.6, dev, gen)
    # --- Shadows: trees (blotches), poles and railings (periodic stripes, darker, never paint-bright).
    tree = (smooth_noise(n, h, w, (12, 20), dev, gen) > 0.3).float() * chance(n, 0.2, dev, gen)
    bars = stripes(n, h, w, dev, gen, 6, 40, -math.pi, math.pi, 0.08, 0.25) * region(n, h, w, dev, gen, 0.4, 0.95, 0.2, 0.8, 0.1, 0.5) * chance(n, 0.35, dev, gen)
    pole = stripes(n, h, w, dev, gen, 60, 250, -math.pi, math.pi, 0.03, 0.1) * chance(n, 0.35, dev, gen)
    shade = torch.clamp(tree + bars + pole, 0, 1) * ground * rnd(n, 0.2, 0.55, dev, gen)
    rgb = rgb * (1 - shade)
    # --- Railings, zebra fences and bright bars off the road (background pixels only).
    fence = stripes(n, h, w, dev, gen, 3, 24, -0.4, 0.4) * region(n, h, w, dev, gen, 0.2, 0.7, 0.2, 0.9, 0.05, 0.25)
    fence = fence * (cls == 0).float()[:, None] * chance(n, 0.5, dev, gen)
    fence_col = torch.rand(n, 3, 1, 1, device=dev, generator=gen) * 0.5 + 0.5
    rgb = rgb * (1 - fence) + fence * fence_col
    # --- Colour: exposure, contrast, saturation, per-channel tint (sodium / LED street light), gamma.
    gray = rgb.mean(1, keepdim=True)
    sat = rnd(n, 0.2, 1.6, dev, gen)
    rgb = gray + (rgb - gray) * sat
    tint = 1 + (torch.rand(n, 3, 1, 1, device=dev, generator=gen) - 0.5) * 0.4 * strength
    rgb = rgb * tint * rnd(n, 0.4, 1.7, dev, gen)
    contrast = rnd(n, 0.6, 1.4, dev, gen)
    rgb = (rgb - 0.5) * contrast + 0.5 + rnd(n, -0.1, 0.1, dev, gen)
    rgb = rgb.clamp(0, 1) ** rnd(n, 0.6, 1.7, dev, gen)
    # --- Glare: bright blobs with halos (lamps, headlights, low sun), veiling light.
    yy01 = torch.arange(h, device=dev, dtype=torch.float32).view(1, 1, h, 1)
    xx01 = torch.arange(w, device=dev, dtype=torch.float32).view(1, 1, 1, w)
    for _ in range(3):
        cx, cy = rnd(n, 0, w, dev, gen), rnd(n, -0.1 * h, 0.6 * h, dev, gen)
        rad = rnd(n, 2, 25, dev, gen)
        d2 = ((xx01 - cx) ** 2 + (yy01 - cy) ** 2) / (rad * rad)
        col = torch.rand(n, 3, 1, 1, device=dev, generator=gen) * 0.5 + 0.5
        rgb = rgb + chance(n, 0.25, dev, gen) * col * rnd(n, 0.5, 1.5, dev, gen) * (torch.exp(-d2) + 0.2 * torch.exp(-d2 / 16))
    rgb = rgb + rnd(n, 0, 0.2, dev, gen) * chance(n, 0.2, dev, gen)
    # --- Rain streaks and wet-road reflection smear.
    streak = stripes(n, h, w, dev, gen, 2, 9, 1.3, 1.85, 0.05, 0.15) * (smooth_noise(n, h, w, (20, 60), dev, gen) > 0.5).float()
    rgb = rgb + streak * rnd(n, 0.05, 0.3, dev, gen) * chance(n, 0.25, dev, gen)
    # --- Clutter along the horizon band (cars, tail lights, signs, poles seen far away): not crossings.
    for _ in range(10):
        bx, by = rnd(n, 0, w, dev, gen), rnd(n, 0.3 * h, 0.7 * h, dev, gen)
        bw, bh = rnd(n, 2, 30, dev, gen), rnd(n, 2, 14, dev, gen)
        box = ((xx01 > bx) & (xx01 < bx + bw) & (yy01 > by) & (yy01 < by + bh)).float() * chance(n, 0.5, dev, gen)
        col = torch.rand(n, 3, 1, 1, device=dev, generator=gen) ** rnd(n, 0.3, 3, dev, gen)
        rgb = rgb * (1 - box) + box * col
        cls = torch.where(box[:, 0] > 0.5, torch.zeros_like(cls), cls)
    # --- Occluders: wiper blade (labels lost), hood at the bottom (labels lost), timestamp text.
    wiper = stripes(n, h, w, dev, gen, 400, 900, -1.2, 1.2, 0.02, 0.05) * chance(n, 0.15, dev, gen)
    hood_top = rnd(n, 0.8, 1.05, dev, gen) * h
    curve = rnd(n, 0, 0.12, dev, gen) * h
    hood = (yy01 > hood_top + curve * (1 - ((xx01 - w / 2) / (w / 2)) ** 2) * -1).float() * chance(n, 0.5, dev, gen)
    occl = torch.clamp(wiper + hood, 0, 1)
    occl_col = rnd(n, 0.02, 0.25, dev, gen) * (1 + 0.3 * smooth_noise(n, h, w, (4, 8), dev, gen))
    rgb = rgb * (1 - occl) + occl * occl_col
    cls = torch.where(occl[:, 0] > 0.5, torch.zeros_like(cls), cls)
    text = (torch.rand(n, 1, h // 4, w // 2, device=dev, generator=gen) > 0.5).float()
    text = F.interpolate(text, size=(h, w), mode="nearest") * region(n, h, w, dev, gen, 0.0, 0.12, 0.15, 0.4, 0.03, 0.06)
    rgb = torch.where(text * chance(n, 0.4, dev, gen) > 0.5, torch.ones_like(rgb) * 0.9, rgb)
    # --- Blur: defocus / resolution loss, and directional motion blur.
    scale = rnd(n, 0.35, 1.0, dev, gen)
    low = [F.interpolate(F.interpolate(rgb[i : i + 1], scale_factor=float(scale[i]), mode="bilinear", align_corners=False), size=(h, w), mode="bilinear", align_corners=False) for i in range(n)]
    rgb = torch.where(chance(n, 0.5, dev, gen) > 0, torch.cat(low), rgb)
    length = int(torch.randint(1, 8, (1,), generator=gen, device=dev).item())
    if length > 1:
        kernel = torch.zeros(3, 1, length, length, device=dev)
        angle = float(torch.rand(1, generator=gen, device=dev).item()) * math.pi
        for t in range(length):
            u = t - (length - 1) / 2
            kernel[:, 0, int(round((length - 1) / 2 + u * math.sin(angle))), int(round((length - 1) / 2 + u * math.cos(angle)))] += 1
        kernel /= kernel[0].sum()
        blurred = F.conv2d(F.pad(rgb, (length // 2, (length - 1) // 2, length // 2, (length - 1) // 2), mode="replicate"), kernel, groups=3)
        rgb = torch.where(chance(n, 0.5, dev, gen) > 0, blurred, rgb)
    # --- Vignetting, sensor noise, JPEG-like blocking (8x8 block means mixed in), quantisation.
    vig = 1 - rnd(n, 0, 0.5, dev, gen) * (((xx01 - w / 2) / (w / 2)) ** 2 + ((yy01 - h / 2) / (h / 2)) ** 2) / 2
    rgb = rgb * vig
    rgb = rgb + torch.randn_like(rgb) * rnd(n, 0, 0.06, dev, gen) * strength
    block = F.interpolate(F.avg_pool2d(rgb, 8), scale_factor=8, mode="nearest")
    rgb = rgb + (block - rgb) * rnd(n, 0, 0.35, dev, gen) * chance(n, 0.4, dev, gen)
    rgb = torch.round(rgb.clamp(0, 1) * 255) / 255
    return rgb, cls


# ---------------------------------------------------------------------------------------------
# Presence rule (mirrored in src/perception/crosswalks/learned-source.ts)


def components(mask):
    """4-connected components of a bool [H,W] numpy mask -> list of (area, rows, cols) arrays."""
    h, w = mask.shape
    seen = np.zeros_like(mask, dtype=bool)
    out = []
    for r0, c0 in zip(*np.nonzero(mask)):
        if seen[r0, c0]:
            continue
        stack = [(r0, c0)]
        seen[r0, c0] = True
        rows, cols = [], []
        while stack:
            r, c = stack.pop()
            rows.append(r), cols.append(c)
            for rr, cc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if 0 <= rr < h and 0 <= cc < w and mask[rr, cc] and not seen[rr, cc]:
                    seen[rr, cc] = True
                    stack.append((rr, cc))
        out.append((len(rows), np.array(rows), np.array(cols)))
    return out


def frame_evidence(prob_crosswalk, argmax):
    """The largest crosswalk blob of a frame: (area fraction of the mask, its mean probability)."""
    comps = components(argmax == 1)
    if not comps:
        return 0.0, 0.0
    area, rows, cols = max(comps, key=lambda c: c[0])
    return area / argmax.size, float(prob_crosswalk[rows, cols].mean())


# ---------------------------------------------------------------------------------------------
# Training


def cell_targets(cls):
    """Per-pixel classes [N,H,W] -> per output cell (OUT_STRIDE^2 pixels): crosswalk > ignore > paint > asphalt > background."""
    ignore = F.max_pool2d((cls == IGNORE).float()[:, None], OUT_STRIDE)[:, 0] > 0
    onehot = F.one_hot(torch.where(cls == IGNORE, torch.zeros_like(cls), cls), NUM_CLASSES).permute(0, 3, 1, 2).float()
    any_of = F.max_pool2d(onehot, OUT_STRIDE)
    out = torch.where(any_of[:, 3] > 0, 3, 0)
    out = torch.where(any_of[:, 2] > 0, 2, out)
    out = torch.where(ignore, IGNORE, out)
    return torch.where(any_of[:, 1] > 0, 1, out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=2000, help="optimiser steps (the schedule follows them: reproducible)")
    ap.add_argument("--minutes", type=float, default=0, help="stop early after this many minutes (0: no time limit)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    logf = open(os.path.join(args.out, "train_log.txt"), "w")

    def log(*a):
        line = " ".join(str(x) for x in a)
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()

    d = np.load(args.data)
    y, u, v, classes, world = (torch.from_numpy(d[k]) for k in ("y", "u", "v", "classes", "world"))
    n, h, w = y.shape
    # Whole generated worlds are held out for validation (frames of one world are alike).
    val_mask = (world % 10) == 0
    train_idx = torch.nonzero(~val_mask)[:, 0]
    val_idx = torch.nonzero(val_mask)[:, 0]
    y, u, v, classes = y.to(dev), u.to(dev), v.to(dev), classes.to(dev)
    log(f"data {n} frames {w}x{h}: {len(train_idx)} train, {len(val_idx)} val (held-out worlds); device {dev}; torch {torch.__version__}")

    net = CrosswalkNet().to(dev)
    params = sum(p.numel() for p in net.parameters())
    log(f"params {params}")
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    weights = torch.tensor(CLASS_WEIGHTS, device=dev)
    gen = torch.Generator(device=dev)
    gen.manual_seed(args.seed)
    cpu_gen = torch.Generator()
    cpu_gen.manual_seed(args.seed)
    t_start = time.time()
    step = 0
    while step < args.steps:
        elapsed = time.time() - t_start
        if args.minutes and elapsed > args.minutes * 60:
            log(f"time limit: stopping at step {step} of {args.steps}")
            break
        frac = step / args.steps
        lr = args.lr * 0.5 * (1 + math.cos(math.pi * frac)) if step > 100 else args.lr * step / 100
        for g in opt.param_groups:
            g["lr"] = lr
        idx = train_idx[torch.randint(len(train_idx), (args.batch,), generator=cpu_gen)].to(dev)
        rgb = yuv_to_rgb(y[idx], u[idx], v[idx])
        with torch.no_grad():
            rgb, cls = augment(rgb, classes[idx].long(), gen)
        target_cls = cell_targets(cls)
        logits = net(rgb)
        ce = F.cross_entropy(logits, target_cls, weight=weights, ignore_index=IGNORE)
        valid = (target_cls != IGNORE).float()
        p = F.softmax(logits, 1)[:, 1] * valid
        t = (target_cls == 1).float()
        dice = 1 - (2 * (p * t).sum() + 1) / (p.sum() + t.sum() + 1)
        loss = ce + 0.5 * dice
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0:
            log(f"step {step} t {elapsed:.0f}s lr {lr:.5f} loss {loss.item():.4f} ce {ce.item():.4f} dice {dice.item():.4f}")
        step += 1
    log(f"trained {step} steps in {time.time() - t_start:.0f} s")

    # --- Validation on held-out generated worlds (augmented, seeded): IoU and the presence rule.
    net.eval()
    vgen = torch.Generator(device=dev)
    vgen.manual_seed(1234)
    inter = torch.zeros(NUM_CLASSES)
    union = torch.zeros(NUM_CLASSES)
    evidence = []
    with torch.no_grad():
        for i in range(0, len(val_idx), 32):
            idx = val_idx[i : i + 32].to(dev)
            rgb = yuv_to_rgb(y[idx], u[idx], v[idx])
            rgb, cls = augment(rgb, classes[idx].long(), vgen, strength=0.7)
            prob = F.softmax(net(rgb), 1)
            pred = prob.argmax(1)
            small = cell_targets(cls)
            valid = small != IGNORE
            for c in range(NUM_CLASSES):
                inter[c] += ((pred == c) & (small == c) & valid).sum().item()
                union[c] += (((pred == c) | (small == c)) & valid).sum().item()
            for j in range(len(idx)):
                truth = (small[j] == 1).float().mean().item()
                area, mean_p = frame_evidence(prob[j, 1].cpu().numpy(), pred[j].cpu().numpy())
                evidence.append((truth, area, mean_p))
    iou = (inter / union.clamp(min=1)).tolist()
    log("val IoU per class (bg, crosswalk, paint, asphalt): " + ", ".join(f"{x:.3f}" for x in iou))
    # A frame truly shows a crossing when >= 1% of its mask is crossing; the rule: the largest blob
    # covers >= min_area. Pick min_area on the validation worlds for precision first.
    truth = np.array([e[0] >= 0.01 for e in evidence])
    areas = np.array([e[1] for e in evidence])
    best = None
    for min_area in [0.002, 0.004, 0.006, 0.008, 0.01, 0.015, 0.02, 0.03]:
        pred = areas >= min_area
        tp, fp, fn = int((pred & truth).sum()), int((pred & ~truth).sum()), int((~pred & truth).sum())
        prec, rec = tp / max(1, tp + fp), tp / max(1, tp + fn)
        f = 2 * prec * rec / max(1e-9, prec + rec)
        log(f"presence min_area {min_area}: P {prec:.3f} R {rec:.3f} F1 {f:.3f} (tp {tp} fp {fp} fn {fn})")
        score = f + (0.5 if prec >= 0.95 else 0)
        if best is None or score > best[0]:
            best = (score, min_area, prec, rec)
    # Logistic calibration of P(crossing | largest blob area) on the validation frames.
    x = np.log(np.maximum(areas, 1e-4))
    a, b = 1.0, -math.log(best[1])
    for _ in range(2000):
        pz = 1 / (1 + np.exp(-(a * x + b)))
        ga, gb = ((pz - truth) * x).mean(), (pz - truth).mean()
        a, b = a - 0.5 * ga, b - 0.5 * gb
    presence = {"min_area_fraction": best[1], "val_precision": best[2], "val_recall": best[3], "logistic": {"a": a, "b": b}, "val_iou": iou, "val_frames": len(evidence)}
    json.dump(presence, open(os.path.join(args.out, "presence.json"), "w"), indent=1)
    log(f"presence rule: {presence}")

    # --- Export.
    model = Exported(net.cpu()).eval()
    onnx_path = os.path.join(args.out, "crosswalk_seg.onnx")
    torch.onnx.export(model, torch.zeros(1, 3, h, w), onnx_path, input_names=["image"], output_names=["classes"], opset_version=13, do_constant_folding=True)
    torch.save(net.state_dict(), os.path.join(args.out, "crosswalk_seg.pt"))
    log(f"exported {onnx_path} ({os.path.getsize(onnx_path)} bytes)")


if __name__ == "__main__":
    main()
