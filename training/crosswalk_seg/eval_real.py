"""Crosswalk presence of a trained checkpoint on the labelled real frames (never trained on).

Positives and negatives: test/fixtures/crosswalk-labels.json (../shared/data/cdnet_crosswalk,
frames/ and complex/) and test/fixtures/crosswalk-real-negatives.json (BDD100K, TuSimple, KITTI).
Frames are stretched to the model input as the runtime contract does. Prints per-frame evidence and
precision / recall of the presence rule in presence.json. Usage:
  python3 eval_real.py RUN_DIR [SHARED_DATA_DIR]   (RUN_DIR holds crosswalk_seg.pt and presence.json)
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from train import CrosswalkNet, frame_evidence

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.join(HERE, "..", "..")


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
        im = Image.open(path).convert("RGB").resize((256, 144), Image.BILINEAR)
        x = torch.from_numpy(np.asarray(im, np.float32) / 255).permute(2, 0, 1)[None]
        with torch.no_grad():
            prob = F.softmax(net(x), 1)[0]
        area, mean_p = frame_evidence(prob[1].numpy(), prob.argmax(0).numpy())
        said = area >= rule["min_area_fraction"]
        tp += said and present
        fp += said and not present
        fn += (not said) and present
        tn += (not said) and not present
        print(f"{'TP' if said and present else 'FP' if said else 'FN' if present else 'TN'} area {area:.4f} p {mean_p:.2f}  {name}")
    prec = tp / max(1, tp + fp)
    rec = tp / max(1, tp + fn)
    print(f"presence on {len(frames)} real frames: P {prec:.3f} R {rec:.3f} (tp {tp} fp {fp} fn {fn} tn {tn})")


if __name__ == "__main__":
    main()
