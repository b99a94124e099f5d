import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  loadParameterFiles,
  parameterYamlForNodes,
  parametersForNode,
  parseParameterYaml,
} from "../../../src/ros/parameters/parameter-file.js";

describe("ROS 2 parameter YAML", () => {
  const dir = mkdtempSync(join(tmpdir(), "params-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("merges /**, bare node name, wildcards and /ns/node by specificity, later files winning", () => {
    const a = join(dir, "a.yaml");
    const b = join(dir, "b.yaml");
    writeFileSync(
      a,
      [
        "/perception/detector:",
        "  ros__parameters:",
        "    rate_hz: 5.0",
        "detector:",
        "  ros__parameters:",
        "    rate_hz: 7.0",
        "    model:",
        "      path: m.onnx",
        "      classes: [person, cyclist]",
        "/**:",
        "  ros__parameters:",
        "    rate_hz: 1.0",
        "    use_sim_time: true",
        "/**/detector:",
        "  ros__parameters:",
        "    threshold: 0.3",
        "",
      ].join("\n"),
    );
    writeFileSync(b, "perception:\n  detector:\n    ros__parameters:\n      threshold: 0.6\n");
    const entries = loadParameterFiles([a, b]);
    expect(parametersForNode(entries, "detector", "/perception")).toEqual({
      rate_hz: 5.0,
      use_sim_time: true,
      threshold: 0.6,
      "model.path": "m.onnx",
      "model.classes": ["person", "cyclist"],
    });
    expect(parametersForNode(entries, "detector", "/other")).toEqual({
      rate_hz: 7.0,
      use_sim_time: true,
      threshold: 0.3,
      "model.path": "m.onnx",
      "model.classes": ["person", "cyclist"],
    });
    expect(parametersForNode(entries, "lanes", "/perception")).toEqual({
      rate_hz: 1.0,
      use_sim_time: true,
    });
  });

  it("rejects malformed files naming file, node and parameter", () => {
    expect(() => parseParameterYaml("detector:\n  rate_hz: 3\n", "x.yaml")).toThrow(
      /key 'detector\/rate_hz' has no ros__parameters.*file=x.yaml/,
    );
    expect(() =>
      parseParameterYaml("detector:\n  ros__parameters:\n    a: [1, two]\n", "y.yaml"),
    ).toThrow(/only numbers.*parameter=a/);
    expect(() =>
      parseParameterYaml("detector:\n  ros__parameters:\n    a: null\n", "z.yaml"),
    ).toThrow(/found null.*node=detector/);
    expect(() => parseParameterYaml("a: [", "bad.yaml")).toThrow(/cannot parse parameter file/);
    expect(() => loadParameterFiles([join(dir, "missing.yaml")])).toThrow(
      /cannot read parameter file/,
    );
  });

  it("writes a file that reads back to the same values", () => {
    const text = parameterYamlForNodes([
      {
        node: "/perception/detector",
        parameters: { rate_hz: 2.5, on: true, names: ["a", "b"], "model.path": "x" },
      },
    ]);
    expect(parametersForNode(parseParameterYaml(text, "rt"), "detector", "/perception")).toEqual({
      rate_hz: 2.5,
      on: true,
      names: ["a", "b"],
      "model.path": "x",
    });
  });

  it("warns about a file that sets no parameters (empty, only comments, or node keys without values) and still loads", () => {
    const warnings: string[] = [];
    const files = {
      empty: "",
      comments: "# nothing here\n",
      keys: "/**:\n  ros__parameters: {}\n",
      real: "/**:\n  ros__parameters:\n    rate_hz: 2.0\n",
    };
    const paths = Object.fromEntries(
      Object.entries(files).map(([k, text]) => {
        const p = join(dir, `${k}.yaml`);
        writeFileSync(p, text);
        return [k, p];
      }),
    );
    const entries = loadParameterFiles([paths.empty!, paths.comments!, paths.keys!, paths.real!], {
      onWarning: (m) => warnings.push(m),
    });
    expect(parametersForNode(entries, "detector")).toEqual({ rate_hz: 2 });
    expect(warnings).toEqual([
      `parameter file ${paths.empty} sets no parameters (it is empty or only comments); is it the right file?`,
      `parameter file ${paths.comments} sets no parameters (it is empty or only comments); is it the right file?`,
      `parameter file ${paths.keys} sets no parameters (its node keys have no values); is it the right file?`,
    ]);
  });
});
