/**
 * The annotated debug image: the camera frame with pedestrians pixelated (unless privacy is off),
 * pedestrian boxes with track ids and ranges, lane markings and crosswalks drawn where the camera
 * geometry projects them, and a status line. The overlay is drawn straight into the RGB pixels
 * (shapes in JavaScript, text from a glyph atlas rasterised once per font size), so no full-frame
 * SVG is rasterised and blended; sharp only encodes (JPEG for the topic, PNG for reports).
 * `overlaySvg` gives the same overlay as SVG.
 */
import sharp from "sharp";
import type { CameraGeometry } from "../geometry/camera-geometry.js";
import type { ImageView } from "../image/image-view.js";
import { toPackedRgb } from "../image/image-view.js";
import {
  Crosswalk,
  LaneMarking,
  type CompressedImage,
  type PerceptionFrame,
} from "../msgs/types.generated.js";
import { crosswalkColor, laneTypeColor, pedestrianColor } from "./colors.js";
import { pixelateRegions } from "./privacy.js";
import { availableParallelism } from "node:os";

// sharp runs libvips on one thread on glibc Linux without jemalloc (its guard against heap
// fragmentation). The debug image's JPEG encode (and the frames' decode) lie on the replay's
// serial path (each step waits for them): two threads nearly halve them on the 2-core target,
// with byte-identical output.
if (sharp.concurrency() < 2) sharp.concurrency(Math.min(2, availableParallelism()));

/** What leaves the node: people pixelated, or the image as it is. */
export type PrivacyMode = "blur_pedestrians" | "none";

export interface DebugImageOptions {
  /** Whether pedestrian regions are pixelated before encoding. */
  privacy: PrivacyMode;
  /** The output is scaled down to at most this width (pixels). */
  maxWidth: number;
  /** Encoding of the result. */
  format: "jpeg" | "png";
  /** JPEG quality, 1..100 (ignored for PNG). */
  jpegQuality?: number;
  /** Projects base_link ground points into the image (lanes); lanes are not drawn without it. */
  geometry?: CameraGeometry;
  /** Extra text for the status line (for example the latency). */
  statusText?: string;
}

function escapeText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** r, g, b in 0..255. */
type Rgb = readonly [number, number, number];
interface Point {
  x: number;
  y: number;
}

/** One element of the overlay, in the image's pixel coordinates (corner convention, as SVG). */
export type OverlayShape =
  /** `outline`: a darker line of `outlineWidth` under the line, so a white line shows on white paint. */
  | {
      kind: "polyline";
      points: Point[];
      color: Rgb;
      width: number;
      dash?: readonly [number, number];
      outline?: Rgb;
      outlineWidth?: number;
    }
  | { kind: "polygon"; points: Point[]; color: Rgb; width: number; fillOpacity: number }
  | { kind: "box"; x: number; y: number; w: number; h: number; color: Rgb; width: number }
  | { kind: "band"; x: number; y: number; w: number; h: number; color: Rgb; opacity: number }
  /** Text with its baseline's left end at (x, y). */
  | {
      kind: "text";
      x: number;
      y: number;
      text: string;
      size: number;
      color: Rgb;
      outline: boolean;
    };

function rgb255(c: { r: number; g: number; b: number }): Rgb {
  return [Math.round(c.r * 255), Math.round(c.g * 255), Math.round(c.b * 255)];
}

const css = (c: Rgb): string => `rgb(${c[0]},${c[1]},${c[2]})`;

/** The overlay for a frame, in the image's pixel coordinates, back to front. */
export function overlayShapes(
  frame: PerceptionFrame,
  width: number,
  height: number,
  geometry: CameraGeometry | undefined,
  statusText = "",
): OverlayShape[] {
  const shapes: OverlayShape[] = [];
  const stroke = Math.max(1, Math.round(width / 400));
  const font = Math.max(10, Math.round(width / 60));
  if (geometry) {
    const ground = { x: 0, y: 0, z: 0 };
    for (const lane of frame.lanes) {
      // The lane's points that project into (or beside) the image.
      const pts: Point[] = [];
      for (const p of lane.points) {
        ground.x = p.x;
        ground.y = p.y;
        const px = geometry.groundToPixel(ground);
        if (px !== undefined && px.u >= -width && px.u <= 2 * width && px.v >= 0 && px.v <= height)
          pts.push({ x: px.u, y: px.v });
      }
      if (pts.length < 2) continue;
      shapes.push({
        kind: "polyline",
        points: pts,
        color: rgb255(laneTypeColor(lane.type)),
        width: stroke * 2,
        outline: LINE_OUTLINE,
        outlineWidth: stroke * 4,
        ...(lane.type === 2 ? { dash: [stroke * 6, stroke * 4] as const } : {}),
      });
    }
  }
  for (const cw of frame.crosswalks) {
    const pts = cw.image_polygon.points;
    if (isDetectedCrosswalk(cw)) {
      // Seen by the camera: filled, in its map-status colour (in the map: green; not in it: orange).
      shapes.push({
        kind: "polygon",
        points: pts.map((p) => ({ x: p.x, y: p.y })),
        color: rgb255(crosswalkColor(cw.map_status)),
        width: stroke * 2,
        fillOpacity: 0.25,
      });
    } else if (geometry) {
      // Only in the HD map: its outline projected from base_link, dashed, unfilled, in the map colour.
      for (const run of projectedOutline(cw.polygon.points, geometry, width, height)) {
        shapes.push({
          kind: "polyline",
          points: run,
          color: MAP_ONLY_CROSSWALK,
          width: stroke * 2,
          dash: [stroke * 5, stroke * 4],
          outline: LINE_OUTLINE,
          outlineWidth: stroke * 4,
        });
      }
    }
  }
  for (const p of frame.pedestrians) {
    const b = p.image_box;
    if (b.width <= 0 || b.height <= 0) continue;
    const color = rgb255(pedestrianColor(p.in_ego_corridor));
    shapes.push({
      kind: "box",
      x: b.x_offset,
      y: b.y_offset,
      w: b.width,
      h: b.height,
      color,
      width: stroke * 2,
    });
    // Drawn after the pixelation: the outline and "person #id range" stay readable over private pixels.
    const label = `person ${p.track_id > 0 ? `#${p.track_id} ` : ""}${p.range.toFixed(1)} m`;
    shapes.push({
      kind: "text",
      x: b.x_offset,
      y: Math.max(font, b.y_offset - 3),
      text: label,
      size: font,
      color,
      outline: true,
    });
  }
  shapes.push(...legendShapes(font, width));
  const seen = frame.crosswalks.filter(isDetectedCrosswalk).length;
  const mapOnly = frame.crosswalks.length - seen;
  const status = `${frame.header.stamp.sec}.${String(frame.header.stamp.nanosec).padStart(9, "0").slice(0, 3)}  lanes ${frame.lanes.length}  crosswalks seen ${seen}${mapOnly ? ` (+${mapOnly} map only)` : ""}  pedestrians ${frame.pedestrians.length}${statusText ? "  " + statusText : ""}${frame.status ? "  " + frame.status : ""}`;
  shapes.push({
    kind: "band",
    x: 0,
    y: height - font - 8,
    w: width,
    h: font + 8,
    color: [0, 0, 0],
    opacity: 0.55,
  });
  shapes.push({
    kind: "text",
    x: 6,
    y: height - 6,
    text: status,
    size: font,
    color: [255, 255, 255],
    outline: false,
  });
  return shapes;
}

/** Dark edge under lines (lanes, map-only crossings) so they stand out on white paint and bright road. */
const LINE_OUTLINE: Rgb = [20, 20, 20];
/** Crossings only in the HD map (not seen): dashed magenta outline, never filled. */
const MAP_ONLY_CROSSWALK: Rgb = rgb255(crosswalkColor(Crosswalk.MAP_STATUS_NOT_SEEN));

/** A crossing the camera saw (map-only entries have confidence 0 and no image polygon). */
export function isDetectedCrosswalk(cw: Crosswalk): boolean {
  return cw.confidence > 0 && cw.image_polygon.points.length >= 3;
}

/**
 * A base_link ground polygon's outline in the image: each edge sampled 16 times and projected;
 * the runs of consecutive samples that land in front of the camera and near the image (a crossing
 * partly behind the camera gives the visible part only).
 */
function projectedOutline(
  points: readonly { x: number; y: number }[],
  geometry: CameraGeometry,
  width: number,
  height: number,
): Point[][] {
  const runs: Point[][] = [];
  let run: Point[] = [];
  const g = { x: 0, y: 0, z: 0 };
  for (let k = 0; k < points.length; k++) {
    const a = points[k]!;
    const b = points[(k + 1) % points.length]!;
    for (let i = 0; i <= 16; i++) {
      g.x = a.x + ((b.x - a.x) * i) / 16;
      g.y = a.y + ((b.y - a.y) * i) / 16;
      const px = geometry.groundToPixel(g);
      if (px && px.u >= -width && px.u <= 2 * width && px.v >= -height && px.v <= 2 * height)
        run.push({ x: px.u, y: px.v });
      else if (run.length) {
        if (run.length >= 2) runs.push(run);
        run = [];
      }
    }
  }
  if (run.length >= 2) runs.push(run);
  return runs;
}

/**
 * The legend: a strip along the top (wrapped to the image width) saying what each colour and line
 * style means, kept short so it covers sky, not road.
 */
function legendShapes(font: number, width: number): OverlayShape[] {
  const size = Math.max(9, Math.round(font * 0.8));
  const line = size + 5;
  const swatch = Math.round(size * 1.6);
  const cell = Math.ceil(size * 0.62) + 1;
  const entries: { label: string; color: Rgb; style: "line" | "dash" | "fill" | "box" }[] = [
    { label: "solid", color: rgb255(laneTypeColor(LaneMarking.TYPE_SOLID)), style: "line" },
    { label: "dashed", color: rgb255(laneTypeColor(LaneMarking.TYPE_DASHED)), style: "dash" },
    { label: "double", color: rgb255(laneTypeColor(LaneMarking.TYPE_DOUBLE_SOLID)), style: "line" },
    { label: "edge", color: rgb255(laneTypeColor(LaneMarking.TYPE_ROAD_EDGE)), style: "line" },
    {
      label: "crossing seen+mapped",
      color: rgb255(crosswalkColor(Crosswalk.MAP_STATUS_CONFIRMED)),
      style: "fill",
    },
    {
      label: "seen, not mapped",
      color: rgb255(crosswalkColor(Crosswalk.MAP_STATUS_UNMAPPED)),
      style: "fill",
    },
    { label: "map only", color: MAP_ONLY_CROSSWALK, style: "dash" },
    { label: "person in path", color: rgb255(pedestrianColor(true)), style: "box" },
    { label: "person", color: rgb255(pedestrianColor(false)), style: "box" },
  ];
  const items: OverlayShape[] = [];
  let x = 6;
  let row = 0;
  for (const e of entries) {
    const w = swatch + 4 + e.label.length * cell + 10;
    if (x + w > width && x > 6) {
      x = 6;
      row++;
    }
    const y = 3 + row * line;
    const mid = y + line / 2;
    if (e.style === "line" || e.style === "dash") {
      items.push({
        kind: "polyline",
        points: [
          { x, y: mid },
          { x: x + swatch, y: mid },
        ],
        color: e.color,
        width: 3,
        ...(e.style === "dash" ? { dash: [4, 3] as const } : {}),
      });
    } else if (e.style === "fill") {
      items.push({
        kind: "band",
        x,
        y: y + 2,
        w: swatch,
        h: line - 4,
        color: e.color,
        opacity: 0.7,
      });
    } else {
      items.push({
        kind: "box",
        x: x + 1,
        y: y + 3,
        w: swatch - 2,
        h: line - 6,
        color: e.color,
        width: 2,
      });
    }
    items.push({
      kind: "text",
      x: x + swatch + 4,
      y: y + size + 1,
      text: e.label,
      size,
      color: [255, 255, 255],
      outline: false,
    });
    x += w;
  }
  return [
    { kind: "band", x: 0, y: 0, w: width, h: (row + 1) * line + 5, color: [0, 0, 0], opacity: 0.6 },
    ...items,
  ];
}

function textSvg(
  t: Extract<OverlayShape, { kind: "text" }>,
  x = t.x,
  y = t.y,
  size = t.size,
): string {
  const outline = t.outline ? ` stroke="black" stroke-width="0.5"` : "";
  return `<text x="${x}" y="${y}" font-family="sans-serif" font-size="${size}" fill="${css(t.color)}"${outline}>${escapeText(t.text)}</text>`;
}

/** The overlay as SVG, in the image's pixel coordinates (scaled to `outWidth` by its viewBox). */
export function overlaySvg(
  frame: PerceptionFrame,
  width: number,
  height: number,
  geometry: CameraGeometry | undefined,
  statusText = "",
  outWidth = width,
): string {
  const parts = overlayShapes(frame, width, height, geometry, statusText).map((s) => {
    switch (s.kind) {
      case "polyline": {
        const dash = s.dash ? ` stroke-dasharray="${s.dash[0]},${s.dash[1]}"` : "";
        const pts = s.points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
        const under = s.outline
          ? `<polyline points="${pts}" fill="none" stroke="${css(s.outline)}" stroke-width="${s.outlineWidth ?? s.width * 2}" class="outline"/>`
          : "";
        return `${under}<polyline points="${pts}" fill="none" stroke="${css(s.color)}" stroke-width="${s.width}"${dash}/>`;
      }
      case "polygon":
        return `<polygon points="${s.points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ")}" fill="${css(s.color)}" fill-opacity="${s.fillOpacity}" stroke="${css(s.color)}" stroke-width="${s.width}"/>`;
      case "box":
        return `<rect x="${s.x}" y="${s.y}" width="${s.w}" height="${s.h}" fill="none" stroke="${css(s.color)}" stroke-width="${s.width}"/>`;
      case "band":
        return `<rect x="${s.x}" y="${s.y}" width="${s.w}" height="${s.h}" fill="${css(s.color)}" fill-opacity="${s.opacity}"/>`;
      case "text":
        return textSvg(s);
    }
  });
  const outHeight = Math.round((height * outWidth) / width);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${outWidth}" height="${outHeight}" viewBox="0 0 ${width} ${height}">${parts.join("")}</svg>`;
}

/**
 * `Math.round(v + (c - v) * a)` for every byte v of each channel of one colour c and one opacity a:
 * blending a pixel becomes three table reads (bytes are the only inputs, so the results are the
 * same numbers). Rebuilt only when the colour or opacity changes (a polygon fills row by row with
 * one of each).
 */
class FillBlend {
  #c0 = NaN;
  #c1 = NaN;
  #c2 = NaN;
  #a = NaN;
  readonly #table = new Uint8Array(768);

  /** Entries [256 * channel + v]. */
  table(c: Rgb, a: number): Uint8Array {
    if (!(c[0] === this.#c0 && c[1] === this.#c1 && c[2] === this.#c2 && a === this.#a)) {
      for (let ch = 0; ch < 3; ch++) {
        const cc = c[ch]!;
        for (let v = 0; v < 256; v++) this.#table[256 * ch + v] = Math.round(v + (cc - v) * a);
      }
      // (-0 and 0 give the same table; a NaN never matches, so its table is rebuilt: still right.)
      this.#c0 = c[0];
      this.#c1 = c[1];
      this.#c2 = c[2];
      this.#a = a;
    }
    return this.#table;
  }
}

const fillBlend = new FillBlend();

/**
 * Glyph blending as table reads: for one channel value c of a text colour (and the shadow's 0.8
 * opacity or not), entry [alpha * 256 + v] is the byte `drawOverlayText` stores for a pixel of
 * value v under glyph coverage alpha: Math.round(v + (c - v) * f), f the coverage as it computes
 * it. Entries are computed on first use (UNSET until then: text meets few background values);
 * tables are kept for the process (a handful of colours; all dropped past 64).
 */
class GlyphBlend {
  static readonly UNSET = 0xffff;
  readonly #table = new Uint16Array(256 * 256).fill(GlyphBlend.UNSET);

  constructor(
    readonly c: number,
    readonly shadow: boolean,
  ) {}

  /** The blended byte of value v under coverage alpha (0..255). */
  blend(alpha: number, v: number): number {
    const k = alpha * 256 + v;
    let out = this.#table[k]!;
    if (out === GlyphBlend.UNSET) {
      const f = this.shadow ? (alpha * 0.8) / 255 : alpha / 255;
      // `& 255` is the byte a Uint8Array keeps of the rounded value.
      out = this.#table[k] = Math.round(v + (this.c - v) * f) & 255;
    }
    return out;
  }
}

const glyphBlends = [new Map<number, GlyphBlend>(), new Map<number, GlyphBlend>()];

function glyphBlend(c: number, shadow: boolean): GlyphBlend {
  const byValue = glyphBlends[shadow ? 1 : 0]!;
  // (Map keys take -0 as 0, which gives the same table.)
  let t = byValue.get(c);
  if (!t) {
    if (byValue.size >= 64) byValue.clear();
    byValue.set(c, (t = new GlyphBlend(c, shadow)));
  }
  return t;
}

/** A packed RGB buffer being drawn into. */
interface Canvas {
  rgb: Uint8Array;
  width: number;
  height: number;
}

// The drawing primitives are module functions, not closures made per call: a closure made anew on
// every frame was optimised anew on every frame (V8 recompiled each of them once per debug image).

/** Pixels with centres in [x0, x1) x [y0, y1). */
function fillRect(cv: Canvas, x0: number, y0: number, x1: number, y1: number, c: Rgb, a = 1): void {
  const { rgb, width, height } = cv;
  const xa = Math.max(0, Math.ceil(x0 - 0.5));
  const xb = Math.min(width, Math.ceil(x1 - 0.5));
  const ya = Math.max(0, Math.ceil(y0 - 0.5));
  const yb = Math.min(height, Math.ceil(y1 - 0.5));
  if (xa >= xb || ya >= yb) return;
  if (a >= 1) {
    for (let y = ya; y < yb; y++) {
      for (let x = xa, i = (y * width + xa) * 3; x < xb; x++, i += 3) {
        rgb[i] = c[0];
        rgb[i + 1] = c[1];
        rgb[i + 2] = c[2];
      }
    }
    return;
  }
  // Translucent: each channel through its table (the same rounding as blending pixel by pixel).
  // A grey colour has one table for all three channels: the row's bytes in one run.
  const table = fillBlend.table(c, a);
  const grey = c[0] === c[1] && c[1] === c[2];
  for (let y = ya; y < yb; y++) {
    const start = (y * width + xa) * 3;
    const end = (y * width + xb) * 3;
    if (grey) {
      for (let i = start; i < end; i++) rgb[i] = table[rgb[i]!]!;
    } else {
      for (let i = start; i < end; i += 3) {
        rgb[i] = table[rgb[i]!]!;
        rgb[i + 1] = table[256 + rgb[i + 1]!]!;
        rgb[i + 2] = table[512 + rgb[i + 2]!]!;
      }
    }
  }
}

/**
 * A thick segment with butt ends (as SVG's default caps), drawn along its major axis: per column
 * (or row) the span of pixel centres within the stroke. `dash` [on, off] along the path from arc
 * length s0. Work is proportional to the stroke's area, not to the segment's bounding box.
 */
function segment(
  cv: Canvas,
  p: Point,
  q: Point,
  w: number,
  c: Rgb,
  dash?: readonly [number, number],
  s0 = 0,
): void {
  const { rgb, width, height } = cv;
  const dx = q.x - p.x;
  const dy = q.y - p.y;
  const len = Math.hypot(dx, dy);
  if (len === 0) return;
  const period = dash ? dash[0] + dash[1] : 0;
  const xMajor = Math.abs(dx) >= Math.abs(dy);
  // Along the major axis a (x or y), the minor coordinate b at the stroke's centre, and the
  // stroke's half extent along b.
  const pa = xMajor ? p.x : p.y;
  const pb = xMajor ? p.y : p.x;
  const da = xMajor ? dx : dy;
  const db = xMajor ? dy : dx;
  const nA = xMajor ? width : height;
  const nB = xMajor ? height : width;
  const half = ((w / 2) * len) / Math.abs(da);
  const a0 = Math.max(0, Math.ceil(Math.min(pa, pa + da) - 0.5));
  const a1 = Math.min(nA - 1, Math.floor(Math.max(pa, pa + da) - 0.5));
  for (let ia = a0; ia <= a1; ia++) {
    const t = (ia + 0.5 - pa) / da;
    if (dash && (s0 + t * len) % period >= dash[0]) continue;
    const bc = pb + t * db;
    const b0 = Math.max(0, Math.ceil(bc - half - 0.5));
    const b1 = Math.min(nB - 1, Math.floor(bc + half - 0.5));
    for (let ib = b0; ib <= b1; ib++) {
      const i = xMajor ? (ib * width + ia) * 3 : (ia * width + ib) * 3;
      rgb[i] = c[0];
      rgb[i + 1] = c[1];
      rgb[i + 2] = c[2];
    }
  }
}

function polyline(
  cv: Canvas,
  pts: readonly Point[],
  w: number,
  c: Rgb,
  dash?: readonly [number, number],
  closed = false,
): void {
  let s = 0;
  const n = closed ? pts.length : pts.length - 1;
  for (let k = 0; k < n; k++) {
    const p = pts[k]!;
    const q = pts[(k + 1) % pts.length]!;
    segment(cv, p, q, w, c, dash, s);
    s += Math.hypot(q.x - p.x, q.y - p.y);
  }
}

const ascending = (u: number, v: number): number => u - v;

/** Even-odd fill of a polygon, pixel centres. */
function fillPolygon(cv: Canvas, pts: readonly Point[], c: Rgb, a: number): void {
  const ys: number[] = [];
  for (const p of pts) ys.push(p.y);
  const ya = Math.max(0, Math.ceil(Math.min(...ys) - 0.5));
  const yb = Math.min(cv.height - 1, Math.floor(Math.max(...ys) - 0.5));
  const xs: number[] = [];
  for (let y = ya; y <= yb; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (let k = 0; k < pts.length; k++) {
      const p = pts[k]!;
      const q = pts[(k + 1) % pts.length]!;
      if ((p.y <= cy && q.y > cy) || (q.y <= cy && p.y > cy))
        xs.push(p.x + ((cy - p.y) / (q.y - p.y)) * (q.x - p.x));
    }
    xs.sort(ascending);
    for (let k = 0; k + 1 < xs.length; k += 2) fillRect(cv, xs[k]!, y, xs[k + 1]!, y + 1, c, a);
  }
}

/** The points times k. */
function scaled(pts: readonly Point[], k: number): Point[] {
  const out: Point[] = [];
  for (const p of pts) out.push({ x: p.x * k, y: p.y * k });
  return out;
}

/**
 * Draws the overlay's shapes (all but text) into a packed RGB buffer in place, with image
 * coordinates multiplied by `scale` (output pixels per image pixel): opaque strokes, translucent
 * fills blended. A pixel is covered when its centre is inside the shape.
 */
export function drawOverlayShapes(
  rgb: Uint8Array,
  width: number,
  height: number,
  shapes: readonly OverlayShape[],
  scale = 1,
): void {
  const cv: Canvas = { rgb, width, height };
  const k = scale;
  for (const s of shapes) {
    switch (s.kind) {
      case "polyline":
        if (s.outline)
          polyline(cv, scaled(s.points, k), (s.outlineWidth ?? s.width * 2) * k, s.outline);
        polyline(
          cv,
          scaled(s.points, k),
          s.width * k,
          s.color,
          s.dash ? [s.dash[0] * k, s.dash[1] * k] : undefined,
        );
        break;
      case "polygon": {
        const pts = scaled(s.points, k);
        fillPolygon(cv, pts, s.color, s.fillOpacity);
        polyline(cv, pts, s.width * k, s.color, undefined, true);
        break;
      }
      case "box": {
        // The stroke is centred on the box's edges, as SVG's.
        const h = (s.width * k) / 2;
        const [x0, y0, x1, y1] = [s.x * k, s.y * k, (s.x + s.w) * k, (s.y + s.h) * k];
        fillRect(cv, x0 - h, y0 - h, x1 + h, y0 + h, s.color);
        fillRect(cv, x0 - h, y1 - h, x1 + h, y1 + h, s.color);
        fillRect(cv, x0 - h, y0 + h, x0 + h, y1 - h, s.color);
        fillRect(cv, x1 - h, y0 + h, x1 + h, y1 - h, s.color);
        break;
      }
      case "band":
        fillRect(cv, s.x * k, s.y * k, (s.x + s.w) * k, (s.y + s.h) * k, s.color, s.opacity);
        break;
      case "text":
        break;
    }
  }
}

/** Printable ASCII rendered once per font size (monospace cells); other characters print as '?'. */
interface GlyphAtlas {
  /** Advance and cell width, pixels. */
  cell: number;
  /** Cell height, pixels. */
  height: number;
  /** Baseline row within a cell. */
  ascent: number;
  /** Coverage 0..255, (95 * cell) x height. */
  alpha: Uint8Array;
  /**
   * The covered pixels of each glyph's cell (alpha > 0, row by row): glyph g's are entries
   * inkStart[g] .. inkStart[g + 1] - 1 of inkRow / inkCol (within the cell) and inkAlpha. Text
   * drawing visits these only, not the blank rest of the cells.
   */
  inkStart: Int32Array;
  inkRow: Uint8Array;
  inkCol: Uint8Array;
  inkAlpha: Uint8Array;
}

/** The covered pixels of each glyph cell of an atlas's coverage (see `GlyphAtlas`). */
function glyphInk(
  alpha: Uint8Array,
  cell: number,
  height: number,
): Pick<GlyphAtlas, "inkStart" | "inkRow" | "inkCol" | "inkAlpha"> {
  const aw = GLYPHS * cell;
  let total = 0;
  for (let i = 0; i < aw * height; i++) if (alpha[i]) total++;
  const inkStart = new Int32Array(GLYPHS + 1);
  const inkRow = new Uint8Array(total);
  const inkCol = new Uint8Array(total);
  const inkAlpha = new Uint8Array(total);
  let k = 0;
  for (let g = 0; g < GLYPHS; g++) {
    inkStart[g] = k;
    for (let r = 0; r < height; r++) {
      for (let q = 0; q < cell; q++) {
        const a = alpha[r * aw + g * cell + q]!;
        if (a === 0) continue;
        inkRow[k] = r;
        inkCol[k] = q;
        inkAlpha[k++] = a;
      }
    }
  }
  inkStart[GLYPHS] = k;
  return { inkStart, inkRow, inkCol, inkAlpha };
}

const FIRST_GLYPH = 32;
const GLYPHS = 95;
const atlases = new Map<number, Promise<GlyphAtlas>>();

/** The glyphs at a font size, rasterised by sharp (librsvg) on first use. */
function glyphAtlas(size: number): Promise<GlyphAtlas> {
  let atlas = atlases.get(size);
  if (!atlas) {
    const cell = Math.ceil(size * 0.62) + 1;
    const height = Math.ceil(size * 1.3);
    const ascent = Math.ceil(size);
    const texts: string[] = [];
    for (let g = 0; g < GLYPHS; g++) {
      const ch = String.fromCharCode(FIRST_GLYPH + g);
      if (ch !== " ") texts.push(`<text x="${g * cell}" y="${ascent}">${escapeText(ch)}</text>`);
    }
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${GLYPHS * cell}" height="${height}"><g font-family="monospace" font-size="${size}" fill="white">${texts.join("")}</g></svg>`;
    atlas = sharp(Buffer.from(svg))
      .ensureAlpha()
      .extractChannel(3)
      .raw()
      .toBuffer()
      .then((buffer) => {
        const alpha = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
        return { cell, height, ascent, alpha, ...glyphInk(alpha, cell, height) };
      });
    atlases.set(size, atlas);
  }
  return atlas;
}

/** One line of text from the atlas's glyphs, blended into the canvas with its top-left cell corner at (left, top). */
function blitText(
  cv: Canvas,
  atlas: GlyphAtlas,
  text: string,
  left: number,
  top: number,
  c: Rgb,
  shadow: boolean,
): void {
  const { rgb, width, height } = cv;
  const { inkStart, inkRow, inkCol, inkAlpha } = atlas;
  const t0 = glyphBlend(c[0], shadow);
  const t1 = glyphBlend(c[1], shadow);
  const t2 = glyphBlend(c[2], shadow);
  for (let n = 0; n < text.length; n++) {
    let code = text.charCodeAt(n) - FIRST_GLYPH;
    if (code < 0 || code >= GLYPHS) code = "?".charCodeAt(0) - FIRST_GLYPH;
    const gx = left + n * atlas.cell;
    if (gx >= width) break;
    // Each covered pixel of the glyph's cell once (cells do not overlap: the order does not matter).
    for (let k = inkStart[code]!; k < inkStart[code + 1]!; k++) {
      const y = top + inkRow[k]!;
      const x = gx + inkCol[k]!;
      if (y < 0 || y >= height || x < 0 || x >= width) continue;
      const a = inkAlpha[k]!;
      const i = (y * width + x) * 3;
      rgb[i] = t0.blend(a, rgb[i]!);
      rgb[i + 1] = t1.blend(a, rgb[i + 1]!);
      rgb[i + 2] = t2.blend(a, rgb[i + 2]!);
    }
  }
}

/** Draws the overlay's text into a packed RGB buffer (coordinates times `scale`), outlined text with a dark shadow. */
async function drawOverlayText(
  rgb: Uint8Array,
  width: number,
  height: number,
  shapes: readonly OverlayShape[],
  scale: number,
): Promise<void> {
  for (const s of shapes) {
    if (s.kind !== "text") continue;
    const atlas = await glyphAtlas(Math.max(6, Math.round(s.size * scale)));
    const left = Math.round(s.x * scale);
    const top = Math.round(s.y * scale) - atlas.ascent;
    const cv: Canvas = { rgb, width, height };
    if (s.outline) blitText(cv, atlas, s.text, left + 1, top + 1, [0, 0, 0], true);
    blitText(cv, atlas, s.text, left, top, s.color, false);
  }
}

/**
 * Frame-sized RGB buffers that renders copy the frame into (pixelation and the overlay draw into the
 * copy): a render takes one and gives it back once its encode has finished, so renders in flight
 * never share one. At most two are kept.
 */
const spareFrames: Uint8Array[] = [];

function takeFrameBuffer(size: number): Uint8Array {
  const i = spareFrames.findIndex((b) => b.length === size);
  return i >= 0 ? spareFrames.splice(i, 1)[0]! : new Uint8Array(size);
}

function giveBackFrameBuffer(buffer: Uint8Array): void {
  if (spareFrames.length >= 2) spareFrames.shift();
  spareFrames.push(buffer);
}

/** Encodes the annotated image. The input view is never modified (pixelation works on a copy). */
export async function renderDebugImage(
  view: ImageView,
  frame: PerceptionFrame,
  options: DebugImageOptions,
): Promise<Uint8Array> {
  const packed = toPackedRgb(view);
  const size = packed.width * packed.height * 3;
  // Too few bytes: a plain copy of what there is (sharp refuses it, as it always did).
  if (packed.data.length < size)
    return renderInto(
      new Uint8Array(packed.data.subarray(0, size)),
      packed.width,
      packed.height,
      frame,
      options,
    );
  const copy = takeFrameBuffer(size);
  try {
    copy.set(packed.data.subarray(0, size));
    return await renderInto(copy, packed.width, packed.height, frame, options);
  } finally {
    giveBackFrameBuffer(copy);
  }
}

/** `renderDebugImage` on a packed RGB copy of the frame (drawn into). */
async function renderInto(
  copy: Uint8Array,
  width: number,
  height: number,
  frame: PerceptionFrame,
  options: DebugImageOptions,
): Promise<Uint8Array> {
  let rgb = copy;
  if (options.privacy === "blur_pedestrians") {
    pixelateRegions(
      rgb,
      width,
      height,
      frame.pedestrians.map((p) => p.image_box),
    );
  }
  // Scaled first (pixelated already), then the overlay is drawn straight into the output pixels:
  // no full-frame SVG is rasterised and blended.
  const outWidth = Math.min(width, options.maxWidth);
  const outHeight =
    outWidth < width ? Math.max(1, Math.round((height * outWidth) / width)) : height;
  if (outWidth < width) {
    const scaled = await sharp(rgb, { raw: { width, height, channels: 3 } })
      .resize({ width: outWidth, height: outHeight, fit: "fill" })
      .raw()
      .toBuffer();
    rgb = new Uint8Array(scaled.buffer, scaled.byteOffset, scaled.byteLength);
  }
  const scale = outWidth / width;
  const shapes = overlayShapes(frame, width, height, options.geometry, options.statusText);
  drawOverlayShapes(rgb, outWidth, outHeight, shapes, scale);
  await drawOverlayText(rgb, outWidth, outHeight, shapes, scale);
  const img = sharp(rgb, { raw: { width: outWidth, height: outHeight, channels: 3 } });
  // Standard Huffman tables: optimised ones make the JPEG ~8 % smaller (same pixels) but take twice
  // the encode time, which lies on the replay's serial path.
  const out =
    options.format === "png"
      ? await img.png().toBuffer()
      : await img.jpeg({ quality: options.jpegQuality ?? 75, optimiseCoding: false }).toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The debug image as a sensor_msgs/CompressedImage with the frame's header (stamp = the camera frame's, frame_id = the camera's). */
export function debugImageMessage(
  frameIdOfCamera: string,
  frame: PerceptionFrame,
  bytes: Uint8Array,
  format: "jpeg" | "png",
): CompressedImage {
  return { header: { stamp: frame.header.stamp, frame_id: frameIdOfCamera }, format, data: bytes };
}
