/**
 * Typed reads of a node's tuning parameters, for the functions that map a node's parameters to the
 * options of its ROS-free classes (map-fusion-tuning.ts, lane-detector-tuning.ts, the crosswalk
 * detector's still camera). The node's schema already rules out a missing or mistyped value; a
 * hand-made parameter set may not, so each read throws a `parameter` PerceptionError naming it.
 */
import { PerceptionError } from "../../core/errors.js";

/** Reads one parameter of a node by name, typed. */
export interface TuningParameterReader {
  /** The parameter as a finite number. */
  num(name: string): number;
  /** The parameter as a boolean. */
  bool(name: string): boolean;
}

/** A reader for `node`'s parameters; `get` returns one parameter's value by name. */
export function tuningParameters(
  node: string,
  get: (name: string) => unknown,
): TuningParameterReader {
  const shown = (value: unknown): string =>
    value === undefined
      ? "nothing"
      : typeof value === "number"
        ? String(value)
        : JSON.stringify(value);
  return {
    num(name) {
      const value = get(name);
      if (typeof value !== "number" || !Number.isFinite(value))
        throw new PerceptionError(
          "parameter",
          `${node} parameter '${name}' must be a finite number, got ${shown(value)}`,
          { parameter: name },
        );
      return value;
    },
    bool(name) {
      const value = get(name);
      if (typeof value !== "boolean")
        throw new PerceptionError(
          "parameter",
          `${node} parameter '${name}' must be true or false, got ${shown(value)}`,
          { parameter: name },
        );
      return value;
    },
  };
}
