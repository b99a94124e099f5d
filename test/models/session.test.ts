import { beforeAll, describe, expect, it, vi } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sharedDir } from "../../src/core/paths.js";
import type { ImageView } from "../../src/image/image-view.js";
import { readImageFile } from "../../src/image/compressed-image.js";
import { loadModelContract, type ModelContract } from "../../src/models/contract.js";
import { iou } from "../../src/models/detection.js";
import { recordInferenceIntervals } from "../../src/models/inference-timeline.js";
import { ModelSession } from "../../src/models/session.js";
import { Preprocessor } from "../../src/image/preprocess.js";

const shared = sharedDir();
if (!shared) console.warn("skipping model sessions: ../shared is absent");

interface KittiLabel {
  category: string;
  bbox_xywh: [number, number, number, number];
}

describe.skipIf(!shared)("ModelSession on the real models", () => {
  const modelDir = join(shared ?? "", "models");
  const quiet = { modelDir, log: () => undefined };
  let kitti: ImageView;
  let cars: { x1: number; y1: number; x2: number; y2: number }[];

  beforeAll(async () => {
    kitti = await readImageFile(join(shared!, "data/kitti/000007.png"));
    const labels = JSON.parse(readFileSync(join(shared!, "data/kitti/000007.json"), "utf8"))[
      "000007.png"
    ].instances as KittiLabel[];
    cars = labels
      .filter((l) => l.category === "Car")
      .map(({ bbox_xywh: [x, y, w, h] }) => ({ x1: x, y1: y, x2: x + w, y2: y + h }));
  });

  /** KITTI 000007 and TuSimple 0000 / 0001: the frames the pipelining tests compare runs on. */
  const threeFrames = (): Promise<ImageView[]> =>
    Promise.all(
      ["data/kitti/000007.png", "data/tusimple/image/0000.png", "data/tusimple/image/0001.png"].map(
        (f) => readImageFile(join(shared!, f)),
      ),
    );
  /** What the pipelining tests compare of a run: its boxes. */
  const boxes = (o: Awaited<ReturnType<ModelSession["run"]>>): unknown =>
    o.kind === "detections" ? o.detections : o.kind;

  const carContract = (name: string): ModelContract => {
    const c = loadModelContract(name);
    return { ...c, classFilter: [2] }; // COCO car
  };

  it("YOLOX-Nano (FP32) and NanoDet (INT8) both find KITTI's nearest labelled car at IoU >= 0.7", async () => {
    for (const name of ["yolox_nano", "nanodet_m_416_int8"]) {
      const session = await ModelSession.create(carContract(name), quiet);
      const out = await session.run(kitti);
      expect(out.kind).toBe("detections");
      if (out.kind !== "detections") return;
      const best = Math.max(...out.detections.map((d) => iou(d, cars[0]!)));
      expect(best, name).toBeGreaterThanOrEqual(0.7);
      expect(out.toImage.scaleX).toBeCloseTo(416 / 1242, 3);
      expect(out.timings.inferenceMs).toBeGreaterThan(0);
      await session.release();
    }
  });

  it("input.fit_aspect: wide frames run without the letterbox padding and give the boxes of the square input", async () => {
    // Cars: the frames have many (and few people).
    const fitted = await ModelSession.create(carContract("yolox_nano"), quiet);
    const { fitAspect: _, ...squareInput } = carContract("yolox_nano").input;
    const square = await ModelSession.create(
      { ...carContract("yolox_nano"), input: squareInput },
      quiet,
    );
    let compared = 0;
    try {
      for (const file of [
        "data/kitti/000007.png",
        "data/tusimple/image/0000.png",
        "data/bdd100k/caeb782d-4a20b7c4.jpg",
      ]) {
        const frame = await readImageFile(join(shared!, file));
        const a = await fitted.run(frame);
        const b = await square.run(frame);
        if (a.kind !== "detections" || b.kind !== "detections") throw new Error("not detections");
        // Same mapping back to the image (same scale, no offset with the top-left anchor).
        expect(a.toImage).toMatchObject({
          scaleX: b.toImage.scaleX,
          scaleY: b.toImage.scaleY,
          offsetX: 0,
          offsetY: 0,
        });
        // Every confident box of the square input is found again, in place; only the padding's
        // effect at the content's lower border differs.
        const confident = b.detections.filter((d) => d.score >= 0.3);
        compared += confident.length;
        for (const d of confident) {
          const best = Math.max(0, ...a.detections.map((e) => iou(d, e)));
          expect(
            best,
            `${file}: box at ${d.x1.toFixed(0)},${d.y1.toFixed(0)}`,
          ).toBeGreaterThanOrEqual(0.9);
        }
        expect(Math.abs(a.detections.length - b.detections.length), file).toBeLessThanOrEqual(
          Math.max(1, b.detections.length * 0.1),
        );
      }
      expect(compared).toBeGreaterThanOrEqual(5);
    } finally {
      await fitted.release();
      await square.release();
    }
  });

  it("TwinLiteNet 320 gives one argmax mask per output with the stretch mapping", async () => {
    const session = await ModelSession.create(loadModelContract("twinlitenet_320x320"), quiet);
    const frame = await readImageFile(join(shared!, "data/tusimple/image/0000.png"));
    const out = await session.run(frame);
    expect(out.kind).toBe("segmentation");
    if (out.kind !== "segmentation") return;
    expect(out.masks.map((m) => [m.name, m.width, m.height, m.classCount])).toEqual([
      ["drivable_area", 320, 320, 2],
      ["lanes", 320, 320, 2],
    ]);
    const lanePixels = out.masks[1]!.classes.reduce((n, c) => n + c, 0);
    const roadPixels = out.masks[0]!.classes.reduce((n, c) => n + c, 0);
    expect(lanePixels).toBeGreaterThan(100); // a highway frame has lane lines
    expect(roadPixels).toBeGreaterThan(lanePixels);
    // Road is in the lower half of a dashcam frame: more drivable pixels below the middle row.
    const lowerHalf = out.masks[0]!.classes.subarray(160 * 320).reduce((n, c) => n + c, 0);
    expect(lowerHalf).toBeGreaterThan(roadPixels * 0.8);
    expect(out.toImage).toMatchObject({ scaleX: 0.25, scaleY: 320 / 720, offsetX: 0, offsetY: 0 });
    await session.release();
  });

  it("pipelines runs: queued and run-ahead frames give exactly the outputs of one-at-a-time runs, in call order", async () => {
    const session = await ModelSession.create(loadModelContract("yolox_nano"), quiet);
    const frames = await threeFrames();
    const alone = [];
    for (const f of frames) alone.push(boxes(await session.run(f)));
    // Three runs asked for at once: two input buffers, the third waits for the first to finish.
    const together = await Promise.all(frames.map((f) => session.run(f)));
    expect(together.map(boxes)).toEqual(alone);
    // Ahead: started before they are asked for; `run` then takes the same result object.
    const intervals = recordInferenceIntervals();
    for (const f of frames) session.runAhead(f);
    const taken = [];
    for (const f of frames) taken.push(await session.run(f));
    expect(taken.map(boxes)).toEqual(alone);
    const runs = intervals.stop();
    expect(runs).toHaveLength(3); // one run each, none repeated when asked for
    for (let i = 1; i < runs.length; i++)
      expect(runs[i]!.startMs).toBeGreaterThanOrEqual(runs[i - 1]!.endMs - 0.5); // one at a time on the worker
    await session.release();
  });

  it("runUnlessCancelled: runs the model has not started when the signal aborts resolve undefined and never run (waiting for a buffer, or queued on the worker); started ones and unaborted ones give the outputs of plain runs", async () => {
    // TwinLiteNet 640x360 (~170 ms a run here): the worker is still on the first run when the
    // test aborts, microseconds after asking.
    const session = await ModelSession.create(loadModelContract("twinlitenet_640x360"), quiet);
    const frames = await threeFrames();
    const masks = (o: Awaited<ReturnType<ModelSession["run"]>> | undefined): unknown =>
      o?.kind === "segmentation" ? o.masks : o?.kind;
    const alone = [];
    for (const f of frames) alone.push(masks(await session.run(f)));
    await new Promise((r) => setImmediate(r)); // the last run's input buffer is free again
    const intervals = recordInferenceIntervals();
    const newer = new AbortController();
    // The first run is a plain one; the second is handed over at once (the other input buffer)
    // and queued on the busy worker; the third waits for a buffer.
    const first = session.run(frames[0]!);
    const optional = [frames[1]!, frames[2]!].map((f) =>
      session.runUnlessCancelled(f, newer.signal),
    );
    newer.abort();
    expect(await Promise.all(optional)).toEqual([undefined, undefined]);
    expect(masks(await first)).toEqual(alone[0]);
    // Already aborted: nothing runs.
    expect(await session.runUnlessCancelled(frames[0]!, newer.signal)).toBeUndefined();
    // The session goes on: a later run on the buffer of the skipped one gives its plain output.
    expect(masks(await session.run(frames[1]!))).toEqual(alone[1]);
    await session.release();
    expect(intervals.stop()).toHaveLength(2); // frames[0] and the last run: nothing skipped ran
    // Not aborted: the same outputs as `run`.
    const again = await ModelSession.create(loadModelContract("twinlitenet_640x360"), quiet);
    const kept = await Promise.all(
      frames.map((f) => again.runUnlessCancelled(f, new AbortController().signal)),
    );
    expect(kept.map(masks)).toEqual(alone);
    await again.release();
  });

  it("prepare: a frame preprocessed while the model runs is handed over without preprocessing again, same outputs; another frame run first overwrites it", async () => {
    const session = await ModelSession.create(loadModelContract("yolox_nano"), quiet);
    const frames = await threeFrames();
    const alone = [];
    for (const f of frames) alone.push(boxes(await session.run(f)));
    // A buffer is free once its run's bookkeeping settled (a few microtasks after its output).
    const buffersFree = () => new Promise((r) => setTimeout(r, 0));
    await buffersFree();
    const preprocess = vi.spyOn(Preprocessor.prototype, "run");
    try {
      // Frame 0 runs; frame 1 is prepared into the other buffer meanwhile, then run: no second preprocessing.
      const first = session.run(frames[0]!);
      expect(session.prepare(frames[1]!)).toBe(true);
      expect(preprocess).toHaveBeenCalledTimes(2);
      const second = session.run(frames[1]!);
      expect(preprocess).toHaveBeenCalledTimes(2);
      expect([boxes(await first), boxes(await second)]).toEqual([alone[0], alone[1]]);
      await buffersFree();
      // Prepared frame 1 is replaced by frame 2 before its run: frame 2's outputs, frame 2 preprocessed.
      const third = session.run(frames[0]!);
      expect(session.prepare(frames[1]!)).toBe(true);
      const fourth = session.run(frames[2]!);
      expect(preprocess).toHaveBeenCalledTimes(5);
      expect([boxes(await third), boxes(await fourth)]).toEqual([alone[0], alone[2]]);
      await buffersFree();
      // Both buffers in use: nothing to prepare into.
      const a = session.run(frames[0]!);
      const b = session.run(frames[1]!);
      expect(session.prepare(frames[2]!)).toBe(false);
      await Promise.all([a, b]);
    } finally {
      preprocess.mockRestore();
    }
    await session.release();
  });

  it("a run asked for overtakes look-ahead runs waiting for an input buffer; a look-ahead run asked for moves up with it; same outputs", async () => {
    const session = await ModelSession.create(loadModelContract("yolox_nano"), quiet);
    const frames = await threeFrames();
    const alone = [];
    for (const f of frames) alone.push(boxes(await session.run(f)));
    await new Promise((r) => setTimeout(r, 0)); // both buffers free
    // Distinct view objects (the look-ahead keys on them), the pixels of frames 0, 1, 2, 0, 1.
    const views = {
      a: frames[0]!,
      b: frames[1]!,
      c: frames[2]!,
      d: { ...frames[0]! },
      e: { ...frames[1]! },
    };
    const nameOf = new Map(Object.entries(views).map(([k, v]) => [v as ImageView, k]));
    const preprocess = vi.spyOn(Preprocessor.prototype, "run");
    try {
      const a = session.run(views.a); // buffer 0
      session.runAhead(views.b); // buffer 1
      session.runAhead(views.c); // waits
      session.runAhead(views.e); // waits
      const d = session.run(views.d); // asked for: before c and e
      const e = session.run(views.e); // look-ahead run now asked for: after d, before c
      const b = session.run(views.b);
      const c = session.run(views.c);
      const outputs = await Promise.all([a, b, c, d, e]);
      expect(preprocess.mock.calls.map(([view]) => nameOf.get(view))).toEqual([
        "a",
        "b",
        "d",
        "e",
        "c",
      ]);
      expect(outputs.map(boxes)).toEqual([alone[0], alone[1], alone[2], alone[0], alone[1]]);
    } finally {
      preprocess.mockRestore();
    }
    await session.release();
  });

  describe("refuses a model that does not match its contract", () => {
    const yolox = () => loadModelContract("yolox_nano");
    it("wrong input name", async () => {
      const c = yolox();
      await expect(
        ModelSession.create({ ...c, input: { ...c.input, name: "input.1" } }, quiet),
      ).rejects.toThrow(
        /expected input 'input.1' \[1,3,416,416\], found none of that name; the model has inputs images \[1,3,416,416\] float32/,
      );
    });
    it("wrong input size", async () => {
      const c = yolox();
      await expect(
        ModelSession.create({ ...c, input: { ...c.input, width: 640, height: 640 } }, quiet),
      ).rejects.toThrow(/expected input 'images' of shape \[1,3,640,640\], found \[1,3,416,416\]/);
    });
    it("wrong output / decoder", async () => {
      const c = yolox();
      await expect(
        ModelSession.create(
          { ...c, decoder: { type: "yolox", strides: [8, 16, 32], numClasses: 20 } },
          quiet,
        ),
      ).rejects.toThrow(/output 'output' of shape \[1,3549,25\], found \[1,3549,85\]/);
      await expect(
        ModelSession.create({ ...c, outputs: [{ name: "boxes", shape: [1, 100, 4] }] }, quiet),
      ).rejects.toThrow(/expected output 'boxes'/);
      const nano = loadModelContract("nanodet_m_416_int8");
      await expect(
        ModelSession.create(
          {
            ...nano,
            decoder: {
              type: "nanodet",
              strides: [8, 16, 32],
              numClasses: 80,
              regMax: 15,
              centerOffset: 0.5,
            },
          },
          quiet,
        ),
      ).rejects.toThrow(
        /expected a boxes_8 output of shape \[1,2704,64\] \(nanodet box distributions, stride 8\), found none; the model's outputs are 792 \[1,2704,80\]/,
      );
    });
    it("missing file", async () => {
      await expect(
        ModelSession.create({ ...yolox(), file: "absent.onnx" }, quiet),
      ).rejects.toMatchObject({
        kind: "model",
        message: expect.stringContaining("expected absent.onnx in"),
      });
    });
  });

  it("tries execution providers in order and logs the one taken", async () => {
    const lines: string[] = [];
    const session = await ModelSession.create(loadModelContract("twinlitenet_320x320"), {
      modelDir,
      executionProviders: ["no-such-provider", "cpu"],
      log: (l) => lines.push(l),
      warmUp: false,
    });
    expect(session.provider).toBe("cpu");
    expect(lines[0]).toMatch(/execution provider 'no-such-provider' unavailable/);
    expect(lines[1]).toMatch(/on execution provider 'cpu'/);
    await session.release();
  });
});
