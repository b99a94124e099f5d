import { PerceptionError } from "../core/errors.js";

/**
 * A `map` PerceptionError that carries every problem found in an HD map. Its message is one
 * header line (with the source and the count) followed by one `- problem` line each.
 */
export class MapValidationError extends PerceptionError {
  /** Each problem, one sentence naming the feature. */
  readonly problems: readonly string[];

  constructor(
    header: string,
    problems: readonly string[],
    context: Record<string, string | number | undefined>,
  ) {
    super("map", header, { ...context, errors: problems.length });
    this.name = "MapValidationError";
    this.problems = Object.freeze([...problems]);
    this.message = `${this.message}:\n- ${problems.join("\n- ")}`;
  }
}
