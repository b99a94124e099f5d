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

function timeIt(label: string, iterations: number, fn: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(200, iterations); i++) fn(i); // warm-up
  const start = process.hrtime.bigint();
  let sink = 0;
  for (let i = 0; i < iterations; i++) {
    const r = fn(i);
    if (Array.isArray(r)) sink += r.length;
  }
  const us = Number(process.hrtime.bigint() - start) / 1000 / iterations;
  console.log(`${label}: ${us.toFixed(2)} us/op (${iterations} ops${sink ? `, ${(sink / iterations).toFixed(1)} results/op` : ""})`);
}

export async function run(): Promise<void> {
  const features = syntheticGridMap({ blocks: 20 });
  const doc = JSON.parse(JSON.stringify(hdMapToGeoJson({ name: "grid", origin: { latitude: 48.1, longitude: 11.5, altitude: 500 }, features })));
  const t0 = performance.now();
  const map = loadHdMap(doc);
  console.log(`map load (${map.features.length} features, schema + semantics + WGS84->ENU + index): ${(performance.now() - t0).toFixed(0)} ms`);

  // Deterministic pseudo-random query points over the 2 km x 2 km grid.
  let seed = 12345;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const points = Array.from({ length: 4096 }, () => ({ x: rnd() * 2000, y: rnd() * 2000 }));
  const p = (i: number) => points[i & 4095]!;

  timeIt("query(box 40 m x 40 m)", 20000, (i) => map.query({ minX: p(i).x - 20, minY: p(i).y - 20, maxX: p(i).x + 20, maxY: p(i).y + 20 }));
  timeIt("near(r = 15 m, all kinds)", 20000, (i) => map.near(p(i), 15));
  timeIt("near(r = 50 m, crosswalks)", 20000, (i) => map.near(p(i), 50, ["crosswalk"]));
  timeIt("nearest(lane)", 20000, (i) => map.nearest(p(i), ["lane"]));
  timeIt("lanesAt(point)", 20000, (i) => map.lanesAt(p(i)));
  const lane = map.lanes.get("h3_4_fwd")!;
  timeIt("projectOntoPolyline (5 points)", 200000, (i) => projectOntoPolyline(lane.centerline, p(i)));
  const a = [{ x: 0, y: 0 }, { x: 4, y: 0 }, { x: 4, y: 7 }, { x: 0, y: 7 }];
  const b = [{ x: 1, y: 1 }, { x: 5, y: 1.5 }, { x: 4.5, y: 8 }, { x: 0.5, y: 7 }];
  timeIt("polygonIoU (convex quads)", 200000, () => polygonIoU(a, b));
  const ell = [{ x: 0, y: 0 }, { x: 2, y: 0 }, { x: 2, y: 1 }, { x: 1, y: 1 }, { x: 1, y: 2 }, { x: 0, y: 2 }];
  timeIt("polygonIoU (non-convex 6 x 4)", 100000, () => polygonIoU(ell, b));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await run();
