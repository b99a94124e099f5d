import { PerceptionError } from "../core/errors.js";
import { nsToTime, timeToNs, timeToSec, type Time } from "../core/time.js";
import type { TFMessage, TransformStamped } from "../msgs/types.generated.js";
import { normQuat } from "./quaternion.js";
import { composeTransforms, identityTransform, interpolateTransforms, invertTransform, isFiniteTransform, normalizeTransform } from "./transform.js";
import type { Transform } from "./types.js";

/** Something the buffer noticed while inserting; the data goes on, the event says what happened. */
export type TfBufferEvent =
  /** A transform with NaN/Inf values or a zero quaternion was dropped. */
  | { kind: "rejected"; error: PerceptionError }
  /**
   * A dynamic stamp went back further than `timeJumpToleranceSec` (a looping bag, a restarted
   * publisher): every dynamic transform was dropped; statics are kept.
   */
  | { kind: "time_jump"; frame: string; previous: Time; stamp: Time; backSec: number }
  /** A frame got a new parent; its old history was dropped. */
  | { kind: "reparented"; frame: string; oldParent: string; newParent: string };

/** Options of `TfBuffer`. */
export interface TfBufferOptions {
  /** How many seconds of dynamic transforms each frame keeps, back from its newest; default 10 (tf2's default). */
  cacheSeconds?: number;
  /**
   * A lookup may be this many seconds outside a frame's samples and still get the nearest sample
   * (held, not extrapolated); default 0 (tf2: no extrapolation).
   */
  maxExtrapolationSec?: number;
  /** Out-of-order stamps up to this many seconds older than a frame's newest are inserted; older ones clear the dynamic cache. Default 1. */
  timeJumpToleranceSec?: number;
  /** Called for each event (also counted in `stats`). */
  onEvent?: (event: TfBufferEvent) => void;
}

/** Counters of what the buffer has seen. */
export interface TfBufferStats {
  /** Transforms inserted (static and dynamic). */
  inserted: number;
  /** Transforms rejected at insert (non-finite values, zero quaternion, empty or self-referencing frame ids). */
  rejected: number;
  /** Times the dynamic cache was cleared because time went backwards. */
  timeJumps: number;
  /** Frames that changed parent. */
  reparented: number;
}

/** The result of `tryLookup`. */
export type TfLookupResult = { kind: "ok"; transform: Transform } | { kind: "error"; error: PerceptionError };

interface Sample {
  ns: bigint;
  transform: Transform;
}

interface FrameLink {
  parent: string;
  /** Set for static links. */
  static?: Transform;
  /** Dynamic samples, oldest first. */
  samples: Sample[];
}

/** tf2 frame ids have no leading slash. */
function frameName(id: string): string {
  return id.startsWith("/") ? id.slice(1) : id;
}

function fmtTime(ns: bigint): string {
  return timeToSec(nsToTime(ns)).toFixed(9);
}

/**
 * A tf2-style transform buffer fed with /tf and /tf_static messages: a forest of frames, each with
 * one parent; statics valid at all times; dynamic transforms interpolated (translation linearly,
 * rotation by slerp) at the requested stamp. `lookup(target, source, time)` returns
 * `targetFromSource` (p_target = T * p_source). A zero time means "the latest time all links of
 * the chain have".
 */
export class TfBuffer {
  readonly #links = new Map<string, FrameLink>();
  /** Frames seen only as parents (roots, usually `map`). */
  readonly #parentsOnly = new Set<string>();
  readonly #cacheNs: bigint;
  readonly #toleranceNs: bigint;
  readonly #jumpNs: bigint;
  readonly #onEvent: ((e: TfBufferEvent) => void) | undefined;
  readonly stats: TfBufferStats = { inserted: 0, rejected: 0, timeJumps: 0, reparented: 0 };

  constructor(o: TfBufferOptions = {}) {
    this.#cacheNs = BigInt(Math.round((o.cacheSeconds ?? 10) * 1e9));
    this.#toleranceNs = BigInt(Math.round((o.maxExtrapolationSec ?? 0) * 1e9));
    this.#jumpNs = BigInt(Math.round((o.timeJumpToleranceSec ?? 1) * 1e9));
    this.#onEvent = o.onEvent;
  }

  /** Inserts every transform of a /tf (isStatic false) or /tf_static (true) message. Bad ones are counted and skipped. */
  addMessage(msg: TFMessage, isStatic: boolean): void {
    for (const t of msg.transforms) this.addTransform(t, isStatic);
  }

  /** Inserts one transform (parent = header.frame_id, child = child_frame_id). */
  addTransform(t: TransformStamped, isStatic: boolean): void {
    const parent = frameName(t.header.frame_id);
    const child = frameName(t.child_frame_id);
    const problem = !parent || !child
      ? `empty frame id (parent "${parent}", child "${child}")`
      : parent === child
        ? `frame "${child}" cannot be its own parent`
        : !isFiniteTransform(t.transform)
          ? `non-finite transform ${parent} -> ${child}: translation (${t.transform.translation.x}, ${t.transform.translation.y}, ${t.transform.translation.z}), rotation (${t.transform.rotation.x}, ${t.transform.rotation.y}, ${t.transform.rotation.z}, ${t.transform.rotation.w})`
          : !(normQuat(t.transform.rotation) > 1e-6)
            ? `zero quaternion in transform ${parent} -> ${child}`
            : "";
    if (problem) {
      this.stats.rejected++;
      this.#emit({ kind: "rejected", error: new PerceptionError("tf", `rejected transform: ${problem}`, { parent, child, stamp: timeToSec(t.header.stamp).toFixed(9), static: String(isStatic) }) });
      return;
    }
    const transform = normalizeTransform(t.transform);
    let link = this.#links.get(child);
    if (link && link.parent !== parent) {
      this.stats.reparented++;
      this.#emit({ kind: "reparented", frame: child, oldParent: link.parent, newParent: parent });
      link = undefined;
    }
    if (!link) {
      link = { parent, samples: [] };
      this.#links.set(child, link);
    }
    this.#parentsOnly.delete(child);
    if (!this.#links.has(parent)) this.#parentsOnly.add(parent);
    this.stats.inserted++;
    if (isStatic) {
      link.static = transform;
      link.samples = [];
      return;
    }
    link.static = undefined;
    const ns = timeToNs(t.header.stamp);
    const newest = link.samples.length > 0 ? link.samples[link.samples.length - 1]!.ns : undefined;
    if (newest !== undefined && newest - ns > this.#jumpNs) {
      this.stats.timeJumps++;
      this.#emit({ kind: "time_jump", frame: child, previous: nsToTime(newest), stamp: { ...t.header.stamp }, backSec: Number(newest - ns) / 1e9 });
      this.clearDynamic();
    }
    insertSorted(link.samples, { ns, transform });
    const cutoff = link.samples[link.samples.length - 1]!.ns - this.#cacheNs;
    let drop = 0;
    while (drop < link.samples.length - 1 && link.samples[drop]!.ns < cutoff) drop++;
    if (drop > 0) link.samples.splice(0, drop);
  }

  /** Drops every dynamic transform (statics stay). */
  clearDynamic(): void {
    for (const link of this.#links.values()) if (!link.static) link.samples = [];
  }

  /** Every known frame id, sorted. */
  frames(): string[] {
    return [...new Set([...this.#links.keys(), ...this.#parentsOnly])].sort();
  }

  /** The parent of a frame, or undefined for roots and unknown frames. */
  parentOf(frame: string): string | undefined {
    return this.#links.get(frameName(frame))?.parent;
  }

  /** True when lookup(target, source, time) would succeed. */
  canTransform(target: string, source: string, time: Time): boolean {
    return this.tryLookup(target, source, time).kind === "ok";
  }

  /** Like lookup, without throwing. */
  tryLookup(target: string, source: string, time: Time): TfLookupResult {
    try {
      return { kind: "ok", transform: this.lookup(target, source, time) };
    } catch (err) {
      if (err instanceof PerceptionError) return { kind: "error", error: err };
      throw err;
    }
  }

  /**
   * targetFromSource at `time` (p_target = T * p_source). Throws a `tf` PerceptionError for an
   * unknown frame (listing the known ones), frames in disconnected trees, and extrapolation into
   * the past or future (saying by how much).
   */
  lookup(target: string, source: string, time: Time): Transform {
    const tgt = frameName(target);
    const src = frameName(source);
    const ctx = { target: tgt, source: src };
    for (const f of [tgt, src]) {
      if (!this.#links.has(f) && !this.#parentsOnly.has(f)) {
        const known = this.frames();
        throw new PerceptionError("tf", `unknown frame "${f}"; known frames: ${known.length > 0 ? known.join(", ") : "(none yet)"}`, ctx);
      }
    }
    if (tgt === src) return identityTransform();
    const srcChain = this.#chain(src);
    const tgtChain = this.#chain(tgt);
    const tgtIndex = new Map(tgtChain.map((f, i) => [f, i] as const));
    let common = -1;
    for (let i = 0; i < srcChain.length; i++) {
      if (tgtIndex.has(srcChain[i]!)) {
        common = i;
        break;
      }
    }
    if (common < 0) {
      throw new PerceptionError(
        "tf",
        `frames "${src}" and "${tgt}" are not connected: "${src}" belongs to the tree rooted at "${srcChain[srcChain.length - 1]}", "${tgt}" to the tree rooted at "${tgtChain[tgtChain.length - 1]}"`,
        ctx,
      );
    }
    const ancestor = srcChain[common]!;
    const srcEdges = srcChain.slice(0, common);
    const tgtEdges = tgtChain.slice(0, tgtIndex.get(ancestor)!);
    let ns = timeToNs(time);
    if (ns === 0n) ns = this.#latestCommonNs([...srcEdges, ...tgtEdges]);
    const ancestorFromSrc = this.#chainTransform(srcEdges, ns, ctx);
    const ancestorFromTgt = this.#chainTransform(tgtEdges, ns, ctx);
    return composeTransforms(invertTransform(ancestorFromTgt), ancestorFromSrc);
  }

  /** The frame and its ancestors up to the root. */
  #chain(frame: string): string[] {
    const out = [frame];
    const seen = new Set(out);
    let link = this.#links.get(frame);
    while (link) {
      if (seen.has(link.parent)) break; // a loop in the data; stop at it
      out.push(link.parent);
      seen.add(link.parent);
      link = this.#links.get(link.parent);
    }
    return out;
  }

  /** ancestorFromFrame for a chain of child frames [frame, parent, ...) (each edge child -> its parent). */
  #chainTransform(children: readonly string[], ns: bigint, ctx: Record<string, string>): Transform {
    let result = identityTransform();
    for (let i = children.length - 1; i >= 0; i--) {
      result = composeTransforms(result, this.#edge(children[i]!, ns, ctx));
    }
    return result;
  }

  /** parentFromChild at ns. */
  #edge(child: string, ns: bigint, ctx: Record<string, string>): Transform {
    const link = this.#links.get(child)!;
    if (link.static) return link.static;
    const s = link.samples;
    const edge = `${link.parent} -> ${child}`;
    if (s.length === 0) {
      throw new PerceptionError("tf", `no transform ${edge} in the buffer (dropped after time went backwards, or not received yet)`, { ...ctx, parent: link.parent, child });
    }
    const first = s[0]!;
    const last = s[s.length - 1]!;
    if (ns < first.ns) {
      if (first.ns - ns <= this.#toleranceNs) return first.transform;
      throw new PerceptionError(
        "tf",
        `extrapolation into the past: requested t=${fmtTime(ns)} is ${(Number(first.ns - ns) / 1e9).toFixed(6)} s before the oldest transform ${edge} (t=${fmtTime(first.ns)})`,
        { ...ctx, parent: link.parent, child, by_sec: Number(first.ns - ns) / 1e9 },
      );
    }
    if (ns > last.ns) {
      if (ns - last.ns <= this.#toleranceNs) return last.transform;
      throw new PerceptionError(
        "tf",
        `extrapolation into the future: requested t=${fmtTime(ns)} is ${(Number(ns - last.ns) / 1e9).toFixed(6)} s after the newest transform ${edge} (t=${fmtTime(last.ns)})`,
        { ...ctx, parent: link.parent, child, by_sec: Number(ns - last.ns) / 1e9 },
      );
    }
    // Binary search for the first sample at or after ns.
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]!.ns < ns) lo = mid + 1;
      else hi = mid;
    }
    const after = s[lo]!;
    if (after.ns === ns || lo === 0) return after.transform;
    const before = s[lo - 1]!;
    const f = Number(ns - before.ns) / Number(after.ns - before.ns);
    return interpolateTransforms(before.transform, after.transform, f);
  }

  /** The newest time every dynamic edge of the chain covers (0 for a static-only chain). */
  #latestCommonNs(children: readonly string[]): bigint {
    let latest: bigint | undefined;
    for (const c of children) {
      const link = this.#links.get(c)!;
      if (link.static || link.samples.length === 0) continue;
      const newest = link.samples[link.samples.length - 1]!.ns;
      if (latest === undefined || newest < latest) latest = newest;
    }
    return latest ?? 0n;
  }

  #emit(e: TfBufferEvent): void {
    this.#onEvent?.(e);
  }
}

function insertSorted(samples: Sample[], sample: Sample): void {
  let i = samples.length;
  while (i > 0 && samples[i - 1]!.ns > sample.ns) i--;
  if (i > 0 && samples[i - 1]!.ns === sample.ns) samples[i - 1] = sample; // same stamp: replace
  else samples.splice(i, 0, sample);
}
