// Prints vitest's JSON results as the one line CI reads: `N passed, N failed[, N skipped]`.
// Further files are other checks' results as `{ passed, failed }` (the type-check, the regression
// gate's `npm run gate -- --result <file>`): they add to the counts; one named but missing (the
// check crashed) is one failure.
import { existsSync, readFileSync } from "node:fs";

const file = process.argv[2];
const extraFiles = process.argv.slice(3);
function checkCounts(resultFile) {
  if (!existsSync(resultFile)) return { passed: 0, failed: 1 };
  try {
    const g = JSON.parse(readFileSync(resultFile, "utf8"));
    return { passed: Number(g.passed) || 0, failed: Number(g.failed) || 0 };
  } catch {
    return { passed: 0, failed: 1 };
  }
}
const gate = extraFiles.map(checkCounts).reduce((a, b) => ({ passed: a.passed + b.passed, failed: a.failed + b.failed }), { passed: 0, failed: 0 });
if (!file || !existsSync(file)) {
  console.log(`${gate.passed} passed, ${1 + gate.failed} failed`);
  process.exit(0);
}
const r = JSON.parse(readFileSync(file, "utf8"));
const passed = (r.numPassedTests ?? 0) + gate.passed;
// Suites that failed to load count as failures too.
const failed = (r.numFailedTests ?? 0) + (r.testResults ?? []).filter((s) => s.status === "failed" && (s.assertionResults ?? []).length === 0).length + gate.failed;
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
