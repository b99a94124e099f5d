/**
 * A small seeded fuzzer for the parsers: mutations of valid inputs (bit flips, random bytes,
 * truncation, extension, deleted or duplicated ranges, splices), run through a target that must
 * either succeed or fail with the project's clear error (`PerceptionError`), never with a stray
 * TypeError/RangeError, and never hang (vitest's timeout).
 *
 * Bounded for CI: a fixed seed and a few dozen to a few hundred cases per target (a few seconds).
 * Longer runs: `FUZZ_ITERATIONS=20000 FUZZ_SEED=123 npx vitest run test/fuzz`. A failure names
 * the seed and the case, so `FUZZ_SEED=<seed>` reproduces it.
 */
import { PerceptionError } from "../../src/core/errors.js";
import { Prng } from "../../tools/scenario/prng.js";

/** The run's seed: FUZZ_SEED, else a fixed one (CI is deterministic). */
export function fuzzSeed(): number {
  const env = process.env.FUZZ_SEED;
  const seed = env === undefined || env === "" ? 0x5eed : Number(env);
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got '${env}'`);
  return seed;
}

/** Cases per target: FUZZ_ITERATIONS, else the target's CI default. */
export function fuzzIterations(ciDefault: number): number {
  const env = process.env.FUZZ_ITERATIONS;
  if (env === undefined || env === "") return ciDefault;
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`FUZZ_ITERATIONS must be a positive integer, got '${env}'`);
  return n;
}

/** A timeout for a target's test that grows with FUZZ_ITERATIONS (ms per case on a slow machine). */
export function fuzzTimeoutMs(ciDefault: number, msPerCase: number): number {
  return Math.max(60_000, fuzzIterations(ciDefault) * msPerCase);
}

/** Uniform helpers over the project's seeded PRNG. */
export class FuzzRandom {
  readonly #prng: Prng;

  constructor(seed: number) {
    this.#prng = new Prng(seed);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : this.#prng.nextUint32() % n;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.#prng.nextUint32() / 2 ** 32;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** Values that break parsers: boundaries, non-finite numbers, wrong types. */
export const NASTY_VALUES: readonly unknown[] = [
  0,
  -1,
  1e308,
  -1e308,
  Number.NaN,
  Infinity,
  -Infinity,
  2 ** 53,
  "",
  "x",
  "\u0000",
  "\u001b[2J",
  null,
  true,
  [],
  {},
  [[]],
  { a: 1 },
];

/**
 * One mutation of `input` (a copy): flip bits, overwrite bytes, truncate, extend, delete or
 * duplicate a range, or splice in bytes from elsewhere in the input. Small inputs get 1-4
 * mutations; `region` limits where they land (e.g. past a header the target must keep).
 */
export function mutateBytes(
  input: Uint8Array,
  rnd: FuzzRandom,
  region: { from?: number; to?: number } = {},
): Uint8Array {
  let out: Uint8Array = Uint8Array.from(input);
  const count = 1 + rnd.int(4);
  for (let m = 0; m < count; m++) {
    const from = Math.min(region.from ?? 0, out.length);
    const to = Math.max(from, Math.min(region.to ?? out.length, out.length));
    const span = Math.max(1, to - from);
    const at = from + rnd.int(span);
    switch (rnd.int(8)) {
      case 0: // bit flip
        if (at < out.length) out[at]! ^= 1 << rnd.int(8);
        break;
      case 1: // random bytes
        for (let i = 0, n = 1 + rnd.int(8); i < n && at + i < out.length; i++)
          out[at + i] = rnd.int(256);
        break;
      case 2: // boundary bytes (lengths, counts)
        for (let i = 0, n = 1 + rnd.int(4); i < n && at + i < out.length; i++)
          out[at + i] = rnd.pick([0x00, 0x7f, 0x80, 0xff]);
        break;
      case 3: // truncate
        out = out.subarray(0, at);
        break;
      case 4: // extend with random bytes
        out = concat(out, rnd.bytes(1 + rnd.int(64)));
        break;
      case 5: {
        // delete a range
        const n = 1 + rnd.int(Math.min(64, Math.max(1, out.length - at)));
        out = concat(out.subarray(0, at), out.subarray(at + n));
        break;
      }
      case 6: {
        // duplicate a range
        const n = 1 + rnd.int(Math.min(64, Math.max(1, out.length - at)));
        out = concat(out.subarray(0, at + n), out.subarray(at, at + n), out.subarray(at + n));
        break;
      }
      default: {
        // splice in a range from elsewhere
        const src = rnd.int(Math.max(1, out.length));
        const n = 1 + rnd.int(32);
        const piece = Uint8Array.from(out.subarray(src, src + n));
        out.set(piece.subarray(0, Math.max(0, out.length - at)), at);
      }
    }
  }
  return out;
}

/** Text mutations for YAML/JSON: byte mutations, or line-level edits (delete, duplicate, swap, indent). */
export function mutateText(text: string, rnd: FuzzRandom): string {
  if (rnd.int(2) === 0)
    return Buffer.from(mutateBytes(new TextEncoder().encode(text), rnd)).toString("utf8");
  const lines = text.split("\n");
  for (let m = 0, count = 1 + rnd.int(3); m < count; m++) {
    const i = rnd.int(lines.length);
    switch (rnd.int(5)) {
      case 0:
        lines.splice(i, 1);
        break;
      case 1:
        lines.splice(i, 0, lines[i] ?? "");
        break;
      case 2: {
        const j = rnd.int(lines.length);
        [lines[i], lines[j]] = [lines[j] ?? "", lines[i] ?? ""];
        break;
      }
      case 3:
        lines[i] = (rnd.int(2) === 0 ? "  " : "") + (lines[i] ?? "").trimStart();
        break;
      default:
        lines[i] =
          `${lines[i] ?? ""}${rnd.pick([": ", " [", "{", "- ", " #", "\t", ": .nan", ": ~", ": 1e999", ": '", ": !!binary x"])}`;
    }
  }
  return lines.join("\n");
}

/** A structural mutation of a JSON value (a deep copy): replace a value, delete a key, duplicate an array item. */
export function mutateJson(value: unknown, rnd: FuzzRandom): unknown {
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  const containers: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> =
    [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v))
      v.forEach((item, i) => (containers.push({ parent: v, key: i }), walk(item)));
    else if (v && typeof v === "object")
      for (const [k, item] of Object.entries(v))
        containers.push({ parent: v as Record<string, unknown>, key: k }), walk(item);
  };
  walk(copy);
  for (let m = 0, count = 1 + rnd.int(3); m < count && containers.length > 0; m++) {
    const { parent, key } = rnd.pick(containers);
    switch (rnd.int(4)) {
      case 0:
        (parent as Record<string | number, unknown>)[key] = rnd.pick(NASTY_VALUES);
        break;
      case 1:
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete (parent as Record<string, unknown>)[key as string];
        break;
      case 2:
        if (Array.isArray(parent))
          parent.splice(
            key as number,
            0,
            JSON.parse(JSON.stringify(parent[key as number] ?? null)),
          );
        break;
      default: {
        const v = (parent as Record<string | number, unknown>)[key];
        if (typeof v === "number")
          (parent as Record<string | number, unknown>)[key] =
            v * rnd.pick([-1, 1e6, 1e-6, 0]) + rnd.pick([0, 0.5, 360, 1e7]);
        else if (typeof v === "string")
          (parent as Record<string | number, unknown>)[key] =
            v + rnd.pick(["", "_x", "\n", "/../"]);
      }
    }
  }
  return copy;
}

/** What a target did with one case. */
export type CaseOutcome = "ok" | "rejected";

/**
 * Runs `iterations` cases: `makeCase(rnd, i)` builds an input, `target` runs it. The target may
 * return (ok) or throw a PerceptionError (rejected, the clear error the project promises); anything
 * else fails the run, naming seed and case. Returns how many cases were ok and rejected (a target
 * that rejects everything, or nothing, is suspicious: tests check both happen).
 */
export async function fuzz<T>(
  name: string,
  options: { iterations: number; seed?: number },
  makeCase: (rnd: FuzzRandom, i: number) => T | Promise<T>,
  target: (input: T, i: number) => unknown,
): Promise<Record<CaseOutcome, number>> {
  const seed = options.seed ?? fuzzSeed();
  const counts: Record<CaseOutcome, number> = { ok: 0, rejected: 0 };
  for (let i = 0; i < options.iterations; i++) {
    // Each case has its own stream, so one case reproduces alone whatever the others did.
    const rnd = new FuzzRandom((seed * 1_000_003 + i) | 0);
    const input = await makeCase(rnd, i);
    try {
      await target(input, i);
      counts.ok++;
    } catch (err) {
      if (err instanceof PerceptionError) {
        counts.rejected++;
        continue;
      }
      const e = err as Error;
      throw new Error(
        `${name}: case ${i} (FUZZ_SEED=${seed}) failed with ${e?.name ?? typeof err} instead of a PerceptionError: ${e?.message ?? String(err)}`,
        { cause: err },
      );
    }
  }
  return counts;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
