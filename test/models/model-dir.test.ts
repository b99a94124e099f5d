import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { sharedDir } from "../../src/core/paths.js";
import { resolveModelDir } from "../../src/models/model-dir.js";

describe("resolveModelDir", () => {
  it("takes an explicit directory, and refuses one that does not exist", () => {
    expect(resolveModelDir(".")).toMatchObject({ source: "parameter" });
    expect(() => resolveModelDir("/no/such/models")).toThrow(
      /model directory '\/no\/such\/models' does not exist/,
    );
  });

  it("falls back to ../shared/models, else none", () => {
    const shared = sharedDir();
    expect(resolveModelDir()).toEqual(
      shared
        ? { source: "shared", dir: join(shared, "models") }
        : { source: "none", dir: undefined },
    );
    expect(resolveModelDir("")).toEqual(resolveModelDir());
  });
});
