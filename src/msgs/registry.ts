import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { MessageDefinition, MessageDefinitionField } from "@foxglove/message-definition";
import { parse } from "@foxglove/rosmsg";
import { ros2jazzy } from "@foxglove/rosmsg-msgs-common";
import { PerceptionError } from "../core/errors.js";
import { projectPath } from "../core/paths.js";
import { normalizeTypeName } from "./type-name.js";

/** The ROS 2 package whose `.msg` files in `ros_ws` are the single source of truth. */
export const PROJECT_MSG_PACKAGE = "edge_perception_msgs";

const SECTION_RULE = "=".repeat(80);

/** Definitions for every message type the project reads or writes, plus their `ros2msg` text. */
export class MessageRegistry {
  readonly #definitions = new Map<string, MessageDefinition>();
  /** Original `.msg` text for types read from files (kept so schemas carry comments and constants as written). */
  readonly #sourceText = new Map<string, string>();
  /**
   * Fields declared `byte` (IDL octet) per type. The parser reads `byte` as `uint8` (same bytes on
   * the wire), but REP-2011 type hashes tell them apart (FIELD_TYPE_BYTE vs FIELD_TYPE_UINT8).
   */
  readonly #octetFields = new Map<string, ReadonlySet<string>>();

  /** Adds one type from its `.msg` text. Unqualified field types resolve to `pkg`. */
  addMsgText(type: string, text: string): void {
    const name = normalizeTypeName(type);
    const pkg = name.split("/")[0]!;
    let parsed: MessageDefinition[];
    try {
      parsed = parse(text, { ros2: true, skipTypeFixup: true });
    } catch (err) {
      throw new PerceptionError(
        "schema",
        `cannot parse the definition of ${name}: ${(err as Error).message}`,
        {},
        { cause: err },
      );
    }
    if (parsed.length !== 1) {
      throw new PerceptionError(
        "schema",
        `expected one definition in ${name}'s .msg text, found ${parsed.length}`,
      );
    }
    const fields = parsed[0]!.definitions.map((f) =>
      f.isComplex && !f.type.includes("/") ? { ...f, type: `${pkg}/${f.type}` } : f,
    );
    this.#definitions.set(name, { name, definitions: fields });
    this.#sourceText.set(name, text);
    this.#octetFields.set(name, declaredOctetFields(text));
  }

  /**
   * Adds an already parsed definition (for example from @foxglove/rosmsg-msgs-common). `msgText`,
   * the type's `.msg` text when known, tells which fields are declared `byte` (the parsed
   * definition cannot).
   */
  addDefinition(def: MessageDefinition, msgText?: string): void {
    if (!def.name)
      throw new PerceptionError(
        "schema",
        "a message definition without a name cannot be registered",
      );
    const name = normalizeTypeName(def.name);
    this.#definitions.set(name, def);
    if (msgText !== undefined) this.#octetFields.set(name, declaredOctetFields(msgText));
    else this.#octetFields.delete(name);
  }

  /** Names of the fields of `type` declared `byte` in its `.msg` text (empty when the text is unknown). */
  octetFields(type: string): ReadonlySet<string> {
    return this.#octetFields.get(normalizeTypeName(type)) ?? NO_FIELDS;
  }

  /** Adds every `*.msg` of one ROS package folder (`<folder>/<Type>.msg`). */
  addPackageFolder(pkg: string, folder: string): void {
    for (const file of readdirSync(folder)
      .filter((f) => f.endsWith(".msg"))
      .sort()) {
      this.addMsgText(`${pkg}/${file.slice(0, -4)}`, readFileSync(join(folder, file), "utf8"));
    }
  }

  has(type: string): boolean {
    return this.#definitions.has(normalizeTypeName(type));
  }

  /** All registered type names (`pkg/Type`), sorted. */
  types(): string[] {
    return [...this.#definitions.keys()].sort();
  }

  /** The definition of one type (not its dependencies). */
  get(type: string): MessageDefinition {
    const name = normalizeTypeName(type);
    const def = this.#definitions.get(name);
    if (!def)
      throw new PerceptionError(
        "schema",
        `unknown message type ${type}: not in the project's message registry`,
      );
    return def;
  }

  /** The type and every type it uses, root first, each once (the order MessageReader/Writer expect). */
  definitionsFor(type: string): MessageDefinition[] {
    const out: MessageDefinition[] = [];
    const seen = new Set<string>();
    const visit = (name: string): void => {
      if (seen.has(name)) return;
      seen.add(name);
      const def = this.get(name);
      out.push(def);
      for (const field of def.definitions) {
        if (field.isComplex && !field.isConstant) visit(normalizeTypeName(field.type));
      }
    };
    visit(normalizeTypeName(type));
    return out;
  }

  /**
   * The `ros2msg` schema text rosbag2 (Jazzy) stores in MCAP and sqlite3: the root's text, then each
   * dependency once, depth first with each type's dependencies in name order (rosbag2 keeps them in
   * a std::set), every section after a blank line, a line of 80 `=` and `MSG: pkg/Type`.
   * `time`/`duration` are written as builtin_interfaces types and included as dependencies, as
   * rosbag2 does. Types registered from `.msg` text keep it as written (comments included); the
   * common types from @foxglove/rosmsg-msgs-common carry no comments, so their sections are fields
   * (with default values) only.
   */
  schemaText(type: string): string {
    const sections: string[] = [];
    const seen = new Set<string>();
    const visit = (name: string, depth: number): void => {
      if (seen.has(name)) return;
      seen.add(name);
      const def = this.get(name);
      const body = this.#bodyText(def).replace(/\n*$/, "\n");
      sections.push(depth === 0 ? body : `${SECTION_RULE}\nMSG: ${name}\n${body}`);
      for (const dep of dependencyNames(def)) visit(dep, depth + 1);
    };
    visit(normalizeTypeName(type), 0);
    return sections.join("\n");
  }

  #bodyText(def: MessageDefinition): string {
    const source = this.#sourceText.get(def.name!);
    if (source !== undefined) return source;
    return def.definitions.map(fieldLine).join("\n") + "\n";
  }
}

/** The types a definition's fields use (`pkg/Type`, builtin time types included), sorted. */
function dependencyNames(def: MessageDefinition): string[] {
  const names = new Set<string>();
  for (const f of def.definitions) {
    if (f.isConstant) continue;
    if (f.type === "time") names.add("builtin_interfaces/Time");
    else if (f.type === "duration") names.add("builtin_interfaces/Duration");
    else if (f.isComplex) names.add(normalizeTypeName(f.type));
  }
  return [...names].sort();
}

const NO_FIELDS: ReadonlySet<string> = new Set();

/**
 * The non-constant fields declared `byte` (or `byte[]`, `byte[N]`, `byte[<=N]`) in the first
 * section of a `.msg` text (a rosbag2-style text may append its dependencies after a `===` line).
 */
export function declaredOctetFields(text: string): ReadonlySet<string> {
  const own = text.split(/^={80}$/m)[0]!;
  const names = new Set<string>();
  for (const raw of own.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    const m = /^byte(?:\[[^\]]*\])?\s+([A-Za-z][A-Za-z0-9_]*)\s*(=)?/.exec(line);
    if (m && m[2] === undefined) names.add(m[1]!);
  }
  return names;
}

/**
 * The Jazzy `.msg` text @foxglove/rosmsg-msgs-common ships for a common type
 * (`msgdefs/ros2jazzy/<pkg>/msg/<Type>.msg`), or undefined when it has none.
 */
function jazzyMsgText(type: string): string | undefined {
  const [pkg, name] = normalizeTypeName(type).split("/");
  const file = join(jazzyMsgdefsDir(), pkg!, "msg", `${name!}.msg`);
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
}

let msgdefsDir: string | undefined;
function jazzyMsgdefsDir(): string {
  if (msgdefsDir) return msgdefsDir;
  const main = createRequire(import.meta.url).resolve("@foxglove/rosmsg-msgs-common");
  return (msgdefsDir = join(dirname(main), "..", "msgdefs", "ros2jazzy"));
}

function defaultText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(defaultText).join(", ")}]`;
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

function fieldLine(f: MessageDefinitionField): string {
  let type =
    f.type === "time"
      ? "builtin_interfaces/Time"
      : f.type === "duration"
        ? "builtin_interfaces/Duration"
        : f.type;
  if (f.type === "string" && f.upperBound !== undefined) type = `string<=${f.upperBound}`;
  if (f.isConstant) return `${type} ${f.name}=${f.valueText ?? String(f.value)}`;
  if (f.isArray) {
    type +=
      f.arrayLength !== undefined
        ? `[${f.arrayLength}]`
        : f.arrayUpperBound !== undefined
          ? `[<=${f.arrayUpperBound}]`
          : "[]";
  }
  return f.defaultValue !== undefined
    ? `${type} ${f.name} ${defaultText(f.defaultValue)}`
    : `${type} ${f.name}`;
}

let defaultRegistry: MessageRegistry | undefined;

/**
 * The project's registry: ROS 2 Jazzy common messages, the extra definitions in
 * `src/msgs/definitions/` (tf2_msgs, vision_msgs, rosgraph_msgs) and `edge_perception_msgs` from `ros_ws`.
 */
export function messageRegistry(): MessageRegistry {
  if (defaultRegistry) return defaultRegistry;
  const registry = new MessageRegistry();
  for (const [name, def] of Object.entries(ros2jazzy))
    registry.addDefinition({ ...def, name }, jazzyMsgText(name));
  registry.addMsgText("builtin_interfaces/Time", "int32 sec\nuint32 nanosec\n");
  registry.addMsgText("builtin_interfaces/Duration", "int32 sec\nuint32 nanosec\n");
  const extras = projectPath("src", "msgs", "definitions");
  for (const file of readdirSync(extras)
    .filter((f) => f.endsWith(".msg"))
    .sort()) {
    const [pkg, type] = file.slice(0, -4).split("__");
    registry.addMsgText(`${pkg}/${type}`, readFileSync(join(extras, file), "utf8"));
  }
  registry.addPackageFolder(
    PROJECT_MSG_PACKAGE,
    projectPath("ros_ws", "src", PROJECT_MSG_PACKAGE, "msg"),
  );
  return (defaultRegistry = registry);
}
