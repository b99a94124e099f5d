import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { projectPath } from "../../src/core/paths.js";
import { messageRegistry, MessageRegistry } from "../../src/msgs/registry.js";
import { generateTypesSource } from "../../src/msgs/typegen.js";

describe("generated message types", () => {
  it("match the .msg files (run `npm run gen:types` after editing a .msg)", () => {
    const committed = readFileSync(projectPath("src", "msgs", "types.generated.ts"), "utf8");
    expect(committed).toBe(generateTypesSource(messageRegistry()));
  });

  it("would change when a .msg field changes (the drift check can fail)", () => {
    const registry = new MessageRegistry();
    registry.addMsgText("builtin_interfaces/Time", "int32 sec\nuint32 nanosec\n");
    registry.addMsgText("builtin_interfaces/Duration", "int32 sec\nuint32 nanosec\n");
    registry.addMsgText(
      "demo_msgs/Thing",
      "float64 a\nuint8[] blob\nstring[] names\nuint8 KIND_A=1\n",
    );
    const before = generateTypesSource(registry, ["demo_msgs/Thing"]);
    expect(before).toContain(
      "export interface Thing {\n  a: number;\n  blob: Uint8Array;\n  names: string[];\n}",
    );
    expect(before).toContain("KIND_A: 1,");
    registry.addMsgText("demo_msgs/Thing", "float64 a\nfloat32[] extra\n");
    const after = generateTypesSource(registry, ["demo_msgs/Thing"]);
    expect(after).not.toBe(before);
    expect(after).toContain("extra: Float32Array;");
  });
});
