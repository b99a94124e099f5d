/** Child process for the SIGINT test: `replay` over a bag with a paced test graph. */
import { runReplayCommand } from "../../../src/cli/commands/replay.js";
import { imageSizeNode } from "./fixtures.js";

const code = await runReplayCommand(process.argv.slice(2), {
  loadNodes: async () => [imageSizeNode()],
});
process.exitCode = code;
