/**
 * Writes launch/perception.launch.xml from launch/perception.graph.yaml (ROS 2 XML launch files
 * cannot read YAML at launch time, so the XML is generated; test/host/graph.test.ts fails when
 * the file and the graph diverge). Run: `npx tsx scripts/generate-launch-xml.ts`.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  defaultGraphPath,
  loadLaunchGraph,
  processGroups,
  type LaunchGraph,
} from "../src/host/graph.js";
import { projectPath } from "../src/core/paths.js";

const PACKAGE = "edge_perception";

function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** The XML launch file for a graph: one `<group>` per mode, one `<executable>` per process group. */
export function launchXml(graph: LaunchGraph): string {
  const lines = [
    `<?xml version="1.0"?>`,
    `<!-- Generated from perception.graph.yaml by scripts/generate-launch-xml.ts: do not edit.`,
    `     ros2 launch ${PACKAGE} perception.launch.xml [name:=value ...] starts the same processes as perception.launch.py. -->`,
    `<launch>`,
  ];
  for (const a of graph.arguments) {
    lines.push(
      `  <arg name="${a.name}" default="${escapeXml(a.default)}" description="${escapeXml(a.description)}"/>`,
    );
  }
  const modes = graph.arguments.find((a) => a.name === "mode")?.choices ?? [
    "one_process",
    "multi_process",
  ];
  for (const mode of modes) {
    lines.push(`  <group if="$(eval '\\'$(var mode)\\' == \\'${mode}\\'')">`);
    for (const group of processGroups(graph, { mode }).keys()) {
      const cmd = [
        `$(find-pkg-prefix ${PACKAGE})/lib/${PACKAGE}/${PACKAGE}`,
        "launch",
        "--graph",
        `$(find-pkg-share ${PACKAGE})/launch/perception.graph.yaml`,
        "--process",
        group,
        ...graph.arguments.map((a) => `${a.name}:=$(var ${a.name})`),
      ].join(" ");
      lines.push(
        `    <executable cmd="${escapeXml(cmd)}" name="${PACKAGE}_${group}" output="screen"/>`,
      );
    }
    lines.push(`  </group>`);
  }
  lines.push(`</launch>`, ``);
  return lines.join("\n");
}

/** Where the generated file lives. */
export function launchXmlPath(): string {
  return projectPath("launch", "perception.launch.xml");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(launchXmlPath(), launchXml(loadLaunchGraph(defaultGraphPath())));
  console.log(`wrote ${launchXmlPath()}`);
}
