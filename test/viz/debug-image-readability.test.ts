/**
 * What a new user must be able to judge in the debug image, checked on the rendered pixels:
 * a solid white line stays visible on white paint (dark outline), map-only crossings are drawn
 * (dashed, projected from base_link) in another colour than detected ones, a legend explains the
 * colours, pixelated people keep their box outline and "person #id range" label, and the status
 * line does not count map-only crossings as seen.
 */
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { CameraGeometry } from "../../src/geometry/camera-geometry.js";
import type { ImageView } from "../../src/image/image-view.js";
import { Crosswalk, LaneMarking } from "../../src/msgs/types.generated.js";
import { crosswalkColor, laneTypeColor, pedestrianColor } from "../../src/viz/colors.js";
import { overlayShapes, renderDebugImage } from "../../src/viz/debug-image.js";
import { crosswalk, frame, lane, pedestrian } from "./fixtures.js";

const W = 640;
const H = 360;
const geometry = CameraGeometry.approximate({
  width: W,
  height: H,
  mountHeight: 1.5,
  pitchRad: 0.1,
});

function solid(value: number): ImageView {
  return {
    width: W,
    height: H,
    step: W * 3,
    format: "rgb8",
    data: new Uint8Array(W * H * 3).fill(value),
  };
}

function stripes(): ImageView {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) data.fill(x % 2 ? 255 : 0, (y * W + x) * 3, (y * W + x) * 3 + 3);
  return { width: W, height: H, step: W * 3, format: "rgb8", data };
}

async function render(
  view: ImageView,
  f: ReturnType<typeof frame>,
  privacy: "none" | "blur_pedestrians" = "none",
): Promise<Buffer> {
  const png = await renderDebugImage(view, f, { privacy, maxWidth: W, format: "png", geometry });
  return (await sharp(Buffer.from(png)).removeAlpha().raw().toBuffer({ resolveWithObject: true }))
    .data;
}

const rgb = (c: { r: number; g: number; b: number }): [number, number, number] => [
  Math.round(c.r * 255),
  Math.round(c.g * 255),
  Math.round(c.b * 255),
];
const px = (data: Buffer, x: number, y: number): [number, number, number] => {
  const i = (y * W + x) * 3;
  return [data[i]!, data[i + 1]!, data[i + 2]!];
};
const near = (a: readonly number[], b: readonly number[], tol = 12): boolean =>
  a.every((v, i) => Math.abs(v - b[i]!) <= tol);
function count(
  data: Buffer,
  color: readonly number[],
  x0 = 0,
  y0 = 0,
  x1 = W,
  y1 = H,
  tol = 12,
): number {
  let n = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) if (near(px(data, x, y), color, tol)) n++;
  return n;
}

describe("debug image readability", () => {
  it("draws a solid white line on white paint with a dark outline", async () => {
    const data = await render(
      solid(250),
      frame(1, { lanes: [lane(LaneMarking.TYPE_SOLID, 1.8)], crosswalks: [], pedestrians: [] }),
    );
    const at = geometry.groundToPixel({ x: 15, y: 1.8, z: 0 })!;
    const row = Math.round(at.v);
    const across = Array.from({ length: 17 }, (_, k) => px(data, Math.round(at.u) - 8 + k, row));
    expect(across.some((p) => p.every((v) => v < 60))).toBe(true); // the outline
    expect(across.some((p) => near(p, rgb(laneTypeColor(LaneMarking.TYPE_SOLID)), 5))).toBe(true); // the white line itself
  });

  it("draws map-only crossings dashed in the map colour and detected ones filled in theirs, and counts only the seen", async () => {
    const mapOnly: Crosswalk = {
      ...crosswalk(12),
      id: 1_000_001,
      confidence: 0,
      map_status: Crosswalk.MAP_STATUS_NOT_SEEN,
      image_polygon: { points: [] },
      map_id: "cw_ghost",
    };
    const seen: Crosswalk = {
      ...crosswalk(25),
      image_polygon: {
        points: [
          { x: 250, y: 330, z: 0 },
          { x: 390, y: 330, z: 0 },
          { x: 380, y: 300, z: 0 },
          { x: 260, y: 300, z: 0 },
        ],
      },
    };
    const f = frame(1, { lanes: [], pedestrians: [], crosswalks: [mapOnly, seen] });
    const data = await render(solid(90), f);
    const magenta = rgb(crosswalkColor(Crosswalk.MAP_STATUS_NOT_SEEN));
    const green = rgb(crosswalkColor(Crosswalk.MAP_STATUS_CONFIRMED));
    // The map-only outline lies where its base_link polygon projects (near edge 12 m ahead).
    const nearEdge = geometry.groundToPixel({ x: 12, y: 0, z: 0 })!;
    expect(
      count(data, magenta, 0, Math.round(nearEdge.v) - 4, W, Math.round(nearEdge.v) + 5),
    ).toBeGreaterThan(20);
    // The detected one: its fill blends green into the grey road; no magenta inside it, no green on the map-only edge.
    const inside = px(data, 320, 315);
    expect(inside[1]).toBeGreaterThan(inside[0]! + 30);
    expect(count(data, magenta, 260, 302, 380, 328)).toBe(0);
    expect(count(data, green, 0, Math.round(nearEdge.v) - 4, W, Math.round(nearEdge.v) + 5)).toBe(
      0,
    );
    const status = overlayShapes(f, W, H, geometry)
      .filter((s) => s.kind === "text")
      .map((s) => (s.kind === "text" ? s.text : ""));
    expect(status.some((t) => t.includes("crosswalks seen 1 (+1 map only)"))).toBe(true);
  });

  it("has a legend strip at the top with every colour it uses", async () => {
    const data = await render(solid(128), frame(1, { lanes: [], crosswalks: [], pedestrians: [] }));
    for (const c of [
      laneTypeColor(LaneMarking.TYPE_DASHED),
      laneTypeColor(LaneMarking.TYPE_DOUBLE_SOLID),
      laneTypeColor(LaneMarking.TYPE_ROAD_EDGE),
      crosswalkColor(Crosswalk.MAP_STATUS_NOT_SEEN),
      pedestrianColor(true),
      pedestrianColor(false),
    ]) {
      expect(count(data, rgb(c), 0, 0, W, 40), JSON.stringify(c)).toBeGreaterThan(3);
    }
    expect(count(data, [128, 128, 128], 0, 60, W, 300, 0)).toBeGreaterThan(W * 200); // below the strip the frame is untouched
    const labels = overlayShapes(frame(1), W, H, geometry)
      .filter((s) => s.kind === "text")
      .map((s) => (s.kind === "text" ? s.text : ""));
    expect(labels).toEqual(
      expect.arrayContaining(["solid", "dashed", "map only", "person in path"]),
    );
  });

  it("keeps a pixelated person's box outline and 'person #id range' label visible", async () => {
    const p = pedestrian(3, 12, 0.5); // box x 100..130, y 40..120, in the ego corridor: red
    p.image_box = { x_offset: 200, y_offset: 120, width: 40, height: 100, do_rectify: false };
    const f = frame(1, { lanes: [], crosswalks: [], pedestrians: [p] });
    const data = await render(stripes(), f, "blur_pedestrians");
    const red = rgb(pedestrianColor(true));
    // The left edge of the box, top to bottom, is the box colour (drawn over the mosaic).
    let edge = 0;
    for (let y = 125; y < 215; y++) if (near(px(data, 200, y), red)) edge++;
    expect(edge).toBe(90);
    // Inside: pixelated (neighbouring columns equal within a block), not stripes.
    let flat = 0;
    for (let x = 206; x < 234; x++) if (near(px(data, x, 170), px(data, x + 1, 170), 2)) flat++;
    expect(flat).toBeGreaterThan(20);
    // The label above the box is drawn in the box colour.
    expect(count(data, red, 200, 100, 360, 119, 40)).toBeGreaterThan(30);
    const label = overlayShapes(f, W, H, geometry).find(
      (s) => s.kind === "text" && s.text.startsWith("person #3"),
    );
    expect(label && label.kind === "text" ? label.text : "").toBe("person #3 12.0 m");
  });
});
