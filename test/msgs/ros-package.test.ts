import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { projectPath } from "../../src/core/paths.js";
import { messageRegistry, PROJECT_MSG_PACKAGE } from "../../src/msgs/registry.js";

const pkgDir = projectPath("ros_ws", "src", PROJECT_MSG_PACKAGE);

describe("edge_perception_msgs ROS package", () => {
  const msgFiles = readdirSync(`${pkgDir}/msg`)
    .filter((f) => f.endsWith(".msg"))
    .sort();

  it("lists every .msg file in rosidl_generate_interfaces and nothing else", () => {
    const cmake = readFileSync(`${pkgDir}/CMakeLists.txt`, "utf8");
    const listed = [...cmake.matchAll(/"msg\/([A-Za-z0-9]+\.msg)"/g)].map((m) => m[1]).sort();
    expect(listed).toEqual(msgFiles);
  });

  it("declares every package its messages use as a dependency", () => {
    const xml = readFileSync(`${pkgDir}/package.xml`, "utf8");
    const cmake = readFileSync(`${pkgDir}/CMakeLists.txt`, "utf8");
    const used = new Set<string>();
    for (const file of msgFiles) {
      const def = messageRegistry().get(`${PROJECT_MSG_PACKAGE}/${file.slice(0, -4)}`);
      for (const f of def.definitions) {
        if (f.isComplex) used.add(f.type.split("/")[0]!);
        if (f.type === "time" || f.type === "duration") used.add("builtin_interfaces");
      }
    }
    used.delete(PROJECT_MSG_PACKAGE);
    // builtin_interfaces comes with std_msgs' Header; rosidl needs only the direct packages.
    used.delete("builtin_interfaces");
    for (const pkg of used) {
      expect(xml, `package.xml must depend on ${pkg}`).toContain(`<depend>${pkg}</depend>`);
      expect(cmake, `CMakeLists.txt must find_package(${pkg})`).toContain(
        `find_package(${pkg} REQUIRED)`,
      );
    }
  });

  it("uses only ROS 2 message field names (lower snake case) and constant names (UPPER)", () => {
    for (const file of msgFiles) {
      const def = messageRegistry().get(`${PROJECT_MSG_PACKAGE}/${file.slice(0, -4)}`);
      for (const f of def.definitions) {
        expect(f.name, `${file}: ${f.name}`).toMatch(
          f.isConstant ? /^[A-Z][A-Z0-9_]*$/ : /^[a-z][a-z0-9_]*$/,
        );
      }
    }
  });
});
