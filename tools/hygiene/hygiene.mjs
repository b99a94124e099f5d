#!/usr/bin/env node
// Code-hygiene codemod for issue 16, part C. Three mechanical steps, in this order:
//   1. privates: TypeScript `private` members (fields, methods, accessors, constructor parameter
//      properties) become ECMAScript `#` members in every TypeScript file of tsconfig.json, with every
//      use renamed. A member is skipped (and listed) where that is unsafe: reached from outside its
//      class (`x["name"]`, through a cast or an `any` value, `vi.spyOn(x, "name")`, `"name" in x`,
//      destructuring), a class with `this[expr]`, decorators or an interface merge, overloads, and
//      fields of a class that spreads or serialises `this`.
//   2. exports: exported symbols of src/ that no other file uses (src/, test/, tools/, bench/,
//      scripts/, training/, bin/, CI, launch and package.json) lose `export` when the file itself
//      uses them, and are deleted when nothing does; imports and local helpers that this leaves
//      unused are removed too. Kept: entry points (files run by path, loaded by a computed
//      import(), or whose namespace object is passed around), generated files, exported types that
//      appear in the signature of a used export, unused exports the docs name (listed), and
//      declarations whose initialiser may have side effects (only `export` is dropped). Repeats
//      until a round finds nothing.
//   3. format: `biome format --write` (settings in biome.json), until a pass changes nothing.
// See tools/hygiene/README.md.
// Type-checks before and after (in memory) and refuses to write when the edits add a tsc error.
//
//   node tools/hygiene/hygiene.mjs              apply (needs a clean git tree)
//   node tools/hygiene/hygiene.mjs --dry-run    print what it would do, change nothing
//   options: --only privates,exports,format    run some steps only
//            --verbose                          list every converted member and removed export
//            --allow-dirty                      run on a tree with uncommitted changes
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  biomeFormat,
  loadTsconfig,
  openRepo,
  overlayService,
  requireCleanTree,
} from "./project.mjs";

const { root, ts, fail, rel } = openRepo("hygiene");
const argv = process.argv.slice(2);
const dryRun = argv.includes("--dry-run");
const verbose = argv.includes("--verbose");
const onlyArg = argv.indexOf("--only");
const steps = new Set(
  onlyArg >= 0 ? argv[onlyArg + 1].split(",") : ["privates", "exports", "format"],
);
for (const s of steps)
  if (!["privates", "exports", "format"].includes(s)) fail(`unknown step ${s}`);
if (!dryRun && !argv.includes("--allow-dirty")) requireCleanTree(fail);

/** Files that are data or vendored: never edited. */
const LEAVE = /(^|\/)(node_modules|fixtures|ros_ws|\.library|dist)\//;
const GENERATED = /\.generated\.ts$/;

// ---- an in-memory language service over tsconfig.json ---------------------------------------------
const parsed = loadTsconfig(ts, root, fail);
const overlay = new Map(); // absolute path → edited text
const versions = new Map();
const service = overlayService(ts, root, parsed, overlay, versions);
const textOf = (f) => overlay.get(f) ?? readFileSync(f, "utf8");
function setText(f, text) {
  if (text === textOf(f)) return;
  overlay.set(f, text);
  versions.set(f, (versions.get(f) ?? 0) + 1);
}
/** The project's own TypeScript files (not lib or node_modules declarations). */
function projectFiles(program) {
  return program
    .getSourceFiles()
    .filter(
      (sf) =>
        !sf.isDeclarationFile &&
        !rel(sf.fileName).startsWith("..") &&
        !LEAVE.test(rel(sf.fileName)),
    );
}
function loc(node) {
  const sf = node.getSourceFile();
  const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  return `${rel(sf.fileName)}:${line + 1}`;
}

/** Edits per file: { start, end, text }, applied back to front; overlapping edits are a bug. */
function applyEdits(editsByFile) {
  for (const [file, edits] of editsByFile) {
    const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
    let text = textOf(file);
    let limit = Number.POSITIVE_INFINITY;
    for (const e of sorted) {
      if (e.end > limit) fail(`overlapping edits in ${rel(file)} at ${e.start}`);
      text = text.slice(0, e.start) + e.text + text.slice(e.end);
      limit = e.start;
    }
    setText(file, text);
  }
}
function addEdit(map, file, start, end, text) {
  if (!map.has(file)) map.set(file, []);
  const list = map.get(file);
  if (!list.some((e) => e.start === start && e.end === end && e.text === text))
    list.push({ start, end, text });
}

function errors(program) {
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.category === ts.DiagnosticCategory.Error);
}
function describe(d) {
  const where = d.file
    ? `${rel(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
    : "";
  return `${where} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
}
const key = (d) =>
  `${d.file ? rel(d.file.fileName) : ""}|${d.code}|${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;

console.log(`hygiene${dryRun ? " (dry run)" : ""}: type-checking the tree as it is …`);
const baseline = new Set(errors(service.getProgram()).map(key));
if (baseline.size > 0)
  console.log(`  note: ${baseline.size} tsc errors before any change (ignored when comparing)`);

function checkNoNewErrors(step) {
  const added = errors(service.getProgram()).filter((d) => !baseline.has(key(d)));
  if (added.length === 0) return;
  console.error(`hygiene: step ${step} would add ${added.length} tsc errors; nothing written:`);
  for (const d of added.slice(0, 40)) console.error(`  ${describe(d)}`);
  process.exit(1);
}

const skipOuter = (e) => {
  while (
    ts.isParenthesizedExpression(e) ||
    ts.isAsExpression(e) ||
    ts.isTypeAssertionExpression(e) ||
    ts.isSatisfiesExpression(e) ||
    ts.isNonNullExpression(e)
  )
    e = e.expression;
  return e;
};
const isCast = (e) => {
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  return ts.isAsExpression(e) || ts.isTypeAssertionExpression(e);
};

// =====================================================================================================
// 1. private → #
// =====================================================================================================
const privateReport = { converted: [], skipped: [], tests: [] };

function privatesStep() {
  const program = service.getProgram();
  const checker = program.getTypeChecker();
  const files = projectFiles(program);
  /** @type {Map<ts.Node, object>} declaration node → member */
  const byDecl = new Map();
  const members = [];
  const declNames = new Set();

  const hasThisOutsideFunctions = (node) => {
    let found = false;
    const visit = (n) => {
      if (found || ts.isFunctionLike(n) || ts.isClassLike(n)) return;
      if (n.kind === ts.SyntaxKind.ThisKeyword) found = true;
      else ts.forEachChild(n, visit);
    };
    visit(node);
    return found;
  };

  for (const sf of files) {
    const visitClass = (cls) => {
      const classReasons = [];
      const fieldReasons = [];
      if (
        (ts.canHaveDecorators(cls) && ts.getDecorators(cls)?.length) ||
        cls.members.some((m) => ts.canHaveDecorators(m) && ts.getDecorators(m)?.length)
      )
        classReasons.push("decorators");
      const clsSym = cls.name ? checker.getSymbolAtLocation(cls.name) : undefined;
      if (clsSym?.declarations?.some((d) => ts.isInterfaceDeclaration(d)))
        classReasons.push("interface merge");
      const walk = (n) => {
        if (
          ts.isElementAccessExpression(n) &&
          skipOuter(n.expression).kind === ts.SyntaxKind.ThisKeyword &&
          !ts.isStringLiteralLike(n.argumentExpression)
        ) {
          classReasons.push(`this[…] at ${loc(n)}`);
        }
        if (
          (ts.isSpreadElement(n) || ts.isSpreadAssignment(n)) &&
          skipOuter(n.expression).kind === ts.SyntaxKind.ThisKeyword
        )
          fieldReasons.push(`...this at ${loc(n)}`);
        if (
          ts.isCallExpression(n) &&
          /^(Object\.(keys|values|entries|assign|getOwnPropertyNames)|JSON\.stringify|structuredClone)$/.test(
            n.expression.getText(sf),
          ) &&
          n.arguments.some((a) => skipOuter(a).kind === ts.SyntaxKind.ThisKeyword)
        ) {
          fieldReasons.push(`${n.expression.getText(sf)}(this) at ${loc(n)}`);
        }
        if (!ts.isClassLike(n) || n === cls) ts.forEachChild(n, walk);
      };
      walk(cls);
      const thisInInitialisers = cls.members.some(
        (m) =>
          ts.isPropertyDeclaration(m) &&
          m.initializer &&
          !(ts.getCombinedModifierFlags(m) & ts.ModifierFlags.Static) &&
          hasThisOutsideFunctions(m.initializer),
      );
      const existingHash = new Set(
        cls.members
          .filter((m) => m.name && ts.isPrivateIdentifier(m.name))
          .map((m) => m.name.text.slice(1)),
      );
      const classMembers = [];
      const add = (decl, name, kind, symbol) => {
        let m = members.find((x) => x.symbol === symbol && symbol);
        if (!m) {
          m = {
            cls,
            sf,
            name,
            kind,
            symbol,
            decls: [],
            refs: [],
            reasons: [...classReasons],
            newName: "",
          };
          if (kind === "field" || kind === "param") m.reasons.push(...fieldReasons);
          members.push(m);
          classMembers.push(m);
        }
        m.decls.push(decl);
        byDecl.set(decl, m);
        declNames.add(decl.name);
        if (existingHash.has(name)) m.reasons.push(`#${name} already exists in the class`);
        return m;
      };
      for (const member of cls.members) {
        if (ts.isConstructorDeclaration(member)) {
          for (const p of member.parameters) {
            if (!(ts.getCombinedModifierFlags(p) & ts.ModifierFlags.Private)) continue;
            if (!ts.isIdentifier(p.name)) continue;
            const [, propSym] = checker.getSymbolsOfParameterPropertyDeclaration(p, p.name.text);
            const m = add(p, p.name.text, "param", propSym);
            m.ctor = member;
            if (!member.body) m.reasons.push("constructor overload");
            if (p.questionToken) m.reasons.push("optional parameter property");
            if (!p.type) m.reasons.push("parameter property without a type annotation");
            if (thisInInitialisers)
              m.reasons.push(
                "a field initialiser of the class reads `this` (it would run before the constructor body assigns the field)",
              );
          }
          continue;
        }
        if (
          !(
            ts.isPropertyDeclaration(member) ||
            ts.isMethodDeclaration(member) ||
            ts.isGetAccessorDeclaration(member) ||
            ts.isSetAccessorDeclaration(member)
          )
        )
          continue;
        if (!(ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Private)) continue;
        if (!member.name || !ts.isIdentifier(member.name)) continue;
        const sym = checker.getSymbolAtLocation(member.name);
        const kind = ts.isPropertyDeclaration(member)
          ? "field"
          : ts.isMethodDeclaration(member)
            ? "method"
            : "accessor";
        const m = add(member, member.name.text, kind, sym);
        if (ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Abstract)
          m.reasons.push("abstract");
        if (member.modifiers?.some((x) => x.kind === ts.SyntaxKind.DeclareKeyword))
          m.reasons.push("declare field");
      }
      for (const m of classMembers)
        if (m.kind === "method" && m.decls.length > 1) m.reasons.push("overloads");
      // #name, without a leading underscore where that stays unique in the class.
      for (const m of classMembers) {
        const bare = m.name.replace(/^_+/, "");
        const wanted =
          bare !== m.name &&
          bare !== "" &&
          !classMembers.some(
            (o) => o !== m && (o.name === bare || o.name.replace(/^_+/, "") === bare),
          ) &&
          !existingHash.has(bare)
            ? bare
            : m.name;
        m.newName = `#${wanted}`;
      }
    };
    const visit = (n) => {
      if (ts.isClassLike(n)) visitClass(n);
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }

  const names = new Set(members.map((m) => m.name));
  const nameFlags = new Map(); // member name → reasons that apply to every member of that name
  const flagName = (name, reason) => {
    if (!nameFlags.has(name)) nameFlags.set(name, []);
    nameFlags.get(name).push(reason);
  };
  const memberOf = (sym) => {
    if (!sym?.declarations) return undefined;
    for (const d of sym.declarations) {
      const m = byDecl.get(d);
      if (!m) continue;
      if (m.kind === "param" && !(sym.flags & ts.SymbolFlags.Property)) return undefined; // the parameter itself
      return m;
    }
    return undefined;
  };
  const isAnyLike = (t) => (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0;
  const inTest = (node) => rel(node.getSourceFile().fileName).startsWith("test/");
  const bad = (m, node, why) => {
    m.reasons.push(`${why} at ${loc(node)}`);
    if (inTest(node))
      privateReport.tests.push(
        `${loc(node)}: ${why} (${m.name} of ${m.cls.name?.text ?? "class"})`,
      );
  };
  /** A member reached through a cast: `(x as unknown as { name: T }).name`. */
  const throughCast = (receiver, name) => {
    if (!isCast(receiver)) return undefined;
    const innerType = checker.getTypeAtLocation(skipOuter(receiver));
    if (isAnyLike(innerType)) return undefined;
    return memberOf(checker.getPropertyOfType(checker.getApparentType(innerType), name));
  };

  const thisDestructures = new Set();
  const simpleThisDestructure = (vd) =>
    ts.isVariableDeclaration(vd) &&
    vd.initializer &&
    skipOuter(vd.initializer).kind === ts.SyntaxKind.ThisKeyword &&
    !vd.type &&
    vd.name.elements.every(
      (e) =>
        !e.dotDotDotToken &&
        !e.initializer &&
        ts.isIdentifier(e.name) &&
        (!e.propertyName || ts.isIdentifier(e.propertyName)),
    );
  for (const sf of files) {
    const visit = (node) => {
      if (ts.isIdentifier(node) && names.has(node.text) && !declNames.has(node)) {
        const p = node.parent;
        const sym = checker.getSymbolAtLocation(node);
        const m = memberOf(sym);
        const isAccessName = ts.isPropertyAccessExpression(p) && p.name === node;
        if (m) {
          if (isAccessName) m.refs.push(node);
          else bad(m, node, `used as ${ts.SyntaxKind[p.kind]}`);
        } else if (isAccessName) {
          const cast = throughCast(p.expression, node.text);
          if (cast) bad(cast, node, "accessed through a cast");
          else if (!sym && isAnyLike(checker.getTypeAtLocation(p.expression))) {
            flagName(node.text, `.${node.text} on an any-typed value at ${loc(node)}`);
            if (inTest(node))
              privateReport.tests.push(`${loc(node)}: .${node.text} on an any-typed value`);
          }
        } else if (
          ts.isBindingElement(p) &&
          ts.isObjectBindingPattern(p.parent) &&
          (p.propertyName ?? p.name) === node
        ) {
          const t = checker.getTypeAtLocation(p.parent);
          const bm = memberOf(checker.getPropertyOfType(t, node.text));
          const vd = p.parent.parent;
          if (bm && simpleThisDestructure(vd)) {
            bm.refs.push(p); // `const { a, b } = this` becomes `const a = this.#a, b = this.#b`
            thisDestructures.add(vd);
          } else if (bm) bad(bm, node, "destructured");
        }
      } else if (ts.isStringLiteralLike(node) && names.has(node.text)) {
        const p = node.parent;
        const m = memberOf(checker.getSymbolAtLocation(node));
        if (m) bad(m, node, `named by a string (${ts.SyntaxKind[p.kind]})`);
        else if (ts.isElementAccessExpression(p) && p.argumentExpression === node) {
          const cast = throughCast(p.expression, node.text);
          if (cast) bad(cast, node, "accessed through a cast");
          else if (isAnyLike(checker.getTypeAtLocation(p.expression)))
            flagName(node.text, `["${node.text}"] on an any-typed value at ${loc(node)}`);
        } else if (
          ts.isBinaryExpression(p) &&
          p.operatorToken.kind === ts.SyntaxKind.InKeyword &&
          p.left === node
        ) {
          flagName(node.text, `"${node.text}" in … at ${loc(node)}`);
        } else if (ts.isCallExpression(p) && /spyOn$/.test(p.expression.getText(sf))) {
          flagName(node.text, `spyOn(…, "${node.text}") at ${loc(node)}`);
          if (inTest(node)) privateReport.tests.push(`${loc(node)}: spyOn(…, "${node.text}")`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  for (const m of members) m.reasons.push(...(nameFlags.get(m.name) ?? []));

  // ---- edits -------------------------------------------------------------------------------------
  const edits = new Map();
  const ctorInserts = new Map(); // constructor → members (param properties)
  for (const m of members) {
    const className = m.cls.name?.text ?? "(class expression)";
    if (m.reasons.length > 0) {
      privateReport.skipped.push(
        `${rel(m.sf.fileName)} ${className}.${m.name}: ${[...new Set(m.reasons)].join("; ")}`,
      );
      continue;
    }
    privateReport.converted.push(
      `${rel(m.sf.fileName)} ${className}.${m.name} → ${m.newName} (${m.kind}, ${m.refs.length} uses)`,
    );
    const file = m.sf.fileName;
    const text = m.sf.text;
    for (const ref of m.refs)
      if (!ts.isBindingElement(ref))
        addEdit(edits, ref.getSourceFile().fileName, ref.getStart(), ref.getEnd(), m.newName);
    if (m.kind === "param") {
      const p = m.decls[0];
      // `private readonly name: T` → `name: T`; the field and its assignment are added below.
      addEdit(edits, file, p.modifiers[0].getStart(m.sf), p.name.getStart(m.sf), "");
      if (!ctorInserts.has(m.ctor)) ctorInserts.set(m.ctor, []);
      ctorInserts.get(m.ctor).push(m);
      continue;
    }
    for (const d of m.decls) {
      const mod = d.modifiers.find((x) => x.kind === ts.SyntaxKind.PrivateKeyword);
      let end = mod.getEnd();
      while (/\s/.test(text[end])) end++;
      addEdit(edits, file, mod.getStart(m.sf), end, "");
      addEdit(edits, file, d.name.getStart(m.sf), d.name.getEnd(), m.newName);
    }
  }
  for (const vd of thisDestructures) {
    const sf = vd.getSourceFile();
    const parts = vd.name.elements.map((e) => {
      const prop = (e.propertyName ?? e.name).text;
      const m = members.find((x) => x.reasons.length === 0 && x.refs.includes(e));
      return `${e.name.text} = ${vd.initializer.getText(sf)}.${m ? m.newName : prop}`;
    });
    const statement = vd.parent.parent;
    if (
      vd.parent.declarations.length === 1 &&
      ts.isVariableStatement(statement) &&
      !statement.modifiers?.length
    ) {
      // One statement per variable: `const a = this.#a;` on its own line.
      const keyword =
        vd.parent.flags & ts.NodeFlags.Const
          ? "const"
          : vd.parent.flags & ts.NodeFlags.Let
            ? "let"
            : "var";
      const lineStart = sf.text.lastIndexOf("\n", statement.getStart(sf) - 1) + 1;
      const indent = /^[ \t]*/.exec(sf.text.slice(lineStart))[0];
      addEdit(
        edits,
        sf.fileName,
        statement.getStart(sf),
        statement.getEnd(),
        parts.map((x) => `${keyword} ${x};`).join(`\n${indent}`),
      );
    } else addEdit(edits, sf.fileName, vd.getStart(sf), vd.getEnd(), parts.join(", "));
  }
  for (const [ctor, list] of ctorInserts) {
    const sf = ctor.getSourceFile();
    const text = sf.text;
    const lineStart = (pos) => text.lastIndexOf("\n", pos - 1) + 1;
    const ctorStart = ctor.getStart(sf, true);
    const indent = /^[ \t]*/.exec(text.slice(lineStart(ctorStart)))[0];
    const fields = list
      .map((m) => {
        const p = m.decls[0];
        const ro = ts.getCombinedModifierFlags(p) & ts.ModifierFlags.Readonly ? "readonly " : "";
        const doc = text.slice(p.getFullStart(), p.getStart(sf)).trim();
        const docLine = doc.startsWith("/**") ? `${indent}${doc}\n` : "";
        return `${docLine}${indent}${ro}${m.newName}: ${p.type.getText(sf)};\n`;
      })
      .join("");
    addEdit(edits, sf.fileName, lineStart(ctorStart), lineStart(ctorStart), `${fields}\n`);
    for (const m of list) {
      const p = m.decls[0];
      const doc = text.slice(p.getFullStart(), p.getStart(sf));
      if (doc.includes("/**"))
        addEdit(
          edits,
          sf.fileName,
          p.getFullStart(),
          p.getStart(sf),
          doc
            .slice(0, doc.indexOf("/**"))
            .replace(/\s+$/, m.decls[0] === ctor.parameters[0] ? "" : " "),
        );
    }
    const body = ctor.body;
    const assigns = list.map((m) => `this.${m.newName} = ${m.decls[0].name.text};`);
    const inner = `${indent}  `;
    const extendsClause = ctor.parent.heritageClauses?.some(
      (h) => h.token === ts.SyntaxKind.ExtendsKeyword,
    );
    if (body.statements.length === 0) {
      addEdit(
        edits,
        sf.fileName,
        body.getStart(sf),
        body.getEnd(),
        `{\n${assigns.map((a) => inner + a).join("\n")}\n${indent}}`,
      );
    } else {
      const superCall = extendsClause
        ? body.statements.find(
            (s) =>
              ts.isExpressionStatement(s) &&
              ts.isCallExpression(s.expression) &&
              s.expression.expression.kind === ts.SyntaxKind.SuperKeyword,
          )
        : undefined;
      if (extendsClause && !superCall)
        fail(`${loc(ctor)}: derived constructor without a top-level super() call`);
      const at = superCall ? superCall.getEnd() : body.getStart(sf) + 1;
      addEdit(edits, sf.fileName, at, at, assigns.map((a) => `\n${inner}${a}`).join(""));
    }
  }
  applyEdits(edits);
  const nConverted = privateReport.converted.length;
  console.log(
    `privates: ${nConverted} converted to #, ${privateReport.skipped.length} skipped, ${edits.size} files edited`,
  );
  if (verbose) for (const c of privateReport.converted) console.log(`  converted ${c}`);
  for (const s of privateReport.skipped) console.log(`  skipped ${s}`);
  if (privateReport.tests.length > 0) {
    console.log(`  tests that reach into members (private or not converted):`);
    for (const t of [...new Set(privateReport.tests)]) console.log(`    ${t}`);
  } else console.log("  tests that reach into private members: none found");
  return edits.size;
}

// =====================================================================================================
// 2. dead exports in src/
// =====================================================================================================
const exportReport = {
  unexported: [],
  deleted: [],
  cascaded: [],
  keptSignature: [],
  keptSideEffects: [],
  keptDocumented: [],
  manual: [],
};

/** Names written in code of README.md and docs/ (`MaskCrosswalkSource.create`) → the first file naming one. */
function documentedNames() {
  const names = new Map();
  const docs = execFileSync("git", ["ls-files", "-z", "README.md", "docs"], { encoding: "utf8" })
    .split("\0")
    .filter((f) => f.endsWith(".md"));
  for (const f of docs) {
    const text = textOf(join(root, f));
    // An identifier that opens a code span (`MaskCrosswalkSource.create({ … })`), or any in a fenced block.
    for (const id of text.matchAll(/(?<!`)`([A-Za-z_$][\w$]*)/g))
      if (!names.has(id[1])) names.set(id[1], f);
    for (const block of text.matchAll(/```[\w-]*\n([\s\S]*?)```/g)) {
      for (const id of block[1].matchAll(/[A-Za-z_$][\w$]*/g))
        if (!names.has(id[0])) names.set(id[0], f);
    }
  }
  return names;
}

/** Repo files that name a src file by path (run by path, spawned, loaded by URL): their exports stay. */
function entriesByPath(program) {
  const entries = new Map(); // src path → why
  const note = (p, why) => {
    const clean = p.replace(/\.js$/, ".ts");
    if (/^src\/.*\.ts$/.test(clean) && !entries.has(clean)) entries.set(clean, why);
  };
  const scanText = (text, where) => {
    for (const m of text.matchAll(/(?<![\w.-])(src\/[\w./-]+\.(?:ts|js))\b/g))
      note(m[1], `named in ${where}`);
    for (const m of text.matchAll(/"src"((?:\s*,\s*"[\w.-]+")+)/g))
      note(
        ["src", ...[...m[1].matchAll(/"([\w.-]+)"/g)].map((x) => x[1])].join("/"),
        `path segments in ${where}`,
      );
  };
  const tracked = execFileSync("git", ["ls-files", "-z"], { encoding: "utf8", maxBuffer: 64 << 20 })
    .split("\0")
    .filter(Boolean);
  for (const f of tracked) {
    if (LEAVE.test(f) || f.startsWith("tools/hygiene/") || f.startsWith("tools/relayout/"))
      continue;
    const codeOrConfig =
      /\.(mjs|cjs|js|sh|py|ya?ml|xml|toml)$/.test(f) ||
      f === "package.json" ||
      f.startsWith(".ci/") ||
      /(^|\/)Dockerfile/.test(f);
    if (codeOrConfig) scanText(textOf(join(root, f)), f);
  }
  for (const sf of projectFiles(program)) {
    const visit = (n) => {
      // A string that is a path ("src/cli/main.ts", "../src/x.js"), not a sentence that names one.
      const p = n.parent;
      const moduleSpecifier =
        p &&
        (ts.isImportDeclaration(p) ||
          ts.isExportDeclaration(p) ||
          ts.isExternalModuleReference(p) ||
          ts.isLiteralTypeNode(p) ||
          (ts.isCallExpression(p) &&
            (p.expression.kind === ts.SyntaxKind.ImportKeyword ||
              /^vi\.\w+$/.test(p.expression.getText(sf)))));
      if (
        ts.isStringLiteralLike(n) &&
        !moduleSpecifier &&
        /^(?:\.{1,2}\/)*(?:[\w.-]+\/)*src\/[\w./-]+\.(?:ts|js)$/.test(n.text)
      ) {
        note(n.text.slice(n.text.indexOf("src/")), `path string in ${rel(sf.fileName)}`);
      }
      if (
        ts.isCallExpression(n) &&
        n.arguments.length > 0 &&
        n.arguments.every((a) => ts.isStringLiteral(a)) &&
        n.arguments[0].text === "src"
      ) {
        note(n.arguments.map((a) => a.text).join("/"), `path segments in ${rel(sf.fileName)}`);
      }
      // new URL("./x.js", import.meta.url): a worker or asset loaded by path.
      if (
        ts.isNewExpression(n) &&
        n.expression.getText(sf) === "URL" &&
        n.arguments?.[0] &&
        ts.isStringLiteral(n.arguments[0]) &&
        n.arguments[0].text.startsWith(".")
      ) {
        note(
          rel(resolve(sf.fileName, "..", n.arguments[0].text)),
          `new URL() in ${rel(sf.fileName)}`,
        );
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return entries;
}

function exportsStep() {
  const program = service.getProgram();
  const checker = program.getTypeChecker();
  const files = projectFiles(program);
  const entries = entriesByPath(program);
  const srcFiles = files.filter(
    (sf) => rel(sf.fileName).startsWith("src/") && !GENERATED.test(sf.fileName),
  );

  // Dynamic import() whose module object is not used as `(await import(x)).name` or destructured,
  // and namespace imports used as values: every export of that module counts as used.
  const resolveModule = (fromSf, spec) =>
    ts.resolveModuleName(spec, fromSf.fileName, parsed.options, ts.sys).resolvedModule
      ?.resolvedFileName;
  for (const sf of files) {
    const visit = (n) => {
      if (
        ts.isCallExpression(n) &&
        n.expression.kind === ts.SyntaxKind.ImportKeyword &&
        n.arguments[0] &&
        ts.isStringLiteralLike(n.arguments[0])
      ) {
        const target = resolveModule(sf, n.arguments[0].text);
        let up = n.parent;
        if (ts.isAwaitExpression(up)) up = up.parent;
        while (ts.isParenthesizedExpression(up)) up = up.parent;
        const precise =
          ts.isPropertyAccessExpression(up) ||
          (ts.isVariableDeclaration(up) && ts.isObjectBindingPattern(up.name)) ||
          (ts.isPropertyAccessExpression(n.parent) && n.parent.name.text === "then");
        // const [{ a }, { b }] = await Promise.all([import("…"), import("…")])
        let viaAll = false;
        if (
          ts.isArrayLiteralExpression(up) &&
          ts.isCallExpression(up.parent) &&
          up.parent.expression.getText(sf) === "Promise.all"
        ) {
          let all = up.parent.parent;
          if (ts.isAwaitExpression(all)) all = all.parent;
          const i = up.elements.indexOf(n);
          viaAll =
            ts.isVariableDeclaration(all) &&
            ts.isArrayBindingPattern(all.name) &&
            ts.isBindingElement(all.name.elements[i] ?? up) &&
            ts.isObjectBindingPattern(all.name.elements[i].name);
        }
        if (target && !precise && !viaAll)
          entries.set(rel(target), entries.get(rel(target)) ?? `import() in ${rel(sf.fileName)}`);
        // .then((m) => m.x): the callback's parameter is typed, so its property uses resolve.
      }
      if (ts.isNamespaceImport(n)) {
        const decl = n.parent.parent;
        const target = resolveModule(sf, decl.moduleSpecifier.text);
        const nsSym = checker.getSymbolAtLocation(n.name);
        let asValue = false;
        const uses = (x) => {
          if (
            ts.isIdentifier(x) &&
            x !== n.name &&
            x.text === n.name.text &&
            checker.getSymbolAtLocation(x) === nsSym
          ) {
            if (
              !(ts.isPropertyAccessExpression(x.parent) && x.parent.expression === x) &&
              !ts.isQualifiedName(x.parent)
            )
              asValue = true;
          }
          ts.forEachChild(x, uses);
        };
        uses(sf);
        if (target && asValue)
          entries.set(rel(target), `namespace object passed around in ${rel(sf.fileName)}`);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }

  // ---- every export of src/ and where it is used ---------------------------------------------------
  const exportsOf = new Map(); // sf → [symbol]
  const names = new Set();
  const exportDeclNames = new Set();
  for (const sf of srcFiles) {
    const modSym = checker.getSymbolAtLocation(sf);
    if (!modSym) continue;
    const list = checker
      .getExportsOfModule(modSym)
      .filter((s) => s.declarations?.some((d) => d.getSourceFile() === sf));
    exportsOf.set(sf, list);
    for (const s of list) {
      names.add(s.name);
      for (const d of s.declarations ?? []) {
        const n = ts.getNameOfDeclaration(d);
        if (n) exportDeclNames.add(n);
        if (ts.isExportSpecifier(d)) exportDeclNames.add(d.name);
      }
    }
  }
  const keyOf = (sym) => sym?.declarations?.[0];
  const usage = new Map(); // declaration node → Map(file → [reference nodes])
  const record = (sym, node) => {
    // Every declaration: a property of a union of modules names the export of each.
    for (const k of sym?.declarations ?? []) {
      if (!usage.has(k)) usage.set(k, new Map());
      const byFile = usage.get(k);
      const f = node.getSourceFile().fileName;
      if (!byFile.has(f)) byFile.set(f, []);
      byFile.get(f).push(node);
    }
  };
  for (const sf of files) {
    const visit = (n) => {
      if (ts.isIdentifier(n) && names.has(n.text) && !exportDeclNames.has(n)) {
        let sym = checker.getSymbolAtLocation(n);
        if (ts.isShorthandPropertyAssignment(n.parent))
          sym = checker.getShorthandAssignmentValueSymbol(n.parent);
        if (ts.isExportSpecifier(n.parent) && !n.parent.parent.parent.moduleSpecifier) {
          // `export { local }`: the specifier's local side names the local declaration.
          sym = checker.getExportSpecifierLocalTargetSymbol(n.parent);
        }
        let hops = 0;
        while (sym && hops++ < 20) {
          record(sym, n);
          if (!(sym.flags & ts.SymbolFlags.Alias)) break;
          const next = checker.getImmediateAliasedSymbol(sym);
          if (!next || next === sym) break;
          sym = next;
        }
        if (sym) {
          const exp = checker.getExportSymbolOfSymbol(sym);
          if (exp !== sym) record(exp, n);
        }
        // `const { name } = await import("…")` / `= namespace`: the property of the module object.
        const b = n.parent;
        if (
          ts.isBindingElement(b) &&
          ts.isObjectBindingPattern(b.parent) &&
          (b.propertyName ?? b.name) === n
        ) {
          const prop = checker.getPropertyOfType(checker.getTypeAtLocation(b.parent), n.text);
          if (prop) record(prop, n);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }

  // ---- decide --------------------------------------------------------------------------------------
  const decisions = []; // { sf, sym, action: "keep" | "unexport" | "delete", why }
  for (const [sf, list] of exportsOf) {
    const file = rel(sf.fileName);
    const entry = entries.get(file);
    for (const sym of list) {
      const byFile = usage.get(keyOf(sym)) ?? new Map();
      const external = [...byFile.keys()].filter((f) => f !== sf.fileName);
      const local = byFile.get(sf.fileName) ?? [];
      if (external.length > 0) decisions.push({ sf, sym, action: "keep", why: "used" });
      else if (entry) decisions.push({ sf, sym, action: "keep", why: `entry point (${entry})` });
      else decisions.push({ sf, sym, action: local.length > 0 ? "unexport" : "delete", local });
    }
  }
  // Deleting what the docs describe is a decision for a person: such exports stay, listed.
  const documented = documentedNames();
  for (const d of decisions) {
    if (d.action === "delete" && documented.has(d.sym.name)) {
      d.action = "keep";
      exportReport.keptDocumented.push(
        `${rel(d.sf.fileName)} ${d.sym.name} (${documented.get(d.sym.name)})`,
      );
    } else if (
      d.action === "unexport" &&
      documented.has(d.sym.name) &&
      d.local.every((r) => (d.sym.declarations ?? []).some((x) => r.pos >= x.pos && r.end <= x.end))
    ) {
      // Used only inside its own declaration (a class naming itself): unexporting would leave it unused.
      d.action = "keep";
      exportReport.keptDocumented.push(
        `${rel(d.sf.fileName)} ${d.sym.name} (${documented.get(d.sym.name)})`,
      );
    }
  }
  // Types in the signature of an export that stays: they stay exported (callers need to name them).
  const isTypeOnly = (sym) =>
    (sym.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) !== 0 &&
    !(sym.flags & ts.SymbolFlags.Value);
  const topStatement = (n) => {
    while (n.parent && !ts.isSourceFile(n.parent)) n = n.parent;
    return n;
  };
  const inBody = (n) => {
    for (let x = n.parent; x && !ts.isSourceFile(x); x = x.parent)
      if (ts.isBlock(x) || (ts.isArrowFunction(x) && x.body === n)) return true;
    return false;
  };
  const keptStatements = () =>
    new Set(
      decisions
        .filter((d) => d.action === "keep")
        .flatMap((d) => (d.sym.declarations ?? []).map(topStatement)),
    );
  for (let changed = true; changed; ) {
    changed = false;
    const kept = keptStatements();
    for (const d of decisions) {
      if (d.action !== "unexport" || !isTypeOnly(d.sym)) continue;
      const own = new Set((d.sym.declarations ?? []).map(topStatement));
      if (
        d.local.some((r) => !inBody(r) && kept.has(topStatement(r)) && !own.has(topStatement(r)))
      ) {
        d.action = "keep";
        d.why = "in the signature of a used export";
        exportReport.keptSignature.push(`${rel(d.sf.fileName)} ${d.sym.name}`);
        changed = true;
      }
    }
  }

  const edits = new Map();
  const deletedStatements = new Set();
  for (const d of decisions) {
    if (d.action === "keep") continue;
    const file = d.sf.fileName;
    const name = `${rel(file)} ${d.sym.name}`;
    const decls = d.sym.declarations ?? [];
    if (decls.some((x) => ts.isExportSpecifier(x))) {
      // `export { a }` / `export { a } from "…"`: drop the specifier; a local `a` left unused is removed later.
      for (const spec of decls) removeListElement(edits, d.sf, spec);
      (d.action === "delete" ? exportReport.deleted : exportReport.unexported).push(
        `${name} (export specifier)`,
      );
      continue;
    }
    const statements = [...new Set(decls.map(topStatement))];
    let action = d.action;
    if (action === "delete") {
      const unsafe = statements.find(
        (s) =>
          ts.isVariableStatement(s) &&
          (s.declarationList.declarations.length > 1 ||
            s.declarationList.declarations.some(
              (v) => v.initializer && mayHaveSideEffects(v.initializer),
            )),
      );
      if (unsafe) {
        action = "unexport";
        exportReport.keptSideEffects.push(
          `${name}: initialiser may have side effects (export dropped, declaration kept)`,
        );
      }
    }
    if (action === "delete") {
      for (const s of statements) {
        deleteStatement(edits, d.sf, s);
        deletedStatements.add(s);
      }
      exportReport.deleted.push(name);
    } else {
      for (const s of statements) {
        if (ts.isVariableStatement(s) && s.declarationList.declarations.length > 1) {
          exportReport.manual.push(
            `${name}: declared with others in one \`export const\`; left exported`,
          );
          continue;
        }
        const mod = ts.canHaveModifiers(s)
          ? s.modifiers?.find((m) => m.kind === ts.SyntaxKind.ExportKeyword)
          : undefined;
        if (!mod) {
          exportReport.manual.push(`${name}: no export keyword found at ${loc(s)}`);
          continue;
        }
        let end = mod.getEnd();
        while (/\s/.test(d.sf.text[end])) end++;
        addEdit(edits, file, mod.getStart(d.sf), end, "");
      }
      exportReport.unexported.push(name);
    }
  }
  applyEdits(edits);
  cascade(new Set(edits.keys()));
  const cascaded = new Set(exportReport.cascaded);
  const moved = exportReport.unexported.filter((n) => cascaded.has(n));
  exportReport.unexported = exportReport.unexported.filter((n) => !cascaded.has(n));
  exportReport.deleted.push(...moved);
  exportReport.cascaded = exportReport.cascaded.filter((n) => !moved.includes(n));
  exportReport.entryList = [...entries]
    .filter(([f]) => exportsOf.has(program.getSourceFile(join(root, f))))
    .map(([f, why]) => `${f}: ${why}`);
  return edits.size;
}

function printExportReport() {
  for (const k of ["keptSignature", "keptSideEffects", "keptDocumented", "manual"]) {
    exportReport[k] = [...new Set(exportReport[k])];
  }
  console.log(
    `exports: ${exportReport.unexported.length} unexported (used only in their file), ${exportReport.deleted.length} deleted (unused), ${exportReport.cascaded.length} local declarations deleted because only deleted code used them`,
  );
  const list = (title, items) => {
    if (items.length === 0) return;
    console.log(`  ${title} (${items.length}):`);
    for (const i of items) console.log(`    ${i}`);
  };
  list("deleted", exportReport.deleted);
  list("export dropped", exportReport.unexported);
  list("deleted (became unused)", exportReport.cascaded);
  list(
    "kept exported: in the signature of a used export",
    verbose ? exportReport.keptSignature : [],
  );
  if (!verbose && exportReport.keptSignature.length > 0)
    console.log(
      `  kept exported: ${exportReport.keptSignature.length} types in the signature of a used export (--verbose lists them)`,
    );
  list("kept: initialiser may have side effects", exportReport.keptSideEffects);
  list(
    "kept exported although unused elsewhere: named in the docs (delete by hand if the docs go too)",
    exportReport.keptDocumented,
  );
  list("needs a person", exportReport.manual);
  const entryList = exportReport.entryList;
  list("entry points (all exports kept)", verbose ? entryList : []);
  if (!verbose)
    console.log(
      `  entry points whose exports all stay: ${entryList.length} (--verbose lists them)`,
    );
}

function mayHaveSideEffects(expr) {
  let found = false;
  const visit = (n) => {
    if (found || ts.isFunctionLike(n) || ts.isClassLike(n)) return;
    if (
      ts.isCallExpression(n) ||
      ts.isNewExpression(n) ||
      ts.isTaggedTemplateExpression(n) ||
      ts.isAwaitExpression(n)
    ) {
      // Pure-by-convention builders of constant data stay deletable.
      const callee = n.expression?.getText();
      if (
        !/^(Object\.freeze|Object\.fromEntries|new (Set|Map)|Symbol|String\.raw)$/.test(
          callee ?? "",
        ) &&
        !(ts.isNewExpression(n) && /^(Set|Map|RegExp)$/.test(callee ?? ""))
      )
        found = true;
    }
    ts.forEachChild(n, visit);
  };
  visit(expr);
  return found;
}

/** Removes a statement with its doc comment and the line comments directly above it. */
function deleteStatement(edits, sf, s) {
  const text = sf.text;
  // Its doc comment, unless a blank line parts them (then the comment is about the file or a section).
  let start = s.getStart(sf, true);
  if (/\n[ \t]*\r?\n/.test(text.slice(start, s.getStart(sf)))) start = s.getStart(sf);
  const lineStartOf = (pos) => text.lastIndexOf("\n", pos - 1) + 1;
  start = lineStartOf(start);
  // `// …` lines glued to the declaration belong to it (unless they open the file).
  for (;;) {
    const prevLineStart = lineStartOf(start - 1);
    if (start === 0 || prevLineStart === start) break;
    const line = text.slice(prevLineStart, start - 1);
    if (!/^\s*\/\//.test(line) || prevLineStart === 0) break;
    start = prevLineStart;
  }
  let end = s.getEnd();
  const nl = text.indexOf("\n", end);
  end = nl < 0 ? text.length : nl + 1;
  // Two blank lines would meet: drop one.
  const before = start >= 2 && text[start - 1] === "\n" && text[start - 2] === "\n";
  if (before && text[end] === "\n") end++;
  addEdit(edits, sf.fileName, start, end, "");
}

/** Removes one element of an export/import list, and the whole declaration when it was the last. */
function removeListElement(edits, sf, spec) {
  const list = spec.parent; // NamedExports
  const decl = list.parent;
  if (list.elements.length === 1 || list.elements.every((e) => e === spec)) {
    deleteStatement(edits, sf, decl);
    return;
  }
  const i = list.elements.indexOf(spec);
  const start = i === 0 ? spec.getStart(sf) : list.elements[i - 1].getEnd();
  const end = i === 0 ? list.elements[1].getStart(sf) : spec.getEnd();
  addEdit(edits, sf.fileName, start, end, "");
}

/**
 * Imports and local declarations that only the deleted code used: tsc (noUnusedLocals) names them;
 * remove them until it names none. Only files this step edited are looked at.
 */
function cascade(files) {
  const UNUSED = new Set([6133, 6192, 6196, 6198, 6199, 6205, 6138]);
  for (let round = 0; round < 10 && files.size > 0; round++) {
    const program = service.getProgram();
    const edits = new Map();
    const next = new Set();
    for (const f of files) {
      const sf = program.getSourceFile(f);
      const diags = service.getSemanticDiagnostics(f).filter((d) => UNUSED.has(d.code));
      const statements = new Set();
      let imports = false;
      for (const d of diags) {
        const node = findNode(sf, d.start);
        let s = node;
        while (s.parent && !ts.isSourceFile(s.parent)) s = s.parent;
        if (ts.isImportDeclaration(s)) {
          imports = true;
          continue;
        }
        const top =
          ts.isFunctionDeclaration(s) ||
          ts.isClassDeclaration(s) ||
          ts.isInterfaceDeclaration(s) ||
          ts.isTypeAliasDeclaration(s) ||
          ts.isEnumDeclaration(s) ||
          (ts.isVariableStatement(s) &&
            s.declarationList.declarations.length === 1 &&
            !(
              s.declarationList.declarations[0].initializer &&
              mayHaveSideEffects(s.declarationList.declarations[0].initializer)
            ));
        const nameNode = ts.getNameOfDeclaration(
          ts.isVariableStatement(s) ? s.declarationList.declarations[0] : s,
        );
        if (top && nameNode && nameNode.getStart(sf) === d.start) statements.add(s);
        else exportReport.manual.push(`${describe(d)} (left for a person)`);
      }
      for (const s of statements) {
        deleteStatement(edits, sf, s);
        exportReport.cascaded.push(
          `${rel(f)} ${ts.getNameOfDeclaration(ts.isVariableStatement(s) ? s.declarationList.declarations[0] : s)?.getText(sf)}`,
        );
        next.add(f);
      }
      if (imports && statements.size === 0) {
        const changes = service.organizeImports(
          { type: "file", fileName: f, mode: ts.OrganizeImportsMode.RemoveUnused },
          ts.getDefaultFormatCodeSettings("\n"),
          {},
        );
        for (const c of changes)
          for (const t of c.textChanges)
            addEdit(edits, f, t.span.start, t.span.start + t.span.length, t.newText);
        next.add(f);
      }
    }
    applyEdits(edits);
    files = next;
  }
}
function findNode(sf, pos) {
  let found = sf;
  const visit = (n) => {
    if (n.getStart(sf) <= pos && pos < n.getEnd()) {
      found = n;
      ts.forEachChild(n, visit);
    }
  };
  ts.forEachChild(sf, visit);
  return found;
}

// =====================================================================================================
// run
// =====================================================================================================
if (steps.has("privates")) {
  privatesStep();
  checkNoNewErrors("privates");
}
if (steps.has("exports")) {
  // Repeat: an export used only by one deleted elsewhere is dead on the next round.
  for (let round = 1; round <= 6; round++) {
    const before =
      exportReport.deleted.length + exportReport.unexported.length + exportReport.cascaded.length;
    exportsStep();
    const after =
      exportReport.deleted.length + exportReport.unexported.length + exportReport.cascaded.length;
    if (after === before) break;
    console.log(`exports: round ${round} changed ${after - before} declarations`);
  }
  printExportReport();
  checkNoNewErrors("exports");
}
const changed = [...overlay.keys()];
if (!dryRun) {
  for (const f of changed) writeFileSync(f, overlay.get(f));
}
console.log(
  `hygiene: ${changed.length} files ${dryRun ? "would change" : "changed"} by the code steps`,
);
if (steps.has("format")) {
  const biome = join(root, "node_modules", ".bin", "biome");
  const runBiome = (args) => {
    const r = spawnSync(biome, args, { encoding: "utf8", maxBuffer: 256 << 20 });
    if (r.error) fail(`cannot run biome: ${r.error.message}`);
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  if (dryRun) {
    const { out } = runBiome(["format", "--reporter=summary"]);
    const found = /Found (\d+) errors?/.exec(out);
    console.log(
      `format: ${found ? found[1] : 0} files as they are on disk now would be reformatted by biome format --write`,
    );
  } else {
    const fixed = biomeFormat(root, [], fail);
    console.log(
      `format: biome format --write reformatted ${fixed[0]} files (passes: ${fixed.join(", ")})`,
    );
  }
}
if (!dryRun) console.log("hygiene: done. Next: npm run typecheck && npm run lint && npm test");
