"""INT8 static quantisation (QDQ, per-channel weights) of the exported model with onnxruntime,
calibrated on generated frames; prints FP32/INT8 size and CPU latency. Needs onnxruntime (python).
Usage: python3 quantize.py data.npz OUTDIR   (reads/writes OUTDIR/crosswalk_seg[_int8].onnx)
"""
import os
import sys
import time

import numpy as np
import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

from pack_util import rgb_frames


class Frames(CalibrationDataReader):
    def __init__(self, frames):
        self.it = iter([{"image": f[None]} for f in frames])

    def get_next(self):
        return next(self.it, None)


def latency(path, x, threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    for _ in range(5):
        s.run(None, {"image": x})
    t = time.perf_counter()
    for _ in range(50):
        s.run(None, {"image": x})
    return (time.perf_counter() - t) / 50 * 1000


def main():
    data, out = sys.argv[1], sys.argv[2]
    count = len(np.load(data)["world"])
    frames = rgb_frames(data, np.arange(0, count, max(1, count // 128)))
    fp32 = os.path.join(out, "crosswalk_seg.onnx")
    int8 = os.path.join(out, "crosswalk_seg_int8.onnx")
    quantize_static(fp32, int8, Frames(frames), quant_format=QuantFormat.QDQ, per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    a = ort.InferenceSession(fp32, providers=["CPUExecutionProvider"])
    b = ort.InferenceSession(int8, providers=["CPUExecutionProvider"])
    agree = []
    for f in frames[:32]:
        pa = a.run(None, {"image": f[None]})[0].argmax(1)
        pb = b.run(None, {"image": f[None]})[0].argmax(1)
        agree.append((pa == pb).mean())
    x = frames[0][None]
    print(f"fp32 {os.path.getsize(fp32)} bytes, {latency(fp32, x, 1):.2f} ms (1 thread), {latency(fp32, x, 2):.2f} ms (2 threads)")
    print(f"int8 {os.path.getsize(int8)} bytes, {latency(int8, x, 1):.2f} ms (1 thread), {latency(int8, x, 2):.2f} ms (2 threads)")
    print(f"int8 vs fp32 argmax agreement {np.mean(agree):.4f}")


if __name__ == "__main__":
    main()
