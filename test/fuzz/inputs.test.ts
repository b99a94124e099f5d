/**
 * Fuzz: the other inputs a vehicle or a user hands the project: GeoJSON HD maps, ROS 2 parameter
 * files (parsed, then validated against each node's schema), compressed camera frames (JPEG, PNG)
 * and raw sensor_msgs/Image fields. Each case works or is a PerceptionError of the right kind, and
 * what is accepted is usable (finite map coordinates, image views whose data cover their size).
 */
import { readFileSync } from "node:fs";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { PerceptionError } from "../../src/core/errors.js";
import { projectPath } from "../../src/core/paths.js";
import { decodeCompressedImage } from "../../src/image/compressed-image.js";
import {
  imageViewFromMessage,
  validateImageView,
  type ImageView,
} from "../../src/image/image-view.js";
import { loadHdMap } from "../../src/map/loader.js";
import type { Image } from "../../src/msgs/types.generated.js";
import { parametersForNode, parseParameterYaml } from "../../src/ros/parameters/parameter-file.js";
import { SchemaParameterStore } from "../../src/ros/parameters/parameter-store.js";
import { loadParameterSchema } from "../../src/nodes/node-definition.js";
import {
  type FuzzRandom,
  NASTY_VALUES,
  fuzz,
  fuzzIterations,
  fuzzTimeoutMs,
  mutateBytes,
  mutateJson,
  mutateText,
} from "./fuzz.js";

/** Rethrows PerceptionErrors of another kind than `kind` as plain errors (a wrong kind is a bug too). */
function ofKind(kind: string, run: () => unknown): unknown {
  try {
    return run();
  } catch (err) {
    if (err instanceof PerceptionError && err.kind !== kind)
      throw new Error(`expected a '${kind}' error, got '${err.kind}': ${err.message}`);
    throw err;
  }
}

describe("fuzz: GeoJSON HD map loader", () => {
  const iterations = fuzzIterations(150);
  const text = readFileSync(projectPath("maps", "sample_drive.geojson"), "utf8");
  const doc = JSON.parse(text) as unknown;

  it(
    `${iterations} structurally mutated maps and ${iterations} mutated texts load with finite coordinates, or fail with a map error`,
    async () => {
      const check = (source: object | string): void => {
        const map = ofKind("map", () => loadHdMap(source)) as ReturnType<typeof loadHdMap>;
        const points = [...map.lanes.values()]
          .flatMap((l) => l.centerline)
          .concat(
            [...map.crosswalks.values()].flatMap((c) => c.polygon),
            [...map.laneBoundaries.values()].flatMap((b) => b.points),
          );
        for (const p of points)
          if (!Number.isFinite(p.x) || !Number.isFinite(p.y))
            throw new Error(`a loaded map has a non-finite point (${p.x}, ${p.y})`);
      };
      const structural = await fuzz(
        "hdmap json",
        { iterations },
        (rnd: FuzzRandom) => mutateJson(doc, rnd) as object,
        check,
      );
      expect(structural.rejected).toBeGreaterThan(0);
      expect(structural.ok).toBeGreaterThan(0);
      const { mkdtempSync, writeFileSync } = await import("node:fs");
      const { tmpdir } = await import("node:os");
      const { join } = await import("node:path");
      const dir = mkdtempSync(join(tmpdir(), "ep-fuzz-map-"));
      await fuzz(
        "hdmap text",
        { iterations },
        (rnd, i) => {
          const file = join(dir, `map_${i}.geojson`);
          writeFileSync(file, mutateText(text, rnd));
          return file;
        },
        check,
      );
    },
    fuzzTimeoutMs(150, 200),
  );
});

describe("fuzz: parameter files", () => {
  const iterations = fuzzIterations(150);
  const nodes = [
    "lane_detector",
    "crosswalk_detector",
    "pedestrian_detector",
    "map_fusion",
    "visualizer",
  ];

  it(
    `${iterations} mutated parameter files per node parse and validate, or fail with a parameter error`,
    async () => {
      for (const node of nodes) {
        const text = readFileSync(projectPath("config", `${node}.param.yaml`), "utf8");
        const schema = loadParameterSchema(node);
        const counts = await fuzz(
          `params ${node}`,
          { iterations },
          (rnd) => mutateText(text, rnd),
          (mutated) =>
            ofKind("parameter", () => {
              const entries = parseParameterYaml(mutated, `fuzz/${node}.param.yaml`);
              return new SchemaParameterStore({
                node: `/perception/${node}`,
                schema,
                values: parametersForNode(entries, node, "/perception"),
              });
            }),
        );
        expect(counts.rejected, node).toBeGreaterThan(0);
        expect(counts.ok, node).toBeGreaterThan(0);
      }
    },
    fuzzTimeoutMs(150, 60),
  );
});

describe("fuzz: image decoders", () => {
  const iterations = fuzzIterations(60);
  let jpeg: Uint8Array;
  let png: Uint8Array;
  let grey: Uint8Array;
  beforeAll(async () => {
    const svg = Buffer.from(
      `<svg width="64" height="48"><rect width="64" height="48" fill="#506070"/><line x1="10" y1="48" x2="30" y2="10" stroke="white" stroke-width="3"/></svg>`,
    );
    jpeg = new Uint8Array(await sharp(svg).jpeg({ quality: 80 }).toBuffer());
    png = new Uint8Array(await sharp(svg).png().toBuffer());
    grey = new Uint8Array(await sharp(svg).greyscale().png().toBuffer());
  });

  /** A decoded view is only usable when its data cover width x height at its step. */
  const usable = (view: ImageView): void => {
    validateImageView(view);
    if (!(view.width > 0 && view.height > 0))
      throw new Error(`decoded an empty image ${view.width}x${view.height}`);
  };

  it(
    `${iterations} mutated JPEG and PNG frames decode to a consistent view or fail with an image error`,
    async () => {
      for (const [format, bytes] of [
        ["jpeg", () => jpeg],
        ["png", () => png],
        ["png", () => grey],
      ] as const) {
        const original = bytes();
        const counts = await fuzz(
          `compressed ${format}`,
          { iterations },
          (rnd) => mutateBytes(original, rnd, rnd.int(3) === 0 ? {} : { from: 2 }),
          async (data) => {
            const view = await decodeCompressedImage({
              header: { stamp: { sec: 0, nanosec: 0 }, frame_id: "cam" },
              format,
              data,
            }).catch((err: unknown) => {
              if (err instanceof PerceptionError && err.kind !== "image")
                throw new Error(`expected an 'image' error, got '${err.kind}'`);
              throw err;
            });
            usable(view);
          },
        );
        expect(counts.rejected, format).toBeGreaterThan(0);
        expect(counts.ok + counts.rejected).toBe(iterations);
      }
    },
    fuzzTimeoutMs(60, 300),
  );

  it(
    `${iterations * 5} raw Images with mutated fields give a valid view or an image error`,
    async () => {
      const encodings = [
        "rgb8",
        "bgr8",
        "rgba8",
        "bgra8",
        "mono8",
        "yuv422",
        "yuv422_yuy2",
        "uyvy",
        "16UC1",
        "bayer_rggb8",
        "",
      ];
      const counts = await fuzz(
        "raw image",
        { iterations: iterations * 5 },
        (rnd): Image => {
          const width = rnd.pick([0, 1, 2, 3, 7, 8, 64, -1, 2 ** 31, NaN]);
          const height = rnd.pick([0, 1, 4, 48, -3, 2 ** 20]);
          const encoding = rnd.pick(encodings);
          const bpp = rnd.pick([1, 2, 3, 4]);
          const step =
            rnd.int(3) === 0
              ? (rnd.pick(NASTY_VALUES) as number)
              : Math.max(0, width * bpp + rnd.pick([0, 0, 1, -1, 16]));
          const length = Math.max(
            0,
            Math.min(
              1 << 16,
              (Number.isFinite(step) ? step : 8) *
                (Number.isFinite(height) ? Math.min(height, 256) : 1) +
                rnd.pick([0, 0, -1, 5]),
            ),
          );
          return {
            header: { stamp: { sec: 0, nanosec: 0 }, frame_id: "cam" },
            width,
            height,
            encoding,
            is_bigendian: 0,
            step,
            data: rnd.bytes(length),
          };
        },
        (msg) => usable(ofKind("image", () => imageViewFromMessage(msg)) as ImageView),
      );
      expect(counts.rejected).toBeGreaterThan(0);
      expect(counts.ok).toBeGreaterThan(0);
    },
    fuzzTimeoutMs(60, 50),
  );
});
