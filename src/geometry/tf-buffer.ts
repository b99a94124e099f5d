import { PerceptionError } from "../core/errors.js";
import { nsToTime, timeToNs, timeToSec, type Time } from "../core/time.js";
import type { TFMessage, TransformStamped } from "../msgs/types.generated.js";
import { normQuat } from "./quaternion.js";
import {
  composeTransforms,
  identityTransform,
  interpolateTransforms,
  invertTransform,
  isFiniteTransform,
  normalizeTransform,
} from "./transform.js";
import type { Transform } from "./types.js";

/** Why a transform was refused at insert. */
export type TfRejection = "non_finite" | "zero_quaternion" | "frame_id";

/** Something the buffer noticed while inserting; the data goes on, the event says what happened. */
export type TfBufferEvent =
  /**
   * A transform with NaN/Inf values, a zero quaternion or a bad frame id was dropped. Its stamp is
   * remembered: lookups of that link between its last valid sample and the next one fail.
   */
  | { kind: "rejected"; reason: TfRejection; error: PerceptionError }
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
  /** `rejected`, by reason. */
  rejectedBy: Record<TfRejection, number>;
  /** Times the dynamic cache was cleared because time went backwards. */
  timeJumps: number;
  /** Frames that changed parent. */
  reparented: number;
}

/** A transform with how well samples support it at the requested time. */
export interface SupportedTransform {
  transform: Transform;
  /**
   * Seconds from the requested time to the nearest sample used, worst link of the chain (0 at a
   * sample or for statics; between two samples the nearer one counts; held samples count their age).
   */
  ageSec: number;
}

/** The result of `tryLookup`. */
export type TfLookupResult =
  | ({ kind: "ok" } & SupportedTransform)
  | { kind: "error"; error: PerceptionError };

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
  /** Stamps of rejected dynamic transforms of this link (non-finite, zero quaternion), oldest first. */
  rejected: { ns: bigint; reason: string }[];
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
  readonly stats: TfBufferStats = {
    inserted: 0,
    rejected: 0,
    rejectedBy: { non_finite: 0, zero_quaternion: 0, frame_id: 0 },
    timeJumps: 0,
    reparented: 0,
  };

  constructor(o: TfBufferOptions = {}) {
    this.#cacheNs = BigInt(Math.round((o.cacheSeconds ?? 10) * 1e9));
    this.#toleranceNs = BigInt(Math.round((o.maxExtrapolationSec ?? 0) * 1e9));
    this.#jumpNs = BigInt(Math.round((o.timeJumpToleranceSec ?? 1) * 1e9));
    this.#onEvent = o.onEvent;
  }

  /** Inserts every transform of a /tf (isStatic false) or /tf_static (true) message. Bad ones are counted and skipped; returns those. */
  addMessage(msg: TFMessage, isStatic: boolean): PerceptionError[] {
    const rejected: PerceptionError[] = [];
    for (const t of msg.transforms) {
      const error = this.addTransform(t, isStatic);
      if (error) rejected.push(error);
    }
    return rejected;
  }

  /** Inserts one transform (parent = header.frame_id, child = child_frame_id); returns the error when it is rejected. */
  addTransform(t: TransformStamped, isStatic: boolean): PerceptionError | undefined {
    const parent = frameName(t.header.frame_id);
    const child = frameName(t.child_frame_id);
    const [reason, problem]: [TfRejection | undefined, string] =
      !parent || !child
        ? ["frame_id", `empty frame id (parent "${parent}", child "${child}")`]
        : parent === child
          ? ["frame_id", `frame "${child}" cannot be its own parent`]
          : !isFiniteTransform(t.transform)
            ? [
                "non_finite",
                `non-finite transform ${parent} -> ${child}: translation (${t.transform.translation.x}, ${t.transform.translation.y}, ${t.transform.translation.z}), rotation (${t.transform.rotation.x}, ${t.transform.rotation.y}, ${t.transform.rotation.z}, ${t.transform.rotation.w})`,
              ]
            : !(normQuat(t.transform.rotation) > 1e-6)
              ? ["zero_quaternion", `zero quaternion in transform ${parent} -> ${child}`]
              : [undefined, ""];
    if (reason) {
      this.stats.rejected++;
      this.stats.rejectedBy[reason]++;
      const error = new PerceptionError("tf", `rejected transform: ${problem}`, {
        parent,
        child,
        stamp: timeToSec(t.header.stamp).toFixed(9),
        static: String(isStatic),
        reason,
      });
      const link = this.#links.get(child);
      const ns = safeNs(t.header.stamp);
      // A dynamic link whose newest transform is unusable: lookups past its last valid sample fail.
      if (
        !isStatic &&
        reason !== "frame_id" &&
        link &&
        link.parent === parent &&
        !link.static &&
        ns !== undefined
      ) {
        insertRejected(link.rejected, ns, problem);
      }
      this.#emit({ kind: "rejected", reason, error });
      return error;
    }
    const transform = normalizeTransform(t.transform);
    let link = this.#links.get(child);
    if (link && link.parent !== parent) {
      this.stats.reparented++;
      this.#emit({ kind: "reparented", frame: child, oldParent: link.parent, newParent: parent });
      link = undefined;
    }
    if (!link) {
      link = { parent, samples: [], rejected: [] };
      this.#links.set(child, link);
    }
    this.#parentsOnly.delete(child);
    if (!this.#links.has(parent)) this.#parentsOnly.add(parent);
    this.stats.inserted++;
    if (isStatic) {
      link.static = transform;
      link.samples = [];
      link.rejected = [];
      return undefined;
    }
    link.static = undefined;
    const ns = timeToNs(t.header.stamp);
    const newest = link.samples.length > 0 ? link.samples[link.samples.length - 1]!.ns : undefined;
    if (newest !== undefined && newest - ns > this.#jumpNs) {
      this.stats.timeJumps++;
      this.#emit({
        kind: "time_jump",
        frame: child,
        previous: nsToTime(newest),
        stamp: { ...t.header.stamp },
        backSec: Number(newest - ns) / 1e9,
      });
      this.clearDynamic();
    }
    insertSorted(link.samples, { ns, transform });
    const cutoff = link.samples[link.samples.length - 1]!.ns - this.#cacheNs;
    let drop = 0;
    while (drop < link.samples.length - 1 && link.samples[drop]!.ns < cutoff) drop++;
    if (drop > 0) link.samples.splice(0, drop);
    const oldest = link.samples[0]!.ns;
    while (link.rejected.length > 0 && link.rejected[0]!.ns < oldest) link.rejected.shift();
    return undefined;
  }

  /** Drops every dynamic transform (statics stay). */
  clearDynamic(): void {
    for (const link of this.#links.values()) {
      if (!link.static) link.samples = [];
      link.rejected = [];
    }
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

  /** Like lookupSupported, without throwing. */
  tryLookup(target: string, source: string, time: Time): TfLookupResult {
    try {
      return { kind: "ok", ...this.lookupSupported(target, source, time) };
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
    return this.lookupSupported(target, source, time).transform;
  }

  /**
   * Like lookup, with the age of the samples that support the transform. A link whose transform
   * was rejected (non-finite, zero quaternion) after its last valid sample, or between the two
   * samples it would interpolate, throws a `tf` error with context `rejected: "true"`.
   */
  lookupSupported(target: string, source: string, time: Time): SupportedTransform {
    const tgt = frameName(target);
    const src = frameName(source);
    const ctx = { target: tgt, source: src };
    for (const f of [tgt, src]) {
      if (!this.#links.has(f) && !this.#parentsOnly.has(f)) {
        const known = this.frames();
        throw new PerceptionError(
          "tf",
          `unknown frame "${f}"; known frames: ${known.length > 0 ? known.join(", ") : "(none yet)"}`,
          ctx,
        );
      }
    }
    if (tgt === src) return { transform: identityTransform(), ageSec: 0 };
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
    return {
      transform: composeTransforms(
        invertTransform(ancestorFromTgt.transform),
        ancestorFromSrc.transform,
      ),
      ageSec:
        Number(
          ancestorFromSrc.ageNs > ancestorFromTgt.ageNs
            ? ancestorFromSrc.ageNs
            : ancestorFromTgt.ageNs,
        ) / 1e9,
    };
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
  #chainTransform(
    children: readonly string[],
    ns: bigint,
    ctx: Record<string, string>,
  ): { transform: Transform; ageNs: bigint } {
    let result = identityTransform();
    let ageNs = 0n;
    for (let i = children.length - 1; i >= 0; i--) {
      const edge = this.#edge(children[i]!, ns, ctx);
      result = composeTransforms(result, edge.transform);
      if (edge.ageNs > ageNs) ageNs = edge.ageNs;
    }
    return { transform: result, ageNs };
  }

  /** parentFromChild at ns, with the distance to the nearest sample used. */
  #edge(
    child: string,
    ns: bigint,
    ctx: Record<string, string>,
  ): { transform: Transform; ageNs: bigint } {
    const link = this.#links.get(child)!;
    if (link.static) return { transform: link.static, ageNs: 0n };
    const s = link.samples;
    const edge = `${link.parent} -> ${child}`;
    if (s.length === 0) {
      throw new PerceptionError(
        "tf",
        `no transform ${edge} in the buffer (dropped after time went backwards, or not received yet)`,
        { ...ctx, parent: link.parent, child },
      );
    }
    const first = s[0]!;
    const last = s[s.length - 1]!;
    if (ns < first.ns) {
      if (first.ns - ns <= this.#toleranceNs)
        return { transform: first.transform, ageNs: first.ns - ns };
      throw new PerceptionError(
        "tf",
        `extrapolation into the past: requested t=${fmtTime(ns)} is ${(Number(first.ns - ns) / 1e9).toFixed(6)} s before the oldest transform ${edge} (t=${fmtTime(first.ns)})`,
        { ...ctx, parent: link.parent, child, by_sec: Number(first.ns - ns) / 1e9 },
      );
    }
    if (ns > last.ns) {
      this.#checkRejected(link, child, last.ns, ns, true, ctx);
      if (ns - last.ns <= this.#toleranceNs)
        return { transform: last.transform, ageNs: ns - last.ns };
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
    if (after.ns === ns || lo === 0) return { transform: after.transform, ageNs: 0n };
    const before = s[lo - 1]!;
    this.#checkRejected(link, child, before.ns, after.ns, false, ctx);
    const f = Number(ns - before.ns) / Number(after.ns - before.ns);
    const ageNs = ns - before.ns < after.ns - ns ? ns - before.ns : after.ns - ns;
    return { transform: interpolateTransforms(before.transform, after.transform, f), ageNs };
  }

  /** Throws when a transform of the link was rejected after `fromNs` and before (or at, when `inclusive`) `toNs`. */
  #checkRejected(
    link: FrameLink,
    child: string,
    fromNs: bigint,
    toNs: bigint,
    inclusive: boolean,
    ctx: Record<string, string>,
  ): void {
    const bad = link.rejected.find(
      (r) => r.ns > fromNs && (inclusive ? r.ns <= toNs : r.ns < toNs),
    );
    if (!bad) return;
    throw new PerceptionError(
      "tf",
      `transform ${link.parent} -> ${child} at t=${fmtTime(bad.ns)} was rejected (${bad.reason}); the last valid one is at t=${fmtTime(fromNs)}`,
      { ...ctx, parent: link.parent, child, rejected: "true" },
    );
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

/** The stamp in ns, or undefined when it is not a finite time. */
function safeNs(stamp: Time): bigint | undefined {
  return Number.isFinite(stamp.sec) && Number.isFinite(stamp.nanosec) ? timeToNs(stamp) : undefined;
}

function insertRejected(list: { ns: bigint; reason: string }[], ns: bigint, reason: string): void {
  let i = list.length;
  while (i > 0 && list[i - 1]!.ns > ns) i--;
  list.splice(i, 0, { ns, reason });
  if (list.length > 1000) list.shift();
}

function insertSorted(samples: Sample[], sample: Sample): void {
  let i = samples.length;
  while (i > 0 && samples[i - 1]!.ns > sample.ns) i--;
  if (i > 0 && samples[i - 1]!.ns === sample.ns)
    samples[i - 1] = sample; // same stamp: replace
  else samples.splice(i, 0, sample);
}
