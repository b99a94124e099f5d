/**
 * tools/hygiene/unchecked-index.mjs on a throwaway git project: every kind of error the flag adds,
 * the fix the tool writes for each (exact text), tsc clean afterwards, and a second run that changes
 * nothing.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectPath } from "../../../src/core/paths.js";

const TOOL = projectPath("tools/hygiene/unchecked-index.mjs");

const TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "lib": ["ES2022"],
    "types": [],
    "strict": true,
    "noUncheckedIndexedAccess": false,
    "skipLibCheck": true,
    "noEmit": true
  },
  "include": ["src/**/*.ts"]
}
`;

/** One case per line group; the expected text after the tool is below. */
const SOURCE = `export function sum(xs: Float32Array): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s;
}

export function firstLength(rows: string[][]): number {
  const row = rows[0];
  return row.length;
}

export function quantile(xs: number[], f: number): number {
  const q = (a: number[], p: number) => a[Math.min(a.length - 1, Math.floor(p * a.length))];
  return q(xs, f);
}

export function box(dims: readonly number[]): number {
  const [, c, h, w] = dims;
  return c * h * w;
}

export function parsed(v: unknown): number {
  const [x, y] = v as number[];
  return x + y;
}

export function angle(xs: readonly number[], rows: readonly number[]): number {
  const pts = xs.map((x, i) => [rows[i], x] as const).filter(([, x]) => x >= 0);
  let s = 0;
  for (const [r, x] of pts) s += r * x;
  return s;
}

export function counts(names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[n] = 0;
  for (const n of names) out[n]++;
  return out;
}

export function pick(order: number[], items: { score: number }[]): number {
  return items[order[0]].score;
}

export function pair(a: number[], b: number[]): { a: number; b: number } {
  return { a: a[0], b: b.length > 1 ? b[1] : 0 };
}

export function guarded(a: number[]): number {
  const v = a[0];
  return v === undefined ? 0 : v;
}
`;

const EXPECTED = `export function sum(xs: Float32Array): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s;
}

export function firstLength(rows: string[][]): number {
  const row = rows[0]!;
  return row.length;
}

export function quantile(xs: number[], f: number): number {
  const q = (a: number[], p: number) => a[Math.min(a.length - 1, Math.floor(p * a.length))]!;
  return q(xs, f);
}

export function box(dims: readonly number[]): number {
  const [, c, h, w] = dims as readonly [number, number, number, number];
  return c * h * w;
}

export function parsed(v: unknown): number {
  const [x, y] = v as [number, number];
  return x + y;
}

export function angle(xs: readonly number[], rows: readonly number[]): number {
  const pts = xs.map((x, i) => [rows[i]!, x] as const).filter(([, x]) => x >= 0);
  let s = 0;
  for (const [r, x] of pts) s += r * x;
  return s;
}

export function counts(names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[n] = 0;
  for (const n of names) out[n]!++;
  return out;
}

export function pick(order: number[], items: { score: number }[]): number {
  return items[order[0]!]!.score;
}

export function pair(a: number[], b: number[]): { a: number; b: number } {
  return { a: a[0]!, b: b.length > 1 ? b[1]! : 0 };
}

export function guarded(a: number[]): number {
  const v = a[0];
  return v === undefined ? 0 : v;
}
`;

let dir: string;
const git = (...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], {
    cwd: dir,
    encoding: "utf8",
  });
const tool = (...args: string[]) =>
  spawnSync(process.execPath, [TOOL, ...args], { cwd: dir, encoding: "utf8" });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "unchecked-index-"));
  symlinkSync(projectPath("node_modules"), join(dir, "node_modules"));
  writeFileSync(join(dir, "package.json"), '{ "name": "fixture", "type": "module" }\n');
  writeFileSync(join(dir, "biome.json"), readFileSync(projectPath("biome.json"), "utf8"));
  writeFileSync(join(dir, ".gitignore"), "node_modules\n");
  writeFileSync(join(dir, "tsconfig.json"), TSCONFIG);
  mkdirSync(join(dir, "src"));
  writeFileSync(join(dir, "src", "cases.ts"), SOURCE);
  git("init", "-q");
  git("add", "-A");
  git("commit", "-q", "-m", "fixture");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("unchecked-index codemod", () => {
  it("--dry-run writes nothing and reports the passes", () => {
    const r = tool("--dry-run");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/tsc errors per pass: \d+ → .*0$/m);
    expect(git("status", "--porcelain")).toBe("");
  });

  it("turns the flag on and fixes each error at its source, leaving guarded reads alone", () => {
    const r = tool();
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(readFileSync(join(dir, "tsconfig.json"), "utf8")).toContain(
      '"noUncheckedIndexedAccess": true',
    );
    expect(readFileSync(join(dir, "src", "cases.ts"), "utf8")).toBe(EXPECTED);
    const tsc = spawnSync(
      process.execPath,
      [projectPath("node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"],
      { cwd: dir, encoding: "utf8" },
    );
    expect(tsc.status, tsc.stdout).toBe(0);
  });

  it("is idempotent: a second run on the committed result changes nothing", () => {
    git("commit", "-q", "-am", "applied");
    const r = tool();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/tsc errors per pass: 0$/m);
    expect(r.stdout).toMatch(/already on; 0 files written/);
    expect(git("status", "--porcelain")).toBe("");
  });

  it("refuses a tree with uncommitted changes", () => {
    writeFileSync(join(dir, "src", "cases.ts"), `${EXPECTED}// edit\n`);
    const r = tool();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/uncommitted changes/);
    git("checkout", "--", ".");
  });
});
