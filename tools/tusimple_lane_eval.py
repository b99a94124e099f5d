#!/usr/bin/env python3
"""Independent TuSimple lane scorer: a port of the benchmark's official LaneEval (lane.py,
github.com/TuSimple/tusimple-benchmark, evaluate/lane.py) to numpy only (the official code
uses sklearn's LinearRegression for the lane angle; a least-squares line fit is the same).

Usage: python3 tools/tusimple_lane_eval.py <predictions.json> <ground_truth.json> [--no-runtime-limit]

Both files are JSON lines. Exits 1 with the official error messages when the prediction file is
malformed (missing raw_file/lanes/run_time, lanes of the wrong length, unknown raw_file).
Deviations, both options of this port: predictions are matched to ground truth by raw_file, or,
when no ground truth has exactly that raw_file, by the one whose raw_file is a path suffix of it;
--no-runtime-limit drops the official rule that a frame taking over 200 ms scores 0 (CI machines
are shared and slow). It prints the official result JSON.
"""
import json
import sys

import numpy as np


class LaneEval(object):
    pixel_thresh = 20
    pt_thresh = 0.85
    runtime_limit = True

    @staticmethod
    def get_angle(xs, y_samples):
        xs, ys = xs[xs >= 0], y_samples[xs >= 0]
        if len(xs) > 1:
            k = np.polyfit(ys.astype(float), xs.astype(float), 1)[0]
            theta = np.arctan(k)
        else:
            theta = 0
        return theta

    @staticmethod
    def line_accuracy(pred, gt, thresh):
        pred = np.array([p if p >= 0 else -100 for p in pred])
        gt = np.array([g if g >= 0 else -100 for g in gt])
        return np.sum(np.where(np.abs(pred - gt) < thresh, 1., 0.)) / len(gt)

    @staticmethod
    def bench(pred, gt, y_samples, running_time):
        if any(len(p) != len(y_samples) for p in pred):
            raise Exception('Format of lanes error.')
        if (LaneEval.runtime_limit and running_time > 200) or len(gt) + 2 < len(pred):
            return 0., 0., 1.
        angles = [LaneEval.get_angle(np.array(x_gts), np.array(y_samples)) for x_gts in gt]
        threshs = [LaneEval.pixel_thresh / np.cos(angle) for angle in angles]
        line_accs = []
        fp, fn = 0., 0.
        matched = 0.
        for x_gts, thresh in zip(gt, threshs):
            accs = [LaneEval.line_accuracy(np.array(x_preds), np.array(x_gts), thresh) for x_preds in pred]
            max_acc = np.max(accs) if len(accs) > 0 else 0.
            if max_acc < LaneEval.pt_thresh:
                fn += 1
            else:
                matched += 1
            line_accs.append(max_acc)
        fp = len(pred) - matched
        if len(gt) > 4 and fn > 0:
            fn -= 1
        s = sum(line_accs)
        if len(gt) > 4:
            s -= min(line_accs)
        return s / max(min(4.0, len(gt)), 1.), fp / len(pred) if len(pred) > 0 else 0., fn / max(min(len(gt), 4.), 1.)

    @staticmethod
    def bench_one_submit(pred_file, gt_file):
        try:
            json_pred = [json.loads(line) for line in open(pred_file).readlines() if line.strip()]
        except BaseException:
            raise Exception('Fail to load json file of the prediction.')
        json_gt = [json.loads(line) for line in open(gt_file).readlines() if line.strip()]
        if len(json_gt) != len(json_pred):
            raise Exception('We do not get the predictions of all the test tasks')
        gts = {l['raw_file']: l for l in json_gt}
        accuracy, fp, fn = 0., 0., 0.
        for pred in json_pred:
            if 'raw_file' not in pred or 'lanes' not in pred or 'run_time' not in pred:
                raise Exception('raw_file or lanes or run_time not in some predictions.')
            raw_file = pred['raw_file']
            if raw_file not in gts:
                suffix = [k for k in gts if raw_file.replace('\\', '/').endswith('/' + k)]
                if len(suffix) != 1:
                    raise Exception('Some raw_file from your predictions do not exist in the test tasks.')
                raw_file = suffix[0]
            pred_lanes = pred['lanes']
            run_time = pred['run_time']
            gt = gts[raw_file]
            gt_lanes = gt['lanes']
            y_samples = gt['h_samples']
            try:
                a, p, n = LaneEval.bench(pred_lanes, gt_lanes, y_samples, run_time)
            except BaseException:
                raise Exception('Format of lanes error.')
            accuracy += a
            fp += p
            fn += n
        num = len(gts)
        return json.dumps([
            {'name': 'Accuracy', 'value': accuracy / num, 'order': 'desc'},
            {'name': 'FP', 'value': fp / num, 'order': 'asc'},
            {'name': 'FN', 'value': fn / num, 'order': 'asc'}
        ])


if __name__ == '__main__':
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    if '--no-runtime-limit' in sys.argv:
        LaneEval.runtime_limit = False
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        print(LaneEval.bench_one_submit(args[0], args[1]))
    except Exception as e:
        print(e, file=sys.stderr)
        sys.exit(1)
