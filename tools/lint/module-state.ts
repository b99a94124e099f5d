/**
 * The rule "no module-level mutable state outside src/host/" (docs/ARCHITECTURE.md), checked by
 * `npm run lint`: what nodes of one run share is a per-run service the host hands out
 * (`NodeHandle.service`), never a module's variable, which every run in the process would share.
 *
 * Flagged, in every `.ts` file under src/ except src/host/ (the runtime owns its state):
 *   - a top-level `let` or `var` (exported or not);
 *   - a top-level `const` initialised with `new Map(...)`, `new Set(...)`, `new WeakMap(...)` or
 *     `new WeakSet(...)` (type assertions and parentheses around it included), unless the `const`
 *     is declared `ReadonlySet<...>` or `ReadonlyMap<...>`: the type-checker then refuses every
 *     change through it, so it is a constant lookup table.
 * Not flagged (the check is a tripwire, not a proof): top-level `const` arrays, objects or typed
 * arrays that are mutated later, static class fields, state in closures.
 *
 * A finding is allowed only when `tools/lint/module-state-allowed.ts` lists its file and name with
 * the reason it is safe (a lazily loaded module, a memo of immutable data keyed by it, a worker
 * thread's own state). Allowed entries that match nothing are reported as stale (a warning).
 *
 * Usage: node --import tsx tools/lint/module-state.ts [root]   (exit 1 on a finding not allowed)
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { MODULE_STATE_ALLOWED, type AllowedModuleState } from "./module-state-allowed.js";

/** One top-level declaration of mutable state. */
export interface ModuleStateFinding {
  /** Path relative to the root, with `/` separators ("src/nodes/x.ts"). */
  file: string;
  /** 1-based line of the declaration. */
  line: number;
  /** The declared name. */
  name: string;
  /** What makes it state: "let", "var" or the collection it is ("new Map"). */
  kind: string;
}

/** The collections whose top-level `const` instances are mutable state. */
const COLLECTIONS = ["Map", "Set", "WeakMap", "WeakSet"];

/** Readonly collection types: a `const` declared with one cannot be changed (without a cast). */
const READONLY_TYPES = ["ReadonlySet", "ReadonlyMap"];

/** True when a declaration's type annotation is a readonly collection. */
function declaredReadonly(decl: ts.VariableDeclaration): boolean {
  const type = decl.type;
  return (
    type !== undefined &&
    ts.isTypeReferenceNode(type) &&
    ts.isIdentifier(type.typeName) &&
    READONLY_TYPES.includes(type.typeName.text)
  );
}

/** `x as T`, `<T>x`, `x satisfies T`, `x!` and `(x)` unwrapped. */
function unwrap(e: ts.Expression): ts.Expression {
  for (;;) {
    if (
      ts.isParenthesizedExpression(e) ||
      ts.isAsExpression(e) ||
      ts.isTypeAssertionExpression(e) ||
      ts.isSatisfiesExpression(e) ||
      ts.isNonNullExpression(e)
    )
      e = e.expression;
    else return e;
  }
}

/** The findings of one file's text (`file` names it in the findings). */
export function moduleStateIn(file: string, text: string): ModuleStateFinding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const findings: ModuleStateFinding[] = [];
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const list = statement.declarationList;
    const isLet = (list.flags & ts.NodeFlags.Let) !== 0;
    const isConst = (list.flags & ts.NodeFlags.Const) !== 0;
    for (const decl of list.declarations) {
      const names = ts.isIdentifier(decl.name)
        ? [decl.name.text]
        : decl.name.elements.flatMap((el) =>
            ts.isBindingElement(el) && ts.isIdentifier(el.name) ? [el.name.text] : [],
          );
      let kind: string | undefined;
      if (isLet) kind = "let";
      else if (!isConst) kind = "var";
      else if (decl.initializer && !declaredReadonly(decl)) {
        const init = unwrap(decl.initializer);
        if (
          ts.isNewExpression(init) &&
          ts.isIdentifier(init.expression) &&
          COLLECTIONS.includes(init.expression.text)
        )
          kind = `new ${init.expression.text}`;
      }
      if (kind === undefined) continue;
      const line = source.getLineAndCharacterOfPosition(decl.getStart(source)).line + 1;
      for (const name of names) findings.push({ file, line, name, kind });
    }
  }
  return findings;
}

/** Every `.ts` file under `dir`, sorted. */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (entry.endsWith(".ts") && !entry.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** The findings under `<root>/src` outside `<root>/src/host`. */
export function findModuleState(root: string): ModuleStateFinding[] {
  const findings: ModuleStateFinding[] = [];
  for (const path of tsFiles(join(root, "src"))) {
    const file = relative(root, path).split(sep).join("/");
    if (file.startsWith("src/host/")) continue;
    findings.push(...moduleStateIn(file, readFileSync(path, "utf8")));
  }
  return findings;
}

/** The findings not on the allow-list, and the allow-list entries that matched nothing. */
export function checkModuleState(
  findings: readonly ModuleStateFinding[],
  allowed: readonly AllowedModuleState[],
): { violations: ModuleStateFinding[]; stale: AllowedModuleState[] } {
  const key = (file: string, name: string): string => `${file}#${name}`;
  const allowedKeys = new Set(allowed.map((a) => key(a.file, a.name)));
  const found = new Set(findings.map((f) => key(f.file, f.name)));
  return {
    violations: findings.filter((f) => !allowedKeys.has(key(f.file, f.name))),
    stale: allowed.filter((a) => !found.has(key(a.file, a.name))),
  };
}

/** The command line: checks `root` (default: the repository), prints the findings, returns the exit code. */
export function main(root: string): number {
  const { violations, stale } = checkModuleState(findModuleState(root), MODULE_STATE_ALLOWED);
  for (const a of stale)
    console.warn(
      `module-state: warning: allowed ${a.file} '${a.name}' no longer exists: remove it from tools/lint/module-state-allowed.ts`,
    );
  for (const v of violations) {
    console.error(
      `${v.file}:${v.line}: module-level mutable state '${v.name}' (${v.kind}) outside src/host/: make it a per-run service (NodeHandle.service) or instance state, or list it with its reason in tools/lint/module-state-allowed.ts`,
    );
  }
  if (violations.length > 0) {
    console.error(
      `module-state: ${violations.length} module-level mutable state declaration(s) outside src/host/`,
    );
    return 1;
  }
  console.log(
    `module-state: no module-level mutable state outside src/host/ (${MODULE_STATE_ALLOWED.length} allowed with reasons)`,
  );
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv[2] ?? fileURLToPath(new URL("../..", import.meta.url)));
}
