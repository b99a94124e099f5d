import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
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

  /** Adds one type from its `.msg` text. Unqualified field types resolve to `pkg`. */
  addMsgText(type: string, text: string): void {
    const name = normalizeTypeName(type);
    const pkg = name.split("/")[0]!;
    let parsed: MessageDefinition[];
    try {
      parsed = parse(text, { ros2: true, skipTypeFixup: true });
    } catch (err) {
      throw new PerceptionError("schema", `cannot parse the definition of ${name}: ${(err as Error).message}`, {}, { cause: err });
    }
    if (parsed.length !== 1) {
      throw new PerceptionError("schema", `expected one definition in ${name}'s .msg text, found ${parsed.length}`);
    }
    const fields = parsed[0]!.definitions.map((f) =>
      f.isComplex && !f.type.includes("/") ? { ...f, type: `${pkg}/${f.type}` } : f,
    );
    this.#definitions.set(name, { name, definitions: fields });
    this.#sourceText.set(name, text);
  }

  /** Adds an already parsed definition (for example from @foxglove/rosmsg-msgs-common). */
  addDefinition(def: MessageDefinition): void {
    if (!def.name) throw new PerceptionError("schema", "a message definition without a name cannot be registered");
    this.#definitions.set(normalizeTypeName(def.name), def);
  }

  /** Adds every `*.msg` of one ROS package folder (`<folder>/<Type>.msg`). */
  addPackageFolder(pkg: string, folder: string): void {
    for (const file of readdirSync(folder).filter((f) => f.endsWith(".msg")).sort()) {
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
    if (!def) throw new PerceptionError("schema", `unknown message type ${type}: not in the project's message registry`);
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
   * The `ros2msg` schema text rosbag2 stores in MCAP: the root's fields, then each dependency after a
   * line of 80 `=` and `MSG: pkg/Type`. `time`/`duration` are written as builtin_interfaces types and
   * those are included as dependencies, as rosbag2 does.
   */
  schemaText(type: string): string {
    const defs = this.definitionsFor(type);
    const sections: string[] = [];
    const deps = new Set<string>();
    defs.forEach((def, i) => {
      const body = this.#bodyText(def, deps);
      sections.push(i === 0 ? body : `${SECTION_RULE}\nMSG: ${def.name}\n${body}`);
    });
    for (const builtin of ["builtin_interfaces/Time", "builtin_interfaces/Duration"]) {
      if (deps.has(builtin) && !defs.some((d) => d.name === builtin)) {
        sections.push(`${SECTION_RULE}\nMSG: ${builtin}\n${this.#bodyText(this.get(builtin), deps)}`);
      }
    }
    return sections.map((s) => s.replace(/\n*$/, "\n")).join("");
  }

  #bodyText(def: MessageDefinition, builtinsUsed: Set<string>): string {
    const markBuiltins = (fields: MessageDefinitionField[]): void => {
      for (const f of fields) {
        if (f.type === "time") builtinsUsed.add("builtin_interfaces/Time");
        if (f.type === "duration") builtinsUsed.add("builtin_interfaces/Duration");
      }
    };
    markBuiltins(def.definitions);
    const source = this.#sourceText.get(def.name!);
    if (source !== undefined) return source;
    return def.definitions.map(fieldLine).join("\n") + "\n";
  }
}

function fieldLine(f: MessageDefinitionField): string {
  let type = f.type === "time" ? "builtin_interfaces/Time" : f.type === "duration" ? "builtin_interfaces/Duration" : f.type;
  if (f.type === "string" && f.upperBound !== undefined) type = `string<=${f.upperBound}`;
  if (f.isConstant) return `${type} ${f.name}=${f.valueText ?? String(f.value)}`;
  if (f.isArray) {
    type += f.arrayLength !== undefined ? `[${f.arrayLength}]` : f.arrayUpperBound !== undefined ? `[<=${f.arrayUpperBound}]` : "[]";
  }
  return `${type} ${f.name}`;
}

let defaultRegistry: MessageRegistry | undefined;

/**
 * The project's registry: ROS 2 Jazzy common messages, the extra definitions in
 * `src/msgs/definitions/` (tf2_msgs, vision_msgs, rosgraph_msgs) and `edge_perception_msgs` from `ros_ws`.
 */
export function messageRegistry(): MessageRegistry {
  if (defaultRegistry) return defaultRegistry;
  const registry = new MessageRegistry();
  for (const [name, def] of Object.entries(ros2jazzy)) registry.addDefinition({ ...def, name });
  registry.addMsgText("builtin_interfaces/Time", "int32 sec\nuint32 nanosec\n");
  registry.addMsgText("builtin_interfaces/Duration", "int32 sec\nuint32 nanosec\n");
  const extras = projectPath("src", "msgs", "definitions");
  for (const file of readdirSync(extras).filter((f) => f.endsWith(".msg")).sort()) {
    const [pkg, type] = file.slice(0, -4).split("__");
    registry.addMsgText(`${pkg}/${type}`, readFileSync(join(extras, file), "utf8"));
  }
  registry.addPackageFolder(PROJECT_MSG_PACKAGE, projectPath("ros_ws", "src", PROJECT_MSG_PACKAGE, "msg"));
  return (defaultRegistry = registry);
}
