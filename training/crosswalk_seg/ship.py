"""Copies a training run into models/: the ONNX and its sidecar (presence rule + provenance).
Usage: python3 ship.py RUN_DIR [MODELS_DIR]   (default MODELS_DIR: <repo>/models)
"""
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    run = sys.argv[1]
    models = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "..", "..", "models")
    os.makedirs(models, exist_ok=True)
    p = json.load(open(os.path.join(run, "presence.json")))
    shutil.copyfile(os.path.join(run, "crosswalk_seg.onnx"), os.path.join(models, "crosswalk_seg.onnx"))
    sidecar = {
        "description": "Presence rule of crosswalk_seg.onnx (written by training/crosswalk_seg/ship.py from the run's presence.json): the largest crosswalk blob's area fraction of the mask -> probability = 1/(1+exp(-(logistic_a*ln(area)+logistic_b))). Chosen and fitted on generated worlds held out of training; no real frame used.",
        "classes": ["background", "crosswalk", "paint", "asphalt"],
        "presence": {"crosswalk_class": 1, "min_area_fraction": p["min_area_fraction"], "logistic_a": p["logistic"]["a"], "logistic_b": p["logistic"]["b"]},
        "validation_on_generated_worlds": {"frames": p["val_frames"], "precision": p["val_precision"], "recall": p["val_recall"], "iou": dict(zip(["background", "crosswalk", "paint", "asphalt"], p["val_iou"]))},
    }
    json.dump(sidecar, open(os.path.join(models, "crosswalk_seg.json"), "w"), indent=2)
    open(os.path.join(models, "crosswalk_seg.json"), "a").write("\n")
    print(f"shipped {run} -> {models}")


if __name__ == "__main__":
    main()
