import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { emitYaml, yamlScalarString } from "../../src/bag/yaml-block.js";

describe("emitYaml (yaml-cpp block style)", () => {
  it("indents sequences under their key, writes empty values as yaml-cpp does, and reads back", () => {
    const value = {
      a: {
        list: [
          { x: 1, name: "two" },
          { x: 3, name: "" },
        ],
        empty: [],
        none: null,
        flag: false,
      },
      big: 9223372036854775807n,
    };
    const text = emitYaml(value);
    expect(text).toBe(
      [
        "a:",
        "  list:",
        "    - x: 1",
        "      name: two",
        "    - x: 3",
        '      name: ""',
        "  empty:",
        "    []",
        "  none: ~",
        "  flag: false",
        "big: 9223372036854775807",
      ].join("\n"),
    );
    expect(parse(text, { intAsBigInt: true })).toEqual({
      ...value,
      a: {
        ...value.a,
        list: [
          { x: 1n, name: "two" },
          { x: 3n, name: "" },
        ],
      },
    });
  });

  it("quotes strings that would not read back as the same string", () => {
    for (const s of [
      "",
      "true",
      "~",
      "123",
      "- a",
      "a: b",
      "x #y",
      'q"uote',
      "line\nbreak",
      " lead",
    ]) {
      const quoted = yamlScalarString(s);
      expect(quoted.startsWith('"'), s).toBe(true);
      expect(parse(`k: ${quoted}`).k).toBe(s);
    }
    for (const s of ["/tf", "sensor_msgs/msg/Image", "keep_last", "RIHS01_ab"])
      expect(yamlScalarString(s)).toBe(s);
  });
});
