/**
 * The final perception messages of two replays of the same bag (x86 and arm64): each topic must
 * carry the same number of messages with the same stamps, structure, ids, types and strings, and
 * every number within TOLERANCE (absolute, or relative above 1). Timing topics (debug/, rate_hz,
 * /diagnostics) and the rendered picture are not compared. Exit 1 on any difference beyond it.
 * Usage: tsx scripts/arm64/compare-replay.ts <x86 output bag> <arm64 output bag> [--int8 <x86 FP32 bag>]
 * (`--int8`: the replays ran the INT8 models: numbers within INT8_TOLERANCE, and lane markings, in
 * /perception/lanes and in /perception/frame, compared as geometry (lane-message-geometry.ts): the
 * two CPUs' INT8 markings may differ by no more than x86's INT8 markings differ from x86's FP32
 * ones on the same bag, i.e. within the model's own quantisation error).
 */
import { openBag } from "../../src/bag/open-bag.js";
import {
  type MarkingGeometry,
  describeDifference,
  laneGeometryDifference,
  withinDifference,
} from "./lane-message-geometry.js";

/** Numbers may differ by this much (absolute, or relative to the x86 value when it is above 1): FP32 models agree to ~2e-4 raw. */
export const TOLERANCE = 1e-3;
/**
 * The same for replays on the INT8 models, fixed before comparing: their raw outputs differ by up
 * to ~1 % between the two CPUs (YOLOX-Nano, docs/arm.md) and a box edge may move a pixel, which at
 * 30 m moves a ground position by a few centimetres to decimetres; 5 % (5 cm below 1) allows that.
 * Counts, ids, classes and flags must still be equal.
 */
export const INT8_TOLERANCE = 0.05;
const TOPICS = [
  "/perception/lanes",
  "/perception/crosswalks",
  "/perception/pedestrians",
  "/perception/pedestrians/detections_2d",
  "/perception/objects/detections_2d",
  "/perception/frame",
];

async function read(path: string): Promise<Map<string, unknown[]>> {
  const bag = await openBag(path);
  const out = new Map<string, unknown[]>(TOPICS.map((t) => [t, []]));
  for await (const m of bag.messages({ topics: TOPICS })) {
    if (m.kind !== "message") throw m.error;
    out.get(m.topic)!.push(m.message);
  }
  await bag.close();
  return out;
}

/** Differences between two decoded messages: structural ones as text, numeric ones as the largest scaled difference. */
function diff(
  a: unknown,
  b: unknown,
  path: string,
  found: { structural: string[]; worst: number; where: string },
  skip: (path: string) => boolean,
): void {
  if (skip(path)) return;
  if (typeof a === "number" && typeof b === "number") {
    const d = Math.abs(a - b) / Math.max(1, Math.abs(a));
    if (!(d <= found.worst) && !(Number.isNaN(a) && Number.isNaN(b))) {
      found.worst = Number.isNaN(d) ? Infinity : d;
      found.where = `${path}: ${a} vs ${b}`;
    }
    return;
  }
  if (
    typeof a === "bigint" ||
    typeof a === "string" ||
    typeof a === "boolean" ||
    a === null ||
    a === undefined
  ) {
    if (a !== b) found.structural.push(`${path}: ${String(a)} vs ${String(b)}`);
    return;
  }
  if (ArrayBuffer.isView(a) || Array.isArray(a)) {
    const x = a as ArrayLike<unknown>;
    const y = b as ArrayLike<unknown>;
    if (!y || x.length !== y.length) {
      found.structural.push(`${path}: length ${x.length} vs ${y?.length}`);
      return;
    }
    for (let i = 0; i < x.length; i++) diff(x[i], y[i], `${path}[${i}]`, found, skip);
    return;
  }
  const keys = new Set([...Object.keys(a as object), ...Object.keys((b ?? {}) as object)]);
  for (const k of keys)
    diff(
      (a as Record<string, unknown>)[k],
      (b as Record<string, unknown> | undefined)?.[k],
      `${path}.${k}`,
      found,
      skip,
    );
}

const args = process.argv.slice(2);
const int8At = args.indexOf("--int8");
const fp32Bag = int8At >= 0 ? args[int8At + 1] : undefined;
const int8 = int8At >= 0;
const [x86Bag, armBag] = int8 ? args.filter((_, i) => i !== int8At && i !== int8At + 1) : args;
if (!x86Bag || !armBag || (int8 && !fp32Bag)) {
  console.error(
    "usage: tsx scripts/arm64/compare-replay.ts <x86 output bag> <arm64 output bag> [--int8 <x86 FP32 bag>]",
  );
  process.exit(2);
}
const tolerance = int8 ? INT8_TOLERANCE : TOLERANCE;
/** Where a topic's messages keep their lane markings (compared as geometry with --int8). */
const MARKINGS: Record<string, string> = {
  "/perception/lanes": "markings",
  "/perception/frame": "lanes",
};
const markingsOf = (bag: Map<string, unknown[]>, topic: string): MarkingGeometry[][] =>
  (bag.get(topic) ?? []).map(
    (m) => (m as Record<string, MarkingGeometry[]>)[MARKINGS[topic]!] ?? [],
  );
const skipMarkings = (topic: string) => (path: string) =>
  int8 && MARKINGS[topic] !== undefined && path.endsWith(`].${MARKINGS[topic]}`);
const [x, y, fp32] = await Promise.all([
  read(x86Bag),
  read(armBag),
  fp32Bag ? read(fp32Bag) : undefined,
]);
let failures = 0;
for (const t of TOPICS) {
  const found = { structural: [] as string[], worst: 0, where: "" };
  diff(x.get(t), y.get(t), t, found, skipMarkings(t));
  let ok = found.structural.length === 0 && found.worst <= tolerance;
  if (fp32 && MARKINGS[t]) {
    const cross = laneGeometryDifference(markingsOf(x, t), markingsOf(y, t));
    const quantisation = laneGeometryDifference(markingsOf(fp32, t), markingsOf(x, t));
    const within = withinDifference(cross, quantisation);
    ok &&= within;
    console.log(
      `${t} lane markings as geometry: x86 INT8 vs arm64 INT8 ${describeDifference(cross)}; x86 FP32 vs x86 INT8 ${describeDifference(quantisation)}: ${within ? "within the quantisation error" : "BEYOND the quantisation error"}`,
    );
    for (const n of cross.notes.slice(0, 5)) console.log(`  x86/arm64 ${n}`);
  }
  if (!ok) failures++;
  console.log(
    `${t}: ${x.get(t)!.length} / ${y.get(t)!.length} messages, ${found.structural.length} structural differences, largest numeric difference ${found.worst.toExponential(2)}${found.where ? ` (${found.where})` : ""}: ${ok ? "same" : "DIFFERENT"}`,
  );
  for (const s of found.structural.slice(0, 5)) console.log(`  ${s}`);
}
console.log(
  failures === 0
    ? `final messages agree (numbers within ${tolerance}${int8 ? ", INT8 models" : ""})`
    : `${failures} topics differ`,
);
process.exit(failures === 0 ? 0 : 1);
