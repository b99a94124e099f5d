import { describe, expect, it } from "vitest";
import { PerceptionError } from "../../src/core/errors.js";
import {
  cvError,
  loadCv,
  matFromView,
  trackedMatCount,
  withMats,
  withMatsAsync,
} from "../../src/image/mats.js";

describe("mats", () => {
  it("loads opencv-wasm once", async () => {
    const a = await loadCv();
    const b = await loadCv();
    expect(a).toBe(b);
    expect(typeof a.Mat).toBe("function");
  });

  it("deletes every tracked Mat, also when the function throws", async () => {
    const cv = await loadCv();
    let kept: { isDeleted(): boolean }[] = [];
    expect(() =>
      withMats((track) => {
        kept = [track(new cv.Mat(4, 4, cv.CV_8UC1)), track(new cv.Mat(2, 2, cv.CV_8UC3))];
        expect(trackedMatCount()).toBe(2);
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(kept.map((m) => m.isDeleted())).toEqual([true, true]);
    expect(trackedMatCount()).toBe(0);
    const rows = await withMatsAsync(async (track) => {
      const m = track(new cv.Mat(3, 5, cv.CV_8UC1));
      await Promise.resolve();
      return m.rows as number;
    });
    expect(rows).toBe(3);
    expect(trackedMatCount()).toBe(0);
  });

  it("translates OpenCV's numeric exceptions into a named error", async () => {
    const cv = await loadCv();
    const err = withMats((track) => {
      const empty = track(new cv.Mat());
      const out = track(new cv.Mat());
      try {
        cv.cvtColor(empty, out, cv.COLOR_RGB2GRAY);
        return undefined;
      } catch (e) {
        return cvError(e, "image", "grey conversion");
      }
    });
    expect(err).toBeInstanceOf(PerceptionError);
    expect(err!.kind).toBe("image");
    expect(err!.message).toMatch(/grey conversion: .*(empty|scn|Assertion)/i);
  });

  it("copies a padded view into a Mat", async () => {
    const cv = await loadCv();
    const data = Uint8Array.from([1, 2, 3, 9, 4, 5, 6, 9]); // 1x2 rgb8 with step 4
    const bytes = withMats((track) =>
      Array.from(
        matFromView(cv, track, { width: 1, height: 2, step: 4, format: "rgb8", data })
          .data as Uint8Array,
      ),
    );
    expect(bytes).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
