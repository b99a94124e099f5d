import { describe, expect, it } from "vitest";
import { planTiles } from "../../src/models/tiling.js";

describe("planTiles", () => {
  it("runs the full frame only for ordinary aspect ratios or when disabled", () => {
    expect(planTiles({ kind: "auto" }, 1280, 720)).toEqual([
      { x: 0, y: 0, width: 1280, height: 720 },
    ]);
    expect(planTiles({ kind: "none" }, 1242, 375)).toEqual([
      { x: 0, y: 0, width: 1242, height: 375 },
    ]);
  });

  it("covers a KITTI-wide frame with overlapping square tiles (hand-computed)", () => {
    // columns = ceil((1242 - 0.15 * 375) / (0.85 * 375)) = ceil(3.72) = 4; x = round(867 * i / 3)
    expect(planTiles({ kind: "auto" }, 1242, 375)).toEqual([
      { x: 0, y: 0, width: 1242, height: 375 },
      { x: 0, y: 0, width: 375, height: 375 },
      { x: 289, y: 0, width: 375, height: 375 },
      { x: 578, y: 0, width: 375, height: 375 },
      { x: 867, y: 0, width: 375, height: 375 },
    ]);
  });

  it("makes grids with even x for 4:2:2 frames and rejects bad grids", () => {
    const tiles = planTiles({ kind: "grid", columns: 3, rows: 2, overlap: 0.1 }, 1280, 720, true);
    expect(tiles).toHaveLength(7);
    for (const t of tiles.slice(1)) {
      expect(t.x % 2).toBe(0);
      expect(t.width % 2).toBe(0);
      expect(t.x + t.width).toBeLessThanOrEqual(1280);
      expect(t.y + t.height).toBeLessThanOrEqual(720);
    }
    expect(tiles[3]!.x + tiles[3]!.width).toBe(1280); // last column reaches the right edge
    expect(() => planTiles({ kind: "grid", columns: 0, rows: 1 }, 100, 100)).toThrow(
      /columns and rows/,
    );
  });
});
