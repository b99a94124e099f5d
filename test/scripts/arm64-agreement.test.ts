import { describe, expect, it } from "vitest";
import { TOLERANCE, boxAgreement } from "../../scripts/arm64/agreement.js";
import type { Detection } from "../../src/models/detection.js";

const box = (
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  score: number,
  classId = 2,
): Detection => ({
  x1,
  y1,
  x2,
  y2,
  score,
  classId,
});
const threshold = 0.25;

// The boxes of BDD100K caeb782d on the ego hood, YOLOX-Nano, from `npm run test:arm64` on
// neoverse-n1: x86 INT8, arm64 INT8 (IoU 0.879 between them) and x86 FP32 (0.936 / 0.918 to them).
const x86Int8 = box(9, 175, 417, 230, 0.465);
const armInt8 = box(3, 179, 419, 232, 0.433);
const fp32 = box(10, 178, 414, 230, 0.422);

describe("arm64 box agreement", () => {
  it("matches each box to a partner of its class at the IoU tolerance, from either side", () => {
    const car = box(100, 100, 200, 160, 0.8);
    const same = boxAgreement([car], [box(101, 100, 200, 160, 0.79)], threshold, TOLERANCE.int8);
    expect(same).toMatchObject({ ok: true, unmatched: 0, throughReference: 0 });
    const otherClass = boxAgreement([car], [{ ...car, classId: 0 }], threshold, TOLERANCE.int8);
    expect(otherClass).toMatchObject({ ok: false, unmatched: 2 });
    const oneSide = boxAgreement([car], [], threshold, TOLERANCE.int8);
    expect(oneSide).toMatchObject({ ok: false, unmatched: 1 });
    // near the threshold a box may exist on one side only
    const marginal = boxAgreement([box(0, 0, 10, 10, 0.27)], [], threshold, TOLERANCE.int8);
    expect(marginal).toMatchObject({ ok: true, unmatched: 0 });
  });

  it("without a reference, two INT8 boxes on either side of the FP32 box do not agree", () => {
    const r = boxAgreement([x86Int8], [armInt8], threshold, TOLERANCE.int8);
    expect(r).toMatchObject({ ok: false, unmatched: 2, throughReference: 0 });
  });

  it("with the FP32 reference they agree, counted and said apart from direct matches", () => {
    const r = boxAgreement([x86Int8], [armInt8], threshold, TOLERANCE.int8, [fp32]);
    expect(r).toMatchObject({ ok: true, unmatched: 0, throughReference: 2 });
    expect(r.result).toContain("2 through FP32 (IoU between the CPUs 0.879");
  });

  it("the reference does not excuse a box far from FP32, a class change or a score jump", () => {
    const far = box(40, 175, 417, 230, 0.465); // IoU to FP32 below 0.9
    expect(boxAgreement([far], [armInt8], threshold, TOLERANCE.int8, [fp32]).ok).toBe(false);
    const person = { ...armInt8, classId: 0 };
    expect(boxAgreement([x86Int8], [person], threshold, TOLERANCE.int8, [fp32]).ok).toBe(false);
    const jump = { ...armInt8, score: 0.36 };
    expect(boxAgreement([x86Int8], [jump], threshold, TOLERANCE.int8, [fp32]).ok).toBe(false);
  });
});
