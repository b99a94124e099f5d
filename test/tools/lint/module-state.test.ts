import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { projectPath } from "../../../src/core/paths.js";
import {
  checkModuleState,
  findModuleState,
  moduleStateIn,
} from "../../../tools/lint/module-state.js";
import { MODULE_STATE_ALLOWED } from "../../../tools/lint/module-state-allowed.js";

const names = (text: string) => moduleStateIn("src/x.ts", text).map((f) => `${f.name}:${f.kind}`);

describe("module-state check: what it flags", () => {
  it("flags top-level let and var, exported or destructured, and const Map/Set/WeakMap/WeakSet", () => {
    const text = [
      "let count = 0;",
      "export let latest: string | undefined;",
      "var legacy = 1;",
      "let { a, b } = { a: 1, b: 2 };",
      "const byStamp = new Map<bigint, number>();",
      "export const seen = new Set<string>();",
      "const weak = (new WeakMap<object, number>()) as WeakMap<object, number>;",
      "const ws = new WeakSet();",
    ].join("\n");
    expect(names(text)).toEqual([
      "count:let",
      "latest:let",
      "legacy:var",
      "a:let",
      "b:let",
      "byStamp:new Map",
      "seen:new Set",
      "weak:new WeakMap",
      "ws:new WeakSet",
    ]);
    expect(moduleStateIn("src/x.ts", text).find((f) => f.name === "byStamp")!.line).toBe(5);
  });

  it("leaves constants, readonly lookup tables and state inside functions and classes alone", () => {
    const text = [
      "const LIMIT = 5;",
      'const NAMES = ["a", "b"] as const;',
      'export const TABLE: ReadonlySet<string> = new Set(["a"]);',
      'const INDEX: ReadonlyMap<string, number> = new Map([["a", 1]]);',
      'const KEY = { name: "k" };',
      "function f() { let n = 0; const m = new Map(); return [n, m]; }",
      "class C { #items = new Map<string, number>(); static count = 0; }",
      "const text = `let x = 1; const y = new Map();`;",
    ].join("\n");
    expect(names(text)).toEqual([]);
  });
});

describe("module-state check on a tree", () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });
  const plant = (files: Record<string, string>): string => {
    root = mkdtempSync(join(tmpdir(), "module-state-"));
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), text);
    }
    return root;
  };

  it("fails `npm run lint`'s command on a planted violation in a node, naming file, line and name; src/host/ may keep state", () => {
    const dir = plant({
      "src/nodes/planted.ts":
        "import { x } from './y.js';\n\nconst shared = new Map<bigint, number>();\nexport function f() { return shared; }\n",
      "src/host/runtime.ts": "let running = false;\nconst queues = new Map();\n",
      "src/core/constants.ts": "export const LIMIT = 3;\n",
    });
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", projectPath("tools", "lint", "module-state.ts"), dir],
      { encoding: "utf8", cwd: projectPath() },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "src/nodes/planted.ts:3: module-level mutable state 'shared' (new Map) outside src/host/",
    );
    expect(r.stderr).toContain(
      "module-state: 1 module-level mutable state declaration(s) outside src/host/",
    );
    expect(r.stderr).not.toContain("src/host/runtime.ts");
  });

  it("is part of `npm run lint` (which .ci/run counts)", () => {
    const pkg = JSON.parse(readFileSync(projectPath("package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.lint).toContain("node --import tsx tools/lint/module-state.ts");
  });

  it("passes a tree with none", () => {
    const dir = plant({
      "src/core/constants.ts": "export const LIMIT = 3;\n",
      "src/host/runtime.ts": "let running = false;\n",
    });
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", projectPath("tools", "lint", "module-state.ts"), dir],
      { encoding: "utf8", cwd: projectPath() },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("module-state: no module-level mutable state outside src/host/");
  });

  it("lets through only allowed entries, each with a reason, and reports allowed entries that match nothing", () => {
    const findings = moduleStateIn(
      "src/a.ts",
      "let lazy: Promise<unknown> | undefined;\nlet other = 0;\n",
    );
    const allowed = [
      { file: "src/a.ts", name: "lazy", reason: "lazy import" },
      { file: "src/gone.ts", name: "old", reason: "was a cache" },
    ];
    const { violations, stale } = checkModuleState(findings, allowed);
    expect(violations.map((v) => v.name)).toEqual(["other"]);
    expect(stale.map((s) => s.file)).toEqual(["src/gone.ts"]);
  });
});

describe("the repository", () => {
  it("has no module-level mutable state outside src/host/ except the allowed, and every allowed entry gives a reason", () => {
    const { violations } = checkModuleState(findModuleState(projectPath()), MODULE_STATE_ALLOWED);
    expect(violations).toEqual([]);
    for (const a of MODULE_STATE_ALLOWED)
      expect(a.reason.length, `${a.file} ${a.name}`).toBeGreaterThan(10);
    // The state this check was written to keep out is gone.
    const nodes = findModuleState(projectPath()).filter((f) => f.file.startsWith("src/nodes/"));
    expect(nodes.map((f) => `${f.file} ${f.name}`)).toEqual(["src/nodes/index.ts cache"]);
  });
});
