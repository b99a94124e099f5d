import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ImageView } from "../../../src/image/image-view.js";
import { loadModelContract } from "../../../src/models/contract.js";
import { writeModelFile } from "../../../src/models/onnx/onnx-proto.js";
import { ModelSession } from "../../../src/models/session.js";
import { TINY_BOX, tinyYolov8, type TinyLayout } from "./tiny-detectors.js";

const SIZE = 32;
const dir = mkdtempSync(join(tmpdir(), "ep-tiny-yolov8-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A 32x32 RGB frame, black but for the given pixels. */
function frame(pixels: { x: number; y: number; rgb: [number, number, number] }[]): ImageView {
  const data = new Uint8Array(SIZE * SIZE * 3);
  for (const p of pixels) data.set(p.rgb, (p.y * SIZE + p.x) * 3);
  return { width: SIZE, height: SIZE, step: SIZE * 3, format: "rgb8", data };
}

/** A contracts file naming the tiny model; `extra` is appended to its entry (YAML lines, 4 spaces). */
function contracts(name: string, file: string, extra = ""): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    `models:
  ${name}:
    file: ${file}
    input:
      name: images
      width: ${SIZE}
      height: ${SIZE}
      colour_order: rgb
      normalization: { scale: 0.00392156862745098, mean: [0, 0, 0], std: [1, 1, 1] }
      resize: { mode: stretch }
    decoder: { type: yolov8, num_classes: 2 }
    thresholds: { score: 0.5, nms_iou: 0.45, max_detections: 10 }
${extra}`,
  );
  return path;
}

const quiet = { modelDir: dir, log: () => undefined };

describe("a YOLOv8-style detector the test builds itself, through a contracts file alone", () => {
  const layouts: TinyLayout[] = ["yolov8", "yolov8-rows", "yolov8-rank2"];
  for (const layout of layouts) {
    it(`${layout}: one box per lit pixel, at the pixel, with its class`, async () => {
      writeModelFile(join(dir, `${layout}.onnx`), tinyYolov8(SIZE, layout));
      const contract = loadModelContract("tiny", contracts("tiny", `${layout}.onnx`));
      const session = await ModelSession.create(contract, quiet);
      const out = await session.run(
        frame([
          { x: 5, y: 7, rgb: [255, 0, 0] },
          { x: 20, y: 25, rgb: [0, 200, 0] },
        ]),
      );
      await session.release();
      expect(out.kind).toBe("detections");
      if (out.kind !== "detections") return;
      const boxes = out.detections.map((d) => ({ ...d, score: Math.round(d.score * 1000) / 1000 }));
      expect(boxes).toEqual([
        {
          x1: 5.5 - TINY_BOX.w / 2,
          y1: 7.5 - TINY_BOX.h / 2,
          x2: 5.5 + TINY_BOX.w / 2,
          y2: 7.5 + TINY_BOX.h / 2,
          score: 1,
          classId: 0,
        },
        {
          x1: 20.5 - TINY_BOX.w / 2,
          y1: 25.5 - TINY_BOX.h / 2,
          x2: 20.5 + TINY_BOX.w / 2,
          y2: 25.5 + TINY_BOX.h / 2,
          score: 0.784,
          classId: 1,
        },
      ]);
    });
  }

  it("class map: a class-0 person over a class-1 two-wheeler is a rider, one alone a pedestrian; the vehicle is not reported", async () => {
    writeModelFile(join(dir, "yolov8.onnx"), tinyYolov8(SIZE, "yolov8"));
    const contract = loadModelContract(
      "tiny_people",
      contracts("tiny_people", "yolov8.onnx", "    classes: { pedestrian: [0], ridden: [1] }\n"),
    );
    expect(contract.classFilter).toEqual([0]);
    const session = await ModelSession.create(contract, quiet);
    // Rider: person at (5, 7), bike just below at (5, 9). Pedestrian: person alone at (25, 7).
    const out = await session.run(
      frame([
        { x: 5, y: 7, rgb: [255, 0, 0] },
        { x: 5, y: 9, rgb: [0, 255, 0] },
        { x: 25, y: 7, rgb: [255, 0, 0] },
      ]),
    );
    await session.release();
    if (out.kind !== "detections") throw new Error("expected detections");
    expect(
      out.detections.map((d) => [d.classId, Math.round(d.x1 + TINY_BOX.w / 2 - 0.5), d.category]),
    ).toEqual([
      [0, 5, "rider"],
      [0, 25, "pedestrian"],
    ]);
  });

  it("refuses a layout the decoder cannot read, naming what it expected and what the model has", async () => {
    writeModelFile(join(dir, "yolov8.onnx"), tinyYolov8(SIZE, "yolov8"));
    const path = contracts("tiny3", "yolov8.onnx");
    const contract = loadModelContract("tiny3", path);
    await expect(
      ModelSession.create({ ...contract, decoder: { type: "yolov8", numClasses: 80 } }, quiet),
    ).rejects.toThrow(
      /'tiny3' \(yolov8.onnx\) does not match its contract: expected an output of shape \[1,84,N\], found none; the model's outputs are output0 \[1,6,1024\]/,
    );
  });
});
