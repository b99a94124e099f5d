import { describe, expect, it } from "vitest";
import { categorisePeople, ridesOn } from "../../src/models/class-map.js";

const box = (x1: number, y1: number, x2: number, y2: number, classId: number) => ({
  x1,
  y1,
  x2,
  y2,
  score: 0.9,
  classId,
});

describe("class map", () => {
  const coco = { pedestrian: [0], rider: [], ridden: [1, 3] };
  it("a person over a bicycle is a rider; beside one, or above the bike's top, a pedestrian", () => {
    const cyclist = box(100, 50, 130, 130, 0);
    const bike = box(95, 90, 140, 135, 1);
    expect(ridesOn(cyclist, bike)).toBe(true);
    const walkerBeside = box(140, 50, 170, 130, 0); // overlaps the bike by 0 px across
    expect(ridesOn(walkerBeside, bike)).toBe(false);
    const bikeFarBehind = box(100, 20, 130, 45, 1); // above the person's feet and middle
    expect(ridesOn(cyclist, bikeFarBehind)).toBe(false);
    const out = categorisePeople([cyclist, bike, walkerBeside], coco);
    expect(out.map((d) => [d.classId, d.category])).toEqual([
      [0, "rider"],
      [1, undefined],
      [0, "pedestrian"],
    ]);
  });
  it("a model's own rider class is a rider with no vehicle box", () => {
    const kitti = { pedestrian: [0], rider: [1], ridden: [] };
    expect(
      categorisePeople([box(0, 0, 10, 30, 1), box(20, 0, 30, 30, 0)], kitti).map((d) => d.category),
    ).toEqual(["rider", "pedestrian"]);
  });
});
