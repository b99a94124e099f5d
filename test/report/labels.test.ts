import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectPath } from "../../src/core/paths.js";
import { loadEvalConfig } from "../../src/report/eval-config.js";
import { detectLabelFormat, loadLabels } from "../../src/report/labels/load-labels.js";

const config = loadEvalConfig();
const fx = (...p: string[]): string => projectPath("test", "fixtures", ...p);
const tmp = mkdtempSync(join(tmpdir(), "eval-labels-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

describe("label readers", () => {
  it("recognises each format", () => {
    expect(detectLabelFormat(fx("eval", "tusimple_label_data.json"))).toBe("tusimple");
    expect(detectLabelFormat(fx("eval", "kitti"))).toBe("kitti");
    expect(detectLabelFormat(fx("eval", "labels", "coco.json"))).toBe("coco");
    expect(detectLabelFormat(fx("eval", "labels", "yolo"))).toBe("yolo");
    expect(detectLabelFormat(fx("eval", "labels", "culane"))).toBe("culane");
    expect(detectLabelFormat(fx("eval", "labels", "presence.txt"))).toBe("presence");
    expect(detectLabelFormat(fx("crosswalk-labels.json"))).toBe("presence");
  });

  it("reads TuSimple label_data lines (made from the shared instance masks)", () => {
    const l = loadLabels(fx("eval", "tusimple_label_data.json"), config);
    expect([...l.keys()]).toEqual(["0000", "0001", "0002"]);
    const t = l.get("0000")!.tusimple!;
    expect(t.rows[0]).toBe(160);
    expect(t.lanes.length).toBe(4);
    expect(t.lanes.every((xs) => xs.length === 56)).toBe(true);
  });

  it("reads KITTI label_2 with calib: the cyclist is don't care, cars are not persons", () => {
    const l = loadLabels(fx("eval", "kitti"), config);
    const persons = l.get("000007")!.persons!;
    expect(persons).toHaveLength(1);
    expect(persons[0]!.dontCare).toBe(true);
    expect(persons[0]!.range).toBeCloseTo(Math.hypot(-12.57, 34.09), 6);
  });

  it("reads COCO persons (crowd = don't care), YOLO boxes, CULane lines and presence lists", () => {
    const coco = loadLabels(fx("eval", "labels", "coco.json"), config);
    expect(coco.get("a")!.persons).toEqual([
      { box: { x1: 100, y1: 200, x2: 140, y2: 300 }, range: NaN, dontCare: false },
    ]);
    expect(coco.get("b")!.persons![0]!.dontCare).toBe(true);
    const yolo = loadLabels(fx("eval", "labels", "yolo"), config);
    expect(yolo.get("a")!.normalizedPersons).toEqual([{ cx: 0.1, cy: 0.5, w: 0.05, h: 0.2 }]);
    const culane = loadLabels(fx("eval", "labels", "culane"), config);
    expect(culane.get("00120")!.culane![1]).toEqual([
      [300, 590],
      [450, 400],
      [560, 260],
    ]);
    expect(loadLabels(fx("eval", "labels", "presence.txt"), config).get("b")).toEqual({
      crosswalk: false,
    });
    const cdnet = loadLabels(fx("crosswalk-labels.json"), config);
    expect(cdnet.get("filename_00037")).toEqual({ crosswalk: true });
  });

  it("names the file and line of malformed labels", () => {
    const bad =
      (
        name: string,
        text: string,
        format?: "tusimple" | "culane" | "kitti" | "coco" | "yolo" | "presence",
      ) =>
      () =>
        loadLabels(write(name, text), config, format);
    expect(
      bad(
        "t.json",
        '{"lanes":[[1,2]],"h_samples":[1,2],"raw_file":"a.jpg"}\n{"lanes":[[1]],"h_samples":[1,2],"raw_file":"b.jpg"}\n',
        "tusimple",
      ),
    ).toThrow(/t\.json:2: lane 0 must be 2 numbers/);
    expect(
      bad(
        "t2.json",
        '{"lanes":[],"h_samples":[],"raw_file":"a.jpg"}\n{"lanes": [oops\n',
        "tusimple",
      ),
    ).toThrow(/t2\.json:2: not valid JSON/);
    expect(bad("c.lines.txt", "1 2 3 4\n1 2 3\n")).toThrow(
      /c\.lines\.txt:2: a CULane lane is an even count/,
    );
    expect(bad("k.txt", "Pedestrian 0 0 0 10 20 30\n", "kitti")).toThrow(
      /k\.txt:1: a KITTI object has 15 fields/,
    );
    expect(bad("y.txt", "0 0.5 0.5 0.1 0.1\n0 0.5 1.5 0.1 0.1\n", "yolo")).toThrow(
      /y\.txt:2: YOLO coordinates are normalised/,
    );
    expect(bad("p.txt", "a.jpg yes\nb.jpg maybe\n", "presence")).toThrow(
      /p\.txt:2: a presence line/,
    );
    const coco =
      '{\n "images": [{"id": 1, "file_name": "a.jpg"}],\n "annotations": [\n  {"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]},\n  {"image_id": 1, "category_id": 1, "bbox": [1, 2, -3, 4]}\n ],\n "categories": [{"id": 1, "name": "person"}]\n}\n';
    expect(bad("coco.json", coco)).toThrow(/coco\.json:5: annotations\[1\]\.bbox must be/);
    expect(bad("what.json", '{"hello": 1}')).toThrow(/what\.json:1: unknown JSON labels/);
  });
});
