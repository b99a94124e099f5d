/**
 * Fuzz: the CDR decoder on mutated messages of the types the nodes exchange. Every case decodes or
 * is a `cdr` PerceptionError; and a message decoded from inside a larger buffer (a chunk) is the
 * same as from an exact copy: bytes past the view are never read (the short-data bug this found).
 */
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { PerceptionError } from "../../src/core/errors.js";
import { codecFor } from "../../src/msgs/codec.js";
import { lane } from "../viz/fixtures.js";
import { type FuzzRandom, fuzz, fuzzIterations, fuzzTimeoutMs, mutateBytes } from "./fuzz.js";

const header = {
  stamp: { sec: 1_700_000_000, nanosec: 123 },
  frame_id: "camera_front_optical_frame",
};
const SAMPLES: Array<[string, unknown]> = [
  ["std_msgs/msg/String", { data: "hello world" }],
  [
    "sensor_msgs/msg/Image",
    {
      header,
      height: 4,
      width: 8,
      encoding: "rgb8",
      is_bigendian: 0,
      step: 24,
      data: Uint8Array.from({ length: 96 }, (_, i) => i),
    },
  ],
  [
    "sensor_msgs/msg/CompressedImage",
    { header, format: "jpeg", data: Uint8Array.from({ length: 40 }, (_, i) => 255 - i) },
  ],
  [
    "sensor_msgs/msg/CameraInfo",
    {
      header,
      height: 540,
      width: 960,
      distortion_model: "plumb_bob",
      d: Float64Array.from([0.1, -0.2, 0, 0, 0.01]),
      k: Float64Array.from([700, 0, 480, 0, 700, 270, 0, 0, 1]),
      r: Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]),
      p: Float64Array.from([700, 0, 480, 0, 0, 700, 270, 0, 0, 0, 1, 0]),
      binning_x: 0,
      binning_y: 0,
      roi: { x_offset: 0, y_offset: 0, height: 0, width: 0, do_rectify: false },
    },
  ],
  [
    "tf2_msgs/msg/TFMessage",
    {
      transforms: [
        {
          header: { ...header, frame_id: "map" },
          child_frame_id: "base_link",
          transform: { translation: { x: 1, y: 2, z: 0 }, rotation: { x: 0, y: 0, z: 0, w: 1 } },
        },
        {
          header: { ...header, frame_id: "base_link" },
          child_frame_id: "camera",
          transform: {
            translation: { x: 1.5, y: 0, z: 1.2 },
            rotation: { x: 0.5, y: -0.5, z: 0.5, w: -0.5 },
          },
        },
      ],
    },
  ],
  [
    "geometry_msgs/msg/PoseStamped",
    {
      header: { ...header, frame_id: "map" },
      pose: { position: { x: 1, y: 2, z: 3 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
    },
  ],
  [
    "edge_perception_msgs/msg/LaneMarkingArray",
    {
      header: { ...header, frame_id: "base_link" },
      markings: [lane(1, 1.8, 0), lane(2, -1.8, 1)],
      status: "ok",
    },
  ],
];

/** Decodes `bytes` exactly and from inside a larger buffer followed by other bytes; both must agree. */
function decodeBothWays(type: string, bytes: Uint8Array, tail: Uint8Array): unknown {
  const codec = codecFor(type);
  const run = (view: Uint8Array): { ok: true; value: unknown } | { ok: false; error: unknown } => {
    try {
      return { ok: true, value: codec.decode(view) };
    } catch (error) {
      return { ok: false, error };
    }
  };
  const exact = run(bytes.slice());
  const chunk = new Uint8Array(bytes.length + tail.length);
  chunk.set(bytes);
  chunk.set(tail, bytes.length);
  const embedded = run(chunk.subarray(0, bytes.length));
  if (
    exact.ok !== embedded.ok ||
    (exact.ok && embedded.ok && !isDeepStrictEqual(exact.value, embedded.value))
  ) {
    throw new Error(
      `${type}: decoding inside a larger buffer differs from decoding an exact copy (${exact.ok ? "exact ok" : "exact failed"}, ${embedded.ok ? "embedded ok" : "embedded failed"}): bytes past the view were read`,
    );
  }
  if (!exact.ok) {
    if (exact.error instanceof PerceptionError) expect(exact.error.kind).toBe("cdr");
    throw exact.error;
  }
  return exact.value;
}

describe("fuzz: CDR decoder", () => {
  const iterations = fuzzIterations(300);
  it(
    `${iterations} mutated messages per type decode, or fail with a cdr error, and never read past their bytes`,
    async () => {
      for (const [type, message] of SAMPLES) {
        const valid = codecFor(type).encode(message);
        expect(decodeBothWays(type, valid, new Uint8Array(8).fill(0x41))).toBeDefined();
        const counts = await fuzz(
          `cdr ${type}`,
          { iterations },
          (rnd: FuzzRandom) => ({
            bytes: mutateBytes(valid, rnd, { from: 4 }),
            tail: rnd.bytes(16 + rnd.int(256)),
          }),
          ({ bytes, tail }) => decodeBothWays(type, bytes, tail),
        );
        expect(counts.rejected, type).toBeGreaterThan(0);
        expect(counts.ok + counts.rejected).toBe(iterations);
      }
    },
    fuzzTimeoutMs(300, 20),
  );
});
