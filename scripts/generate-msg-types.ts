// Regenerates src/msgs/types.generated.ts from the .msg files (ros_ws and src/msgs/definitions).
import { writeFileSync } from "node:fs";
import { projectPath } from "../src/core/paths.js";
import { messageRegistry } from "../src/msgs/registry.js";
import { generateTypesSource } from "../src/msgs/typegen.js";

const target = projectPath("src", "msgs", "types.generated.ts");
writeFileSync(target, generateTypesSource(messageRegistry()));
console.log(`wrote ${target}`);
