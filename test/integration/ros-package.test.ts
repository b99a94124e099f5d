import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { projectPath } from "../../src/core/paths.js";
import { loadLaunchGraph, nodeRemappings, resolveLaunchArguments } from "../../src/host/graph.js";

const pkg = projectPath("ros_ws", "src", "edge_perception");

describe("ros_ws/src/edge_perception (ament_cmake)", () => {
  const xml = readFileSync(join(pkg, "package.xml"), "utf8");
  const cmake = readFileSync(join(pkg, "CMakeLists.txt"), "utf8");

  it("is a format 3 ament_cmake package that depends on the message package and launch", () => {
    expect(xml).toMatch(/<package format="3">/);
    expect(xml).toMatch(/<name>edge_perception<\/name>/);
    expect(xml).toMatch(/<build_type>ament_cmake<\/build_type>/);
    for (const dep of [
      "edge_perception_msgs",
      "launch_ros",
      "python3-yaml",
      "vision_msgs",
      "visualization_msgs",
      "diagnostic_msgs",
    ]) {
      expect(xml).toContain(`<exec_depend>${dep}</exec_depend>`);
    }
    const version = (
      JSON.parse(readFileSync(projectPath("package.json"), "utf8")) as { version: string }
    ).version;
    expect(xml).toContain(`<version>${version}</version>`);
  });

  it("installs files that exist: launch files, graph, config, DDS config, maps, RViz config, the launcher", () => {
    const root = projectPath();
    const paths = [...cmake.matchAll(/\$\{EDGE_PERCEPTION_ROOT\}\/([^\s)]+)/g)].map((m) => m[1]!);
    expect(paths).toEqual(
      expect.arrayContaining([
        "launch/perception.graph.yaml",
        "launch/perception.launch.py",
        "launch/perception.launch.xml",
        "launch/cyclonedds.xml",
        "config/",
        "maps/",
      ]),
    );
    for (const p of paths) expect(existsSync(join(root, p)), p).toBe(true);
    expect(cmake).toMatch(/install\(DIRECTORY rviz/);
    expect(cmake).toMatch(/DESTINATION lib\/\$\{PROJECT_NAME\}/);
    const launcher = readFileSync(join(pkg, "scripts", "edge_perception.in"), "utf8");
    const bin = (
      JSON.parse(readFileSync(projectPath("package.json"), "utf8")) as {
        bin: Record<string, string>;
      }
    ).bin["edge-perception"]!;
    expect(launcher).toContain(bin);
  });

  it("ships a Cyclone DDS config with a 4 MB socket receive buffer", () => {
    expect(readFileSync(projectPath("launch", "cyclonedds.xml"), "utf8")).toMatch(
      /<SocketReceiveBufferSize min="4MB"\/>/,
    );
  });

  it("has an RViz config whose displays read topics the graph publishes", () => {
    const rviz = parseYaml(readFileSync(join(pkg, "rviz", "perception.rviz"), "utf8")) as {
      "Visualization Manager": {
        Displays: Array<{ Class: string; Topic?: { Value: string } }>;
        "Global Options": { "Fixed Frame": string };
      };
    };
    const manager = rviz["Visualization Manager"];
    expect(manager["Global Options"]["Fixed Frame"]).toBe("base_link");
    const graph = loadLaunchGraph();
    const values = resolveLaunchArguments(graph);
    const published = new Set(
      graph.nodes.flatMap((n) =>
        Object.entries(nodeRemappings(n, values))
          .filter(([k]) => k.startsWith("~/out/"))
          .map(([, v]) => v),
      ),
    );
    const topics = manager.Displays.filter((d) => d.Topic).map((d) => d.Topic!.Value);
    expect(topics.length).toBeGreaterThanOrEqual(3);
    for (const t of topics) expect(published.has(t), t).toBe(true);
    expect(manager.Displays.map((d) => d.Class)).toEqual(
      expect.arrayContaining([
        "rviz_default_plugins/MarkerArray",
        "rviz_default_plugins/Image",
        "rviz_default_plugins/TF",
      ]),
    );
  });
});
