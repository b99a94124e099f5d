/**
 * Child process of the SIGKILL test: what `replay <bag> --out <dir> --rate 1 --record all` runs
 * (the repository's launch graph, the bag module's writer), printing after every step the sim time
 * whose outputs it has handed to the writer, so the parent knows what a kill may at most lose.
 */
import { graphToNodeSpecs, loadLaunchGraph } from "../../src/host/graph.js";
import { runReplay } from "../../src/host/replay/run-replay.js";

const [bag, out] = process.argv.slice(2);
const nodes = await graphToNodeSpecs(loadLaunchGraph(), { paramsFiles: [], args: {} });
await runReplay({
  bag: bag!,
  out: out!,
  nodes,
  rate: 1,
  fast: false,
  record: "all",
  logSink: () => undefined,
  progressIntervalMs: 0,
  onProgress: (p) => void process.stdout.write(`handed ${p.simTimeNs}\n`),
});
