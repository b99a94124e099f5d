/**
 * Whether the calling thread computes with subnormal floats flushed to zero (x86 MXCSR FTZ and DAZ,
 * Arm FPCR.FZ), found by computing with them: JavaScript numbers are IEEE doubles computed by the
 * same floating-point unit, under the same thread mode, as the native code the thread calls.
 */

/** True when the thread flushes subnormal results to zero and reads subnormal operands as zero. */
export function subnormalsFlushed(): boolean {
  // Operands from memory, so no compiler folds the arithmetic at build time.
  const values = Float64Array.of(2.2250738585072014e-308, 5e-324);
  const belowSmallestNormal = values[0]! / 2; // a subnormal result: 0 under flush-to-zero
  const timesTwo = values[1]! * 2; // a subnormal operand: 0 under denormals-are-zero
  return belowSmallestNormal === 0 && timesTwo === 0;
}
