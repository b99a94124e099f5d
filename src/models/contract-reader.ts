/**
 * Field readers for model contracts: each throws a `model` PerceptionError naming the contract, the
 * field and what was found. Shared by the contract parser and the decoder families.
 */
import { PerceptionError } from "../core/errors.js";

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export class ContractReader {
  constructor(
    /** The contract's name. */
    readonly name: string,
    /** The contracts file (or "<inline>"). */
    readonly source: string,
  ) {}

  fail(field: string, expected: string, got: unknown): never {
    throw new PerceptionError(
      "model",
      `model contract '${this.name}': ${field || "entry"} must be ${expected}, got ${JSON.stringify(got) ?? "nothing"}`,
      { path: this.source },
    );
  }
  record(v: unknown, field: string): Record<string, unknown> {
    return isRecord(v) ? v : this.fail(field, "a mapping", v);
  }
  array(v: unknown, field: string): unknown[] {
    return Array.isArray(v) ? v : this.fail(field, "a list", v);
  }
  string(v: unknown, field: string): string {
    return typeof v === "string" && v.length > 0 ? v : this.fail(field, "a non-empty string", v);
  }
  boolean(v: unknown, field: string): boolean {
    return typeof v === "boolean" ? v : this.fail(field, "true or false", v);
  }
  number(v: unknown, field: string, min = -Infinity, max = Infinity): number {
    return typeof v === "number" && Number.isFinite(v) && v >= min && v <= max
      ? v
      : this.fail(field, `a number in [${min}, ${max}]`, v);
  }
  int(v: unknown, field: string, min = -Infinity): number {
    return Number.isInteger(v) && (v as number) >= min
      ? (v as number)
      : this.fail(field, `an integer >= ${min}`, v);
  }
  numbers(v: unknown, field: string): number[] {
    const a = this.array(v, field);
    return a.map((x, i) => this.number(x, `${field}[${i}]`));
  }
  ints(v: unknown, field: string, min = 0): number[] {
    const a = this.array(v, field);
    return a.map((x, i) => this.int(x, `${field}[${i}]`, min));
  }
  triple(v: unknown, field: string): [number, number, number] {
    const a = this.numbers(v, field);
    return a.length === 3 ? [a[0]!, a[1]!, a[2]!] : this.fail(field, "three numbers", v);
  }
  oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
    return allowed.includes(v as T)
      ? (v as T)
      : this.fail(field, `one of ${allowed.join(" | ")}`, v);
  }
}
