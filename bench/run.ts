// `npm run bench [-- <name>...]`: runs every bench/*.bench.ts (or those whose name contains one of
// the arguments) one after the other and prints their figures. Benchmarks print; they never assert.
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";
import { cpus } from "node:os";

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

console.log(
  `edge-perception benchmarks on ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}`,
);
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const started = performance.now();
  try {
    const mod = (await import(pathToFileURL(join(here, file)).href)) as {
      run?: () => Promise<void>;
    };
    if (typeof mod.run !== "function") throw new Error("exports no run()");
    await mod.run();
  } catch (err) {
    failed++;
    console.log(`  FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  console.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
if (failed > 0) process.exitCode = 1;
