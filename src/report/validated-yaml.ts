/** A YAML config file of the eval tools read and checked against its JSON Schema in config/schema/. */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { parse as parseYaml } from "yaml";
import { PerceptionError, errorMessage } from "../core/errors.js";
import { projectPath } from "../core/paths.js";

/** Reads `path` and validates it with `config/schema/<schemaFile>`; `what` names the file in errors. */
export function loadValidatedYaml<T>(path: string, schemaFile: string, what: string): T {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, "utf8"));
  } catch (err) {
    throw new PerceptionError(
      "eval",
      `cannot read ${what}: ${errorMessage(err)}`,
      { path },
      { cause: err },
    );
  }
  const schema = JSON.parse(
    readFileSync(projectPath("config", "schema", schemaFile), "utf8"),
  ) as object;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  if (!validate(doc)) {
    throw new PerceptionError(
      "eval",
      `invalid ${what}: ${(validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`).join("; ")}`,
      { path },
    );
  }
  return doc as T;
}
