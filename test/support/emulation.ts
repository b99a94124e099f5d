/**
 * Test timeouts that follow the machine the suite runs on. `EP_TEST_TIMEOUT_SCALE` is set by
 * `npm run test:arm64 -- --full` (scripts/test-arm64.sh), which runs the suite on arm64 Node under
 * qemu-aarch64, 10-3000x slower than native; unset (a native run, x86 or a real Arm board), the
 * timeouts are the ones written in the tests.
 */

/** How many times longer a test may take here than the timeout it states (1 when unset). */
export function timeoutScale(): number {
  const raw = process.env.EP_TEST_TIMEOUT_SCALE;
  if (raw === undefined || raw === "") return 1;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale < 1) {
    throw new Error(`EP_TEST_TIMEOUT_SCALE must be a number >= 1, got "${raw}"`);
  }
  return scale;
}

/** A test's (or its child process's) timeout, in ms, scaled for emulation. */
export function testTimeout(ms: number): number {
  return ms * timeoutScale();
}
