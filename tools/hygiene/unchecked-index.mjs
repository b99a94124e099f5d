#!/usr/bin/env node
// Codemod for issue 16: turn on `noUncheckedIndexedAccess` and fix, at the source, every tsc error
// the flag adds. See tools/hygiene/README.md.
//
//   1. sets "noUncheckedIndexedAccess": true in tsconfig.json;
//   2. type-checks the program twice in memory, with the flag on and with it off, and for each error
//      (on, not off) finds the expression where the flag put `undefined` into the type: an element
//      access `a[i]` or an index-signature property `rec.key` whose type has `undefined` with the
//      flag on and none with it off. It follows a name back to its `const x = a[i]`, a declaration /
//      assignment / argument / property error to its value, a conditional, `??` or `||` to its
//      branches, an untyped local helper to what it returns, `t[0]` of a tuple to the element the
//      tuple was built from. The fix is a `!` after that expression: the code already relies on the
//      index being in range (it ran before the flag with the value used as present). Array
//      destructuring has no place for a `!`: `const [a, b] = v as T[]` becomes `v as [T, T]`, a plain
//      `const [a, b] = xs` gets `as [T, T]` where T can be written there, else the `!` goes where
//      the name is used;
//   3. repeats until tsc reports 0 errors (a fix can expose the next one: `a[i][j]`);
//   4. refuses to write when an error is left that it cannot place (listed with the place), then
//      writes the files and runs `biome format --write` on the changed files;
//   5. prints the errors per pass and the edits per folder.
// Deterministic (errors and edits are sorted) and idempotent: on a tree where the flag is on and tsc
// is clean it changes nothing.
//
//   node tools/hygiene/unchecked-index.mjs              apply (needs a clean git tree)
//   node tools/hygiene/unchecked-index.mjs --dry-run    print what it would do, change nothing
//   options: --verbose                                  list every `!` added
//            --allow-dirty                              run on a tree with uncommitted changes
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  biomeFormat,
  loadTsconfig,
  openRepo,
  overlayService,
  requireCleanTree,
} from "./project.mjs";

const { root, ts, fail, rel } = openRepo("unchecked-index");
const argv = process.argv.slice(2);
for (const a of argv)
  if (!["--dry-run", "--verbose", "--allow-dirty"].includes(a)) fail(`unknown option ${a}`);
const dryRun = argv.includes("--dry-run");
const verbose = argv.includes("--verbose");
const FLAG = "noUncheckedIndexedAccess";
const MAX_PASSES = 10;
if (!dryRun && !argv.includes("--allow-dirty")) requireCleanTree(fail);

/** Files that are data or vendored: never edited. */
const LEAVE = /(^|\/)(node_modules|fixtures|ros_ws|\.library|dist)\//;
const GENERATED = /\.generated\.ts$/;

// ---- tsconfig.json: the flag on ----------------------------------------------------------------------
const tsconfigPath = join(root, "tsconfig.json");
const tsconfigText = readFileSync(tsconfigPath, "utf8");
let newTsconfig = tsconfigText;
const flagRe = new RegExp(`("${FLAG}"\\s*:\\s*)(true|false)`);
if (flagRe.test(tsconfigText)) newTsconfig = tsconfigText.replace(flagRe, "$1true");
else if (/"strict"\s*:\s*true\s*,/.test(tsconfigText))
  newTsconfig = tsconfigText.replace(/("strict"\s*:\s*true\s*,)(\s*)/, `$1$2"${FLAG}": true,$2`);
else fail(`cannot find where to put "${FLAG}": true in tsconfig.json`);
const tsconfigChanged = newTsconfig !== tsconfigText;

// ---- two in-memory language services over tsconfig.json: the flag on and off ------------------------
const parsed = loadTsconfig(ts, root, fail);
const overlay = new Map(); // absolute path → edited text
const versions = new Map();
const makeService = (flag) =>
  overlayService(ts, root, parsed, overlay, versions, { ...parsed.options, [FLAG]: flag });
const serviceOn = makeService(true);
const serviceOff = makeService(false);
const textOf = (f) => overlay.get(f) ?? readFileSync(f, "utf8");

function errors(program) {
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.category === ts.DiagnosticCategory.Error)
    .sort(
      (a, b) =>
        (a.file?.fileName ?? "").localeCompare(b.file?.fileName ?? "") ||
        (a.start ?? 0) - (b.start ?? 0) ||
        a.code - b.code,
    );
}
function where(sf, pos) {
  return `${rel(sf.fileName)}:${sf.getLineAndCharacterOfPosition(pos).line + 1}`;
}
function describe(d) {
  return `${d.file ? where(d.file, d.start ?? 0) : ""} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
}

// ---- where the flag put `undefined` -----------------------------------------------------------------
/** The node of `sf` spanning exactly [start, end), outermost first among expressions; else innermost containing. */
function nodeAt(sf, start, end) {
  let exact;
  let containing = sf;
  const visit = (n) => {
    const s = n.getStart(sf);
    if (s <= start && end <= n.getEnd()) {
      containing = n;
      if (s === start && n.getEnd() === end && exact === undefined) exact = n;
      ts.forEachChild(n, visit);
    }
  };
  ts.forEachChild(sf, visit);
  return exact ?? containing;
}
/** The same node (same span and kind) in the other program. */
function twin(program, node) {
  const sf = program.getSourceFile(node.getSourceFile().fileName);
  if (!sf) return undefined;
  let found;
  const start = node.getStart();
  const end = node.getEnd();
  const visit = (n) => {
    if (found) return;
    const s = n.getStart(sf);
    if (s <= start && end <= n.getEnd()) {
      if (s === start && n.getEnd() === end && n.kind === node.kind) found = n;
      else ts.forEachChild(n, visit);
    }
  };
  ts.forEachChild(sf, visit);
  return found;
}
function hasUndefined(checker, node) {
  return typeHasUndefined(checker.getTypeAtLocation(node));
}
function typeHasUndefined(type) {
  const parts = type.isUnion() ? type.types : [type];
  return parts.some((t) => (t.flags & ts.TypeFlags.Undefined) !== 0);
}

/**
 * The edits for one error: a list of { start, end, text, how, node } (how: "index" for a `!` after
 * an element access or index-signature property, "use" for a `!` at the use of a destructured name,
 * "tuple" for `as T[]` becoming `as [T, T]` before a destructuring), or undefined when the error
 * cannot be placed (yet: a fix elsewhere in the same pass may clear it).
 */
function fixesFor(ctx, d) {
  const sf = d.file;
  const node = nodeAt(sf, d.start, d.start + d.length);
  const out = [];
  for (const t of subjectsOf(node)) {
    const f = origin(ctx, t, 0);
    if (f === undefined) return undefined;
    out.push(...f);
  }
  return out.length > 0 ? out : undefined;
}
/** The expression(s) whose type an error at `node` is about. */
function subjectsOf(node) {
  const p = node.parent;
  if (!p) return [node];
  // const x: T = a[i]  /  { key: a[i] }  /  class field  /  parameter default: error at the name
  if (
    (ts.isVariableDeclaration(p) ||
      ts.isPropertyAssignment(p) ||
      ts.isPropertyDeclaration(p) ||
      ts.isParameter(p) ||
      ts.isBindingElement(p)) &&
    p.name === node &&
    p.initializer
  )
    return [p.initializer];
  // x = a[i]: error at the left side
  if (
    ts.isBinaryExpression(p) &&
    p.left === node &&
    p.operatorToken.kind === ts.SyntaxKind.EqualsToken
  )
    return [p.right];
  if (ts.isShorthandPropertyAssignment(node)) return [node.name];
  if (ts.isReturnStatement(node) && node.expression) return [node.expression];
  if (node.kind === ts.SyntaxKind.ReturnKeyword && ts.isReturnStatement(p) && p.expression)
    return [p.expression];
  // no overload matches f(…): error at the callee; the arguments (callbacks: what they return)
  const callee = ts.isPropertyAccessExpression(p) && p.name === node ? p : node;
  const call = callee.parent;
  if (call && (ts.isCallExpression(call) || ts.isNewExpression(call)) && call.expression === callee)
    return (call.arguments ?? []).flatMap((a) =>
      ts.isArrowFunction(a) || ts.isFunctionExpression(a) ? returnsOf(a) : [a],
    );
  return [node];
}
/** The expressions a function returns (not those of nested functions). */
function returnsOf(fn) {
  if (!fn.body) return [];
  if (!ts.isBlock(fn.body)) return [fn.body];
  const out = [];
  const visit = (n) => {
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
    if (ts.isReturnStatement(n) && n.expression) out.push(n.expression);
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(fn.body, visit);
  return out;
}
const bang = (node, how) => ({ start: node.getEnd(), end: node.getEnd(), text: "!", how, node });
const inProject = (node) => editable(node.getSourceFile().fileName);
/** Where to put the `!` so that `expr` loses the `undefined` the flag gave it. */
function origin(ctx, expr, depth) {
  if (depth > 12) return undefined;
  const { checkerOn, checkerOff, programOff } = ctx;
  const all = (exprs) => {
    const out = [];
    for (const e of exprs) {
      const f = origin(ctx, e, depth + 1);
      if (f === undefined) return undefined;
      out.push(...f);
    }
    return out;
  };
  if (ts.isParenthesizedExpression(expr)) return all([expr.expression]);
  if (ts.isConditionalExpression(expr)) return all([expr.whenTrue, expr.whenFalse]);
  if (
    ts.isBinaryExpression(expr) &&
    (expr.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken ||
      expr.operatorToken.kind === ts.SyntaxKind.BarBarToken)
  )
    return all([expr.right]);
  if (ts.isArrayLiteralExpression(expr))
    return all(expr.elements.map((e) => (ts.isSpreadElement(e) ? e.expression : e)));
  if (ts.isObjectLiteralExpression(expr)) {
    const out = [];
    for (const p of expr.properties) {
      let f = [];
      if (ts.isPropertyAssignment(p)) f = origin(ctx, p.initializer, depth + 1);
      else if (ts.isSpreadAssignment(p)) f = origin(ctx, p.expression, depth + 1);
      else if (ts.isShorthandPropertyAssignment(p)) f = origin(ctx, p.name, depth + 1);
      if (f === undefined) return undefined;
      out.push(...f);
    }
    return out;
  }
  if (!hasUndefined(checkerOn, expr)) return [];
  const off = twin(programOff, expr);
  const flagMade = off !== undefined && !hasUndefined(checkerOff, off);
  if (!flagMade) return undefined;
  if (ts.isElementAccessExpression(expr) || ts.isPropertyAccessExpression(expr)) {
    // a property of an object literal (or an untyped class field) whose value came from an index
    const key = ts.isPropertyAccessExpression(expr)
      ? expr.name
      : ts.isStringLiteral(expr.argumentExpression)
        ? expr.argumentExpression
        : undefined;
    const symbol = key && checkerOn.getSymbolAtLocation(key);
    const decl = symbol?.valueDeclaration;
    if (decl && (ts.isPropertyAssignment(decl) || ts.isPropertyDeclaration(decl))) {
      if (decl.type || !decl.initializer || !inProject(decl)) return undefined;
      return all([decl.initializer]);
    }
    if (decl && ts.isShorthandPropertyAssignment(decl)) {
      return inProject(decl) ? all([decl.name]) : undefined;
    }
    // `t[0]` of a tuple whose element already holds the `undefined` (built from an index): not
    // this access's doing (it is in range); the `!` goes where the tuple was built
    const container = checkerOn.getNonNullableType(checkerOn.getTypeAtLocation(expr.expression));
    const arg = ts.isElementAccessExpression(expr) ? expr.argumentExpression : undefined;
    if (checkerOn.isTupleType(container) && arg && ts.isNumericLiteral(arg)) {
      const index = Number(arg.text);
      const elements = checkerOn.getTypeArguments(container);
      if (index < elements.length && typeHasUndefined(elements[index]))
        return tupleOrigin(ctx, expr.expression, index, depth);
    }
    return [bang(expr, "index")];
  }
  if (ts.isCallExpression(expr)) {
    // a local helper without a return type that returns an element: the `!` goes on its return
    const decl = checkerOn.getResolvedSignature(expr)?.declaration;
    if (!decl || !ts.isFunctionLike(decl) || decl.type || !decl.body || !inProject(decl))
      return undefined;
    return all(returnsOf(decl));
  }
  if (ts.isIdentifier(expr)) {
    const shorthand = ts.isShorthandPropertyAssignment(expr.parent) && expr.parent.name === expr;
    const symbol = shorthand
      ? checkerOn.getShorthandAssignmentValueSymbol(expr.parent)
      : checkerOn.getSymbolAtLocation(expr);
    const decl = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
    if (!decl || !inProject(decl)) return undefined;
    if (ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name)) {
      if (decl.type || !decl.initializer) return undefined;
      return all([decl.initializer]);
    }
    if (ts.isBindingElement(decl) && ts.isArrayBindingPattern(decl.parent))
      return bindingOrigin(ctx, decl, expr, shorthand, depth);
    return undefined;
  }
  return undefined;
}
/**
 * A name bound by array destructuring, `const [a, b] = src` or `for (const [a, b] of src)`.
 * From a tuple (`[x[i], y]`, `.map((v) => [v[0], v[1]] as const)`), the `undefined` was built into
 * the tuple: the `!` goes on the element where it was built. From an array, the destructuring is the
 * unchecked access: `src as T[]` becomes `src as [T, T]` (the cast already states the shape), a plain
 * `src` of element type T gets `as [T, T]` (readonly where `src` is), and when T cannot be written
 * at that place (or the pattern has a rest element or defaults) the `!` goes where the name is used.
 */
function bindingOrigin(ctx, decl, expr, shorthand, depth) {
  const { checkerOn } = ctx;
  const pattern = decl.parent;
  const index = pattern.elements.indexOf(decl);
  const owner = pattern.parent;
  const atUse = () =>
    shorthand
      ? [
          {
            start: expr.getEnd(),
            end: expr.getEnd(),
            text: `: ${expr.text}!`,
            how: "use",
            node: expr,
          },
        ]
      : [bang(expr, "use")];
  if (!ts.isVariableDeclaration(owner)) return atUse();
  const forOf =
    !owner.initializer && ts.isForOfStatement(owner.parent.parent)
      ? owner.parent.parent
      : undefined;
  const src = owner.initializer ? skipParens(owner.initializer) : forOf?.expression;
  if (!src) return atUse();
  const srcType = checkerOn.getTypeAtLocation(src);
  const valueType = forOf ? checkerOn.getIndexTypeOfType(srcType, ts.IndexKind.Number) : srcType;
  if (valueType && checkerOn.isTupleType(valueType)) {
    const f = forOf
      ? tupleElementsOrigin(ctx, src, index, depth)
      : tupleOrigin(ctx, src, index, depth);
    return f ?? atUse();
  }
  if (forOf) return atUse();
  const plain = pattern.elements.every(
    (e) => ts.isOmittedExpression(e) || (!e.dotDotDotToken && !e.initializer),
  );
  if (!plain) return atUse();
  const n = pattern.elements.length;
  if (ts.isAsExpression(src) && ts.isArrayTypeNode(src.type)) {
    const element = src.type.elementType.getText();
    const tuple = `[${Array(n).fill(element).join(", ")}]`;
    return [
      {
        start: src.type.getStart(),
        end: src.type.getEnd(),
        text: tuple,
        how: "tuple",
        node: src.type,
      },
    ];
  }
  const element = checkerOn.getIndexTypeOfType(srcType, ts.IndexKind.Number);
  const simple =
    ts.isIdentifier(src) ||
    ts.isPropertyAccessExpression(src) ||
    ts.isElementAccessExpression(src) ||
    ts.isCallExpression(src) ||
    ts.isNonNullExpression(src);
  if (!element || !simple || !checkerOn.isArrayType(srcType)) return atUse();
  const name = checkerOn.typeToString(element, owner, ts.TypeFormatFlags.NoTruncation);
  const keyword = /^(number|string|boolean|bigint)$/.test(name);
  const inScope =
    /^[A-Za-z_$][\w$]*$/.test(name) &&
    checkerOn.getSymbolsInScope(owner, ts.SymbolFlags.Type).some((s) => s.name === name);
  if (!keyword && !inScope) return atUse();
  const readonly = checkerOn.typeToString(srcType).startsWith("readonly ") ? "readonly " : "";
  const tuple = ` as ${readonly}[${Array(n).fill(name).join(", ")}]`;
  return [{ start: src.getEnd(), end: src.getEnd(), text: tuple, how: "tuple", node: src }];
}
/** Element `index` of the tuple `src` evaluates to: where it was built. */
function tupleOrigin(ctx, src, index, depth) {
  src = skipParens(src);
  if (ts.isAsExpression(src) && ts.isConstTypeReference(src.type))
    return tupleOrigin(ctx, src.expression, index, depth);
  if (ts.isArrayLiteralExpression(src)) {
    const e = src.elements[index];
    return e && !ts.isSpreadElement(e) ? origin(ctx, e, depth + 1) : undefined;
  }
  const init = initializerOf(ctx, src);
  return init ? tupleOrigin(ctx, init, index, depth) : undefined;
}
/** Element `index` of the tuples in the array `src`: where they were built. */
function tupleElementsOrigin(ctx, src, index, depth) {
  src = skipParens(src);
  if (ts.isArrayLiteralExpression(src)) {
    const out = [];
    for (const e of src.elements) {
      const f = ts.isSpreadElement(e) ? undefined : tupleOrigin(ctx, e, index, depth);
      if (f === undefined) return undefined;
      out.push(...f);
    }
    return out;
  }
  if (ts.isCallExpression(src) && ts.isPropertyAccessExpression(src.expression)) {
    const method = src.expression.name.text;
    if (["filter", "slice", "sort", "reverse", "toSorted", "toReversed"].includes(method))
      return tupleElementsOrigin(ctx, src.expression.expression, index, depth);
    const fn = src.arguments[0];
    if (method === "map" && fn && (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn))) {
      const out = [];
      for (const r of returnsOf(fn)) {
        const f = tupleOrigin(ctx, r, index, depth);
        if (f === undefined) return undefined;
        out.push(...f);
      }
      return out;
    }
    return undefined;
  }
  const init = initializerOf(ctx, src);
  return init ? tupleElementsOrigin(ctx, init, index, depth) : undefined;
}
/** The initialiser of the untyped local `const` that `e` names. */
function initializerOf(ctx, e) {
  if (!ts.isIdentifier(e)) return undefined;
  const decl = ctx.checkerOn.getSymbolAtLocation(e)?.valueDeclaration;
  return decl && ts.isVariableDeclaration(decl) && !decl.type && decl.initializer && inProject(decl)
    ? decl.initializer
    : undefined;
}
const skipParens = (e) => {
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  return e;
};

// ---- passes -------------------------------------------------------------------------------------------
function context() {
  const programOn = serviceOn.getProgram();
  const programOff = serviceOff.getProgram();
  return {
    programOn,
    programOff,
    checkerOn: programOn.getTypeChecker(),
    checkerOff: programOff.getTypeChecker(),
  };
}
const editable = (f) => !LEAVE.test(rel(f)) && !GENERATED.test(f) && !rel(f).startsWith("..");

console.log(
  `unchecked-index${dryRun ? " (dry run)" : ""}: type-checking with ${FLAG} off and on …`,
);
{
  const before = errors(serviceOff.getProgram());
  if (before.length > 0) {
    for (const d of before.slice(0, 20)) console.error(`  ${describe(d)}`);
    fail(
      `${before.length} tsc errors with ${FLAG} off: the tree must be tsc-clean before this tool runs`,
    );
  }
}
const added = []; // { file, pos, how, line }
const perPass = [];
let remaining = [];
for (let pass = 1; ; pass++) {
  const ctx = context();
  const errs = errors(ctx.programOn);
  perPass.push(errs.length);
  if (errs.length === 0) break;
  if (pass > MAX_PASSES) {
    remaining = errs;
    break;
  }
  /** file → Map("start:end" → edit) */
  const edits = new Map();
  const unplaced = [];
  for (const d of errs) {
    const fixes = d.file && editable(d.file.fileName) ? fixesFor(ctx, d) : undefined;
    if (fixes === undefined) {
      unplaced.push(d);
      continue;
    }
    for (const e of fixes) {
      const sf = e.node.getSourceFile();
      if (!editable(sf.fileName)) continue;
      if (!edits.has(sf.fileName)) edits.set(sf.fileName, new Map());
      edits.get(sf.fileName).set(`${e.start}:${e.end}`, { ...e, at: where(sf, e.node.getStart()) });
    }
  }
  if (edits.size === 0) {
    remaining = unplaced;
    break;
  }
  let placed = 0;
  for (const [file, byRange] of [...edits].sort((a, b) => a[0].localeCompare(b[0]))) {
    let text = textOf(file);
    let limit = Number.POSITIVE_INFINITY;
    const sorted = [...byRange.values()].sort((a, b) => b.start - a.start || b.end - a.end);
    for (const e of sorted) {
      if (e.end > limit) continue; // overlaps one already applied: the next pass sees it again
      text = text.slice(0, e.start) + e.text + text.slice(e.end);
      limit = e.start;
      added.push({ file: rel(file), how: e.how, at: e.at });
      placed++;
    }
    overlay.set(file, text);
    versions.set(file, (versions.get(file) ?? 0) + 1);
  }
  console.log(
    `pass ${pass}: ${errs.length} tsc errors with ${FLAG} on; ${placed} edits${unplaced.length ? `; ${unplaced.length} errors not placed this pass` : ""}`,
  );
}
console.log(`tsc errors per pass: ${perPass.join(" → ")}`);
if (remaining.length > 0) {
  console.error(`unchecked-index: ${remaining.length} errors need a person; nothing written:`);
  for (const d of remaining) {
    console.error(`  ${describe(d)}`);
    if (process.env.UNCHECKED_DEBUG) {
      const n = nodeAt(d.file, d.start, d.start + d.length);
      console.error(
        `    at ${ts.SyntaxKind[n.kind]} \`${n.getText().slice(0, 60)}\` in ${ts.SyntaxKind[n.parent?.kind]}; values: ${subjectsOf(
          n,
        )
          .map((v) => ts.SyntaxKind[v.kind])
          .join(", ")}`,
      );
    }
  }
  process.exit(1);
}

// ---- report -----------------------------------------------------------------------------------------
const folderOf = (f) => {
  const parts = f.split("/");
  return parts[0] === "src" && parts.length > 2 ? `src/${parts[1]}` : parts[0];
};
const byFolder = new Map();
for (const a of added) {
  const k = folderOf(a.file);
  const row = byFolder.get(k) ?? { index: 0, use: 0, tuple: 0 };
  row[a.how]++;
  byFolder.set(k, row);
}
console.log(`edits: ${added.length} in ${overlay.size} files`);
console.log(
  "  folder                      `!` at an index  `!` at a destructured name  `as T[]` -> tuple",
);
for (const [k, row] of [...byFolder].sort((a, b) => a[0].localeCompare(b[0])))
  console.log(
    `  ${k.padEnd(28)} ${String(row.index).padStart(14)}  ${String(row.use).padStart(26)}  ${String(row.tuple).padStart(17)}`,
  );
if (verbose) for (const a of added) console.log(`  ${a.at} (${a.how})`);

if (dryRun) {
  console.log(
    `unchecked-index (dry run): would set ${FLAG} and change ${overlay.size} files${tsconfigChanged ? "" : " (flag already on)"}`,
  );
  process.exit(0);
}
if (tsconfigChanged) writeFileSync(tsconfigPath, newTsconfig);
const changed = [...overlay.keys()].sort();
for (const f of changed) writeFileSync(f, overlay.get(f));
console.log(
  `unchecked-index: ${FLAG} ${tsconfigChanged ? "set to true" : "already on"}; ${changed.length} files written`,
);

// ---- biome format on the changed files, until a pass changes nothing -------------------------------
if (changed.length > 0) {
  const fixed = biomeFormat(root, changed.map(rel), fail);
  console.log(
    `format: biome format --write reformatted ${fixed[0]} files (passes: ${fixed.join(", ")})`,
  );
}
console.log("unchecked-index: done. Next: npm run typecheck && npm run lint && npm test");
