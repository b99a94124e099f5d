import { describe, expect, it } from "vitest";
import { SchemaParameterStore } from "../../../src/ros/parameters/parameter-store.js";

const schema = {
  type: "object",
  additionalProperties: false,
  properties: {
    rate_hz: { type: "number", exclusiveMinimum: 0, maximum: 60, default: 10 },
    image_transport: { type: "string", enum: ["compressed", "raw"], default: "compressed" },
    score_threshold: {
      type: "number",
      minimum: 0,
      maximum: 1,
      default: 0.4,
      description: "detection score cut",
    },
    frame: { type: "string", default: "base_link", readOnly: true },
    model: {
      type: "object",
      additionalProperties: false,
      properties: {
        path: { type: "string", default: "" },
        classes: { type: "array", items: { type: "string" }, default: ["person"] },
      },
    },
  },
};

describe("SchemaParameterStore", () => {
  it("merges values over schema defaults, nested objects as dotted names", () => {
    const store = new SchemaParameterStore({
      node: "/perception/detector",
      schema,
      values: { rate_hz: 15, "model.path": "/m.onnx" },
    });
    expect(store.all()).toEqual({
      rate_hz: 15,
      image_transport: "compressed",
      score_threshold: 0.4,
      frame: "base_link",
      "model.path": "/m.onnx",
      "model.classes": ["person"],
      use_sim_time: false,
    });
    expect(store.get<number>("rate_hz")).toBe(15);
    expect(() => store.get("nope")).toThrow(/parameter 'nope' is not declared/);
  });

  it("fails at start-up naming node, parameter, expected and found", () => {
    expect(
      () =>
        new SchemaParameterStore({
          node: "/perception/detector",
          schema,
          values: { rate_hz: "fast" },
        }),
    ).toThrow(/node \/perception\/detector: parameter 'rate_hz' must be number, found "fast"/);
    expect(
      () => new SchemaParameterStore({ node: "/d", schema, values: { image_transport: "png" } }),
    ).toThrow(/parameter 'image_transport' must be one of \["compressed","raw"\], found "png"/);
    expect(
      () => new SchemaParameterStore({ node: "/d", schema, values: { "model.pth": "x" } }),
    ).toThrow(/unknown parameter 'model.pth'/);
    expect(
      () => new SchemaParameterStore({ node: "/d", schema, values: { use_sim_time: "yes" } }),
    ).toThrow(/'use_sim_time' must be boolean/);
  });

  it("validates run-time changes, lets callbacks veto, and applies atomically", () => {
    const store = new SchemaParameterStore({ node: "/d", schema, values: {} });
    const seen: Array<Record<string, unknown>> = [];
    store.onChange((changes) => {
      seen.push({ ...changes });
      if (changes.score_threshold === 0.99) throw new Error("too strict for this node");
    });
    expect(store.set({ score_threshold: 0.7, rate_hz: 5 })).toEqual({
      successful: true,
      reason: "",
    });
    expect(store.get("score_threshold")).toBe(0.7);
    expect(seen).toEqual([{ score_threshold: 0.7, rate_hz: 5 }]);

    const bad = store.set({ score_threshold: 1.5 });
    expect(bad.successful).toBe(false);
    expect(bad.reason).toMatch(/'score_threshold' must be <= 1, found 1.5/);
    expect(store.set({ score_threshold: "high" }).reason).toMatch(
      /is a number, cannot set a string/,
    );
    expect(store.set({ frame: "odom" }).reason).toMatch(
      /^parameter 'frame' is read-only: it is applied when \/d starts \(.*restart the node\)$/,
    );
    expect(store.check({ frame: "odom" }).reason).toMatch(/read-only/);
    expect(store.set({ unknown: 1 }).reason).toMatch(
      /^node \/d has no parameter 'unknown' \(declared: .*score_threshold/,
    );
    expect(store.check({ score_threshold: 0.9 })).toEqual({ successful: true, reason: "" });
    expect(store.get("score_threshold")).toBe(0.7); // check() applies nothing
    // Values given as the node starts (--ros-args -p) reach read-only parameters too.
    expect(store.set({ frame: "odom" }, "startup")).toEqual({ successful: true, reason: "" });
    expect(store.get("frame")).toBe("odom");
    const vetoed = store.set({ score_threshold: 0.99, rate_hz: 30 });
    expect(vetoed).toEqual({
      successful: false,
      reason: "/d rejected the change: too strict for this node",
    });
    expect(store.get("score_threshold")).toBe(0.7);
    expect(store.get("rate_hz")).toBe(5);
  });

  it("describes parameters for transports that declare them", () => {
    const store = new SchemaParameterStore({ node: "/d", schema, values: {} });
    const d = store.describe();
    expect(d.find((p) => p.name === "score_threshold")).toEqual({
      name: "score_threshold",
      value: 0.4,
      description: "detection score cut",
      readOnly: false,
      type: "double",
    });
    expect(d.find((p) => p.name === "frame")?.readOnly).toBe(true);
    expect(d.find((p) => p.name === "model.classes")?.type).toBe("string_array");
    expect(d.find((p) => p.name === "use_sim_time")?.type).toBe("bool");
    const ints = new SchemaParameterStore({
      node: "/i",
      schema: {
        type: "object",
        properties: {
          n: { type: "integer", default: 3 },
          xs: { type: "array", items: { type: "integer" }, default: [1] },
        },
      },
    });
    expect(ints.describe().map((p) => [p.name, p.type])).toEqual([
      ["n", "integer"],
      ["use_sim_time", "bool"],
      ["xs", "integer_array"],
    ]);
  });
});
