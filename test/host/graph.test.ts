import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { projectPath } from "../../src/core/paths.js";
import {
  defaultGraphPath,
  graphToNodeSpecs,
  loadLaunchGraph,
  processCommandArgs,
  processGroups,
  resolveLaunchArguments,
  substituteParameter,
} from "../../src/host/graph.js";
import { launchXml, launchXmlPath } from "../../scripts/generate-launch-xml.js";
import { SchemaParameterStore } from "../../src/ros/parameters/parameter-store.js";

const graph = loadLaunchGraph();

function hasPythonYaml(): boolean {
  try {
    execFileSync("python3", ["-c", "import yaml"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("launch graph", () => {
  it("loads the repository's graph with the five nodes and the launch arguments", () => {
    expect(graph.nodes.map((n) => n.type).sort()).toEqual([
      "compute_budget",
      "crosswalk_detector",
      "lane_detector",
      "map_fusion",
      "pedestrian_detector",
      "visualizer",
    ]);
    expect(graph.arguments.map((a) => a.name)).toEqual(
      expect.arrayContaining(["camera_topic", "map_file", "model_dir", "mode", "use_sim_time"]),
    );
    expect(graph.nodes.every((n) => n.namespace === "/perception")).toBe(true);
  });

  it("puts every node in one process in one_process mode and spreads them in multi_process", () => {
    expect([...processGroups(graph, { mode: "one_process" }).entries()]).toEqual([
      [graph.oneProcessGroup, graph.nodes.map((n) => n.name)],
    ]);
    const multi = processGroups(graph, { mode: "multi_process" });
    expect(multi.size).toBeGreaterThan(1);
    expect([...multi.values()].flat().sort()).toEqual(graph.nodes.map((n) => n.name).sort());
  });

  it("rejects unknown arguments and values outside the choices", () => {
    expect(() => resolveLaunchArguments(graph, { camera: "/x" })).toThrow(
      /unknown launch argument 'camera'/,
    );
    expect(() => resolveLaunchArguments(graph, { mode: "two_process" })).toThrow(/not one of/);
  });

  it("reads a whole-substitution parameter as YAML and leaves text alone", () => {
    expect(substituteParameter("$(var use_sim_time)", { use_sim_time: "true" })).toBe(true);
    expect(substituteParameter("$(var x)", { x: "15" })).toBe(15);
    expect(substituteParameter("$(var x)", { x: "" })).toBe("");
    expect(substituteParameter("$(var x)/compressed", { x: "/cam" })).toBe("/cam/compressed");
  });

  it("reports a graph error naming the file and the problem", () => {
    const dir = mkdtempSync(join(tmpdir(), "graph-"));
    const bad = join(dir, "g.yaml");
    const doc = parseYaml(readFileSync(defaultGraphPath(), "utf8")) as {
      nodes: Array<{ remappings: Record<string, string> }>;
    };
    doc.nodes[0]!.remappings["~/in/image"] = "$(var no_such_arg)";
    writeFileSync(bad, JSON.stringify(doc));
    expect(() => loadLaunchGraph(bad)).toThrow(/no_such_arg.*names no launch argument/);
  });

  it("turns the graph into NodeSpecs with substituted remappings, parameters and resolved paths", async () => {
    const specs = await graphToNodeSpecs(graph, {
      args: { camera_topic: "/cam/left", image_transport: "raw", map_file: "maps/x.geojson" },
    });
    const ped = specs.find((s) => s.name === "pedestrian_detector")!;
    expect(ped.namespace).toBe("/perception");
    expect(ped.remappings!["~/in/image/compressed"]).toBe("/cam/left/compressed");
    expect(ped.parameters.image_transport).toBe("raw");
    expect(ped.parameters.use_sim_time).toBe(false);
    expect(ped.parameters.rate_hz).toBe(15);
    const fusion = specs.find((s) => s.name === "map_fusion")!;
    expect(fusion.parameters.map_file).toBe(projectPath("maps", "x.geojson"));
  });

  it("selects one process group's nodes", async () => {
    const group = [...processGroups(graph, { mode: "multi_process" }).entries()][0]!;
    const specs = await graphToNodeSpecs(graph, {
      args: { mode: "multi_process" },
      processGroup: group[0],
    });
    expect(specs.map((s) => s.name)).toEqual(group[1]);
    await expect(graphToNodeSpecs(graph, { processGroup: "nope" })).rejects.toThrow(
      /process group 'nope'/,
    );
  });

  it("applies extra parameter files over the node's own", async () => {
    const dir = mkdtempSync(join(tmpdir(), "params-"));
    const file = join(dir, "override.yaml");
    writeFileSync(file, "pedestrian_detector:\n  ros__parameters:\n    score_threshold: 0.77\n");
    const specs = await graphToNodeSpecs(graph, { paramsFiles: [file] });
    expect(specs.find((s) => s.name === "pedestrian_detector")!.parameters.score_threshold).toBe(
      0.77,
    );
    expect(
      specs.find((s) => s.name === "lane_detector")!.parameters.score_threshold,
    ).toBeUndefined();
  });

  it("refuses an extra parameter file whose node key matches no node, naming the file and the node it meant", async () => {
    const dir = mkdtempSync(join(tmpdir(), "params-"));
    const file = join(dir, "wrong-namespace.yaml");
    writeFileSync(file, "/crosswalk_detector:\n  ros__parameters:\n    learned_source: auto\n");
    const fqn = graph.nodes.find((n) => n.name === "crosswalk_detector")!;
    expect(fqn.namespace).toBeTruthy(); // the graph's nodes live in a namespace, so '/crosswalk_detector' is wrong
    await expect(graphToNodeSpecs(graph, { paramsFiles: [file] })).rejects.toThrow(
      /'\/crosswalk_detector' matches no node.*did you mean \/\S*\/crosswalk_detector/,
    );
    await expect(graphToNodeSpecs(graph, { paramsFiles: [file] })).rejects.toThrow(file);
    // The same key under the graph's namespace, a bare node name and /** are all accepted.
    for (const key of [
      `/${fqn.namespace!.replace(/^\//, "")}/crosswalk_detector`,
      "crosswalk_detector",
      "/**",
    ]) {
      writeFileSync(file, `${key}:\n  ros__parameters:\n    min_confidence: 0.6\n`);
      const specs = await graphToNodeSpecs(graph, { paramsFiles: [file] });
      expect(specs.find((s) => s.name === "crosswalk_detector")!.parameters.min_confidence).toBe(
        0.6,
      );
    }
  });

  it("gives parameter values every node's schema accepts (validated as the transport does at start-up)", async () => {
    for (const spec of await graphToNodeSpecs(graph)) {
      expect(
        () =>
          new SchemaParameterStore({
            node: spec.name,
            schema: spec.parameterSchema,
            values: spec.parameters,
          }),
      ).not.toThrow();
    }
    const ped = (await graphToNodeSpecs(graph)).find((s) => s.name === "pedestrian_detector")!;
    expect(
      () =>
        new SchemaParameterStore({
          node: "p",
          schema: ped.parameterSchema,
          values: { ...ped.parameters, score_threshold: 3 },
        }),
    ).toThrow(/score_threshold/);
  });
});

describe("config files", () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const files = readdirSync(projectPath("config")).filter((f) => f.endsWith(".param.yaml"));

  it("has one parameter file and one schema per node type", () => {
    expect(files.map((f) => f.replace(".param.yaml", "")).sort()).toEqual(
      graph.nodes.map((n) => n.type).sort(),
    );
  });

  it.each(files)("%s validates against its whole-file schema (Autoware style)", (file) => {
    const type = file.replace(".param.yaml", "");
    const schema = JSON.parse(
      readFileSync(projectPath("config", "schema", `${type}.schema.json`), "utf8"),
    ) as object;
    const validate = ajv.compile(schema);
    const doc = parseYaml(readFileSync(projectPath("config", file), "utf8"));
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    const broken = structuredClone(doc) as Record<
      string,
      { ros__parameters: Record<string, unknown> }
    >;
    broken["/**"]!.ros__parameters.unknown_parameter = 1;
    expect(validate(broken)).toBe(false);
  });
});

describe("launch files follow the graph", () => {
  it("perception.launch.xml is what the generator writes from the graph", () => {
    expect(
      readFileSync(launchXmlPath(), "utf8"),
      "run: npx tsx scripts/generate-launch-xml.ts",
    ).toBe(launchXml(graph));
  });

  it("perception.launch.xml declares every argument and starts each process group of each mode", () => {
    const xml = readFileSync(launchXmlPath(), "utf8");
    const declared = [...xml.matchAll(/<arg name="([^"]+)" default="([^"]*)"/g)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(declared).toEqual(graph.arguments.map((a) => [a.name, a.default]));
    for (const mode of ["one_process", "multi_process"]) {
      const block = xml.split(`\\'${mode}\\'`)[1]!.split("</group>")[0]!;
      const groups = [...block.matchAll(/--process (\S+)/g)].map((m) => m[1]);
      expect(groups).toEqual([...processGroups(graph, { mode }).keys()]);
    }
  });

  it.skipIf(!hasPythonYaml())(
    "perception.launch.py starts the same processes with the same arguments (python3 --describe)",
    () => {
      for (const args of [{}, { mode: "multi_process", camera_topic: "/cam/rear" }] as Array<
        Record<string, string>
      >) {
        const argv = Object.entries(args).map(([k, v]) => `${k}:=${v}`);
        const out = execFileSync(
          "python3",
          [projectPath("launch", "perception.launch.py"), "--describe", ...argv],
          { encoding: "utf8" },
        );
        const described = JSON.parse(out) as Array<{
          group: string;
          nodes: string[];
          args: string[];
        }>;
        const expected = [...processGroups(graph, args).entries()].map(([group, nodes]) => ({
          group,
          nodes,
          args: processCommandArgs(graph, defaultGraphPath(), group, args),
        }));
        expect(described).toEqual(expected);
      }
    },
  );
});
