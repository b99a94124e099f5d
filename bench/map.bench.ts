/**
 * HD-map layer figures: loading (schema + semantics + projection + index) and queries on a
 * synthetic grid map with >= 5,000 features. Run: `npx tsx bench/map.bench.ts` (or via bench/run.ts).
 */
import { pathToFileURL } from "node:url";
import { hdMapToGeoJson } from "../src/map/geojson-writer.js";
import { loadHdMap } from "../src/map/loader.js";
import { syntheticGridMap } from "../src/map/synthetic-grid-map.js";
import { polygonIoU } from "../src/geometry/polygon.js";
import { projectOntoPolyline } from "../src/geometry/polyline.js";
import { TfBuffer } from "../src/geometry/tf-buffer.js";
import { cameraMountTransform } from "../src/geometry/camera-mount.js";
import { CameraGeometry } from "../src/geometry/camera-geometry.js";
import { CameraModel } from "../src/geometry/camera-model.js";
import { nsToTime } from "../src/core/time.js";

function timeIt(label: string, iterations: number, fn: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(200, iterations); i++) fn(i); // warm-up
  const start = process.hrtime.bigint();
  let sink = 0;
  for (let i = 0; i < iterations; i++) {
    const r = fn(i);
    if (Array.isArray(r)) sink += r.length;
  }
  const us = Number(process.hrtime.bigint() - start) / 1000 / iterations;
  console.log(
    `${label}: ${us.toFixed(2)} us/op (${iterations} ops${sink ? `, ${(sink / iterations).toFixed(1)} results/op` : ""})`,
  );
}

export async function run(): Promise<void> {
  const features = syntheticGridMap({ blocks: 20 });
  const doc = JSON.parse(
    JSON.stringify(
      hdMapToGeoJson({
        name: "grid",
        origin: { latitude: 48.1, longitude: 11.5, altitude: 500 },
        features,
      }),
    ),
  );
  const t0 = performance.now();
  const map = loadHdMap(doc);
  console.log(
    `map load (${map.features.length} features, schema + semantics + WGS84->ENU + index): ${(performance.now() - t0).toFixed(0)} ms`,
  );

  // Deterministic pseudo-random query points over the 2 km x 2 km grid.
  let seed = 12345;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const points = Array.from({ length: 4096 }, () => ({ x: rnd() * 2000, y: rnd() * 2000 }));
  const p = (i: number) => points[i & 4095]!;

  timeIt("query(box 40 m x 40 m)", 20000, (i) =>
    map.query({ minX: p(i).x - 20, minY: p(i).y - 20, maxX: p(i).x + 20, maxY: p(i).y + 20 }),
  );
  timeIt("near(r = 15 m, all kinds)", 20000, (i) => map.near(p(i), 15));
  timeIt("near(r = 50 m, crosswalks)", 20000, (i) => map.near(p(i), 50, ["crosswalk"]));
  timeIt("nearest(lane)", 20000, (i) => map.nearest(p(i), ["lane"]));
  timeIt("lanesAt(point)", 20000, (i) => map.lanesAt(p(i)));
  const lane = map.lanes.get("h3_4_fwd")!;
  timeIt("projectOntoPolyline (5 points)", 200000, (i) =>
    projectOntoPolyline(lane.centerline, p(i)),
  );
  const a = [
    { x: 0, y: 0 },
    { x: 4, y: 0 },
    { x: 4, y: 7 },
    { x: 0, y: 7 },
  ];
  const b = [
    { x: 1, y: 1 },
    { x: 5, y: 1.5 },
    { x: 4.5, y: 8 },
    { x: 0.5, y: 7 },
  ];
  timeIt("polygonIoU (convex quads)", 200000, () => polygonIoU(a, b));
  const ell = [
    { x: 0, y: 0 },
    { x: 2, y: 0 },
    { x: 2, y: 1 },
    { x: 1, y: 1 },
    { x: 1, y: 2 },
    { x: 0, y: 2 },
  ];
  timeIt("polygonIoU (non-convex 6 x 4)", 100000, () => polygonIoU(ell, b));

  // TF: map -> odom (static) -> base_link (100 Hz, 10 s cache) -> camera (static).
  const tf = new TfBuffer();
  const base = 1_700_000_000n * 1_000_000_000n;
  const mount = cameraMountTransform({ x: 1.2, z: 1.5, pitch: 0.087 });
  tf.addMessage(
    {
      transforms: [
        {
          header: { stamp: nsToTime(base), frame_id: "map" },
          child_frame_id: "odom",
          transform: { translation: { x: 5, y: 3, z: 0 }, rotation: { x: 0, y: 0, z: 0, w: 1 } },
        },
        {
          header: { stamp: nsToTime(base), frame_id: "base_link" },
          child_frame_id: "camera_optical_frame",
          transform: mount,
        },
      ],
    },
    true,
  );
  for (let i = 0; i < 1000; i++) {
    tf.addMessage(
      {
        transforms: [
          {
            header: { stamp: nsToTime(base + BigInt(i) * 10_000_000n), frame_id: "odom" },
            child_frame_id: "base_link",
            transform: {
              translation: { x: i * 0.1, y: 0, z: 0 },
              rotation: { x: 0, y: 0, z: Math.sin(i * 0.001), w: Math.cos(i * 0.001) },
            },
          },
        ],
      },
      false,
    );
  }
  timeIt("TfBuffer.lookup(map <- camera, interpolated, 3 links)", 50000, (i) =>
    tf.lookup(
      "map",
      "camera_optical_frame",
      nsToTime(base + BigInt(i % 9000) * 1_000_000n + 500_000n),
    ),
  );

  // Camera: distorted unproject (Newton) and pixel -> ground.
  const model = CameraModel.fromIntrinsics({
    width: 1280,
    height: 720,
    fx: 700,
    fy: 705,
    cx: 641.3,
    cy: 358.9,
    distortion: [-0.3, 0.09, 0.0012, -0.0008, -0.01],
  });
  const geometry = new CameraGeometry(model, mount);
  timeIt("CameraModel.unproject (plumb_bob)", 200000, (i) =>
    model.unproject({ u: (i * 7) % 1280, v: 400 + ((i * 3) % 320) }),
  );
  timeIt("CameraGeometry.pixelToGround (plumb_bob)", 200000, (i) =>
    geometry.pixelToGround({ u: (i * 7) % 1280, v: 400 + ((i * 3) % 320) }),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await run();
