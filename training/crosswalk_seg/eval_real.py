"""Crosswalk presence of a trained checkpoint on the labelled real frames (never trained on).

Positives and negatives: test/fixtures/crosswalk-labels.json (../shared/data/cdnet_crosswalk,
frames/ and complex/) and test/fixtures/crosswalk-real-negatives.json (BDD100K, TuSimple, KITTI).
Frames are stretched to the model input as the runtime does (OpenCV INTER_LINEAR sampling, no
anti-aliasing: src/image/preprocess.ts). Prints per-frame evidence and
precision / recall of the presence rule in presence.json (probability >= 0.5, as at run time). Usage:
  python3 eval_real.py RUN_DIR [SHARED_DATA_DIR]   (RUN_DIR holds crosswalk_seg.pt and presence.json)
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from train import CrosswalkNet, frame_evidence

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.join(HERE, "..", "..")


def resize_linear(im, w, h):
    """cv::resize INTER_LINEAR of an [H,W,3] float array (half-pixel centres, edges clamped)."""
    sh, sw = im.shape[:2]
    ys = np.clip((np.arange(h) + 0.5) * sh / h - 0.5, 0, sh - 1)
    xs = np.clip((np.arange(w) + 0.5) * sw / w - 0.5, 0, sw - 1)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, sh - 1), np.minimum(x0 + 1, sw - 1)
    fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    top = im[y0][:, x0] * (1 - fx) + im[y0][:, x1] * fx
    bottom = im[y1][:, x0] * (1 - fx) + im[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


def main():
    run = sys.argv[1]
    shared = sys.argv[2] if len(sys.argv) > 2 else os.path.join(REPO, "..", "shared", "data")
    net = CrosswalkNet()
    net.load_state_dict(torch.load(os.path.join(run, "crosswalk_seg.pt"), map_location="cpu"))
    net.eval()
    rule = json.load(open(os.path.join(run, "presence.json")))
    frames = []
    for f in json.load(open(os.path.join(REPO, "test/fixtures/crosswalk-labels.json")))["frames"]:
        frames.append((os.path.join(shared, "cdnet_crosswalk", f["file"]), f["present"], "cdnet/" + f["file"]))
    for f in json.load(open(os.path.join(REPO, "test/fixtures/crosswalk-real-negatives.json")))["frames"]:
        frames.append((os.path.join(shared, f["file"]), f["present"], f["file"]))
    tp = fp = fn = tn = 0
    for path, present, name in frames:
        im = resize_linear(np.asarray(Image.open(path).convert("RGB"), np.float32), 256, 144)
        x = torch.from_numpy(im.astype(np.float32) / 255).permute(2, 0, 1)[None]
        with torch.no_grad():
            prob = F.softmax(net(x), 1)[0]
        area, mean_p = frame_evidence(prob[1].numpy(), prob.argmax(0).numpy())
        # As learned-source.ts: probability = logistic(a ln(area) + b) >= 0.5.
        prob_frame = 0.0 if area <= 0 else 1 / (1 + math.exp(-(rule["logistic"]["a"] * math.log(area) + rule["logistic"]["b"])))
        said = prob_frame >= 0.5
        tp += said and present
        fp += said and not present
        fn += (not said) and present
        tn += (not said) and not present
        print(f"{'TP' if said and present else 'FP' if said else 'FN' if present else 'TN'} p {prob_frame:.2f} area {area:.4f} (mean pixel p {mean_p:.2f})  {name}")
    prec = tp / max(1, tp + fp)
    rec = tp / max(1, tp + fn)
    print(f"presence on {len(frames)} real frames: P {prec:.3f} R {rec:.3f} (tp {tp} fp {fp} fn {fn} tn {tn})")


if __name__ == "__main__":
    main()
