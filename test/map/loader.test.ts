import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PerceptionError } from "../../src/core/errors.js";
import { projectPath } from "../../src/core/paths.js";
import { hdMapToGeoJson } from "../../src/map/geojson-writer.js";
import { loadHdMap } from "../../src/map/loader.js";
import type { MapValidationError } from "../../src/map/map-validation-error.js";
import { origin, smallRoad } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "hdmap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh, mutable copy of the valid small-road file. */
function validDoc(): any {
  return JSON.parse(
    JSON.stringify(hdMapToGeoJson({ name: "small", origin, features: smallRoad() })),
  );
}

function mapErrors(source: string | object): string[] {
  try {
    loadHdMap(source);
  } catch (err) {
    expect(err).toBeInstanceOf(PerceptionError);
    expect((err as PerceptionError).kind).toBe("map");
    return (err as Error).message.split("\n- ").slice(1);
  }
  throw new Error("expected a map error");
}

describe("loadHdMap", () => {
  it("loads a valid file from disk into the map frame", () => {
    const file = join(dir, "small.geojson");
    writeFileSync(file, JSON.stringify(validDoc()));
    const map = loadHdMap(file);
    expect(map.name).toBe("small");
    expect(map.lanes.size).toBe(2);
    expect(map.laneBoundaries.size).toBe(3);
    expect(map.crosswalks.size).toBe(1);
    expect(map.stopLines.get("stop_1")!.laneIds).toEqual(["lane_east"]);
    const lane = map.lanes.get("lane_east")!;
    expect(lane.speedLimit).toBe(13.9);
    expect(lane.centerline[2]!.x).toBeCloseTo(100, 4);
    expect(lane.centerline[2]!.y).toBeCloseTo(-1.75, 4);
    expect(map.warnings).toEqual([]);
  });

  it("loads every map in the repository's maps/ without errors or warnings", () => {
    const files = readdirSync(projectPath("maps")).filter((f) => f.endsWith(".geojson"));
    for (const f of files) {
      const map = loadHdMap(projectPath("maps", f));
      expect(map.features.length, f).toBeGreaterThan(0);
      expect(map.warnings, f).toEqual([]);
    }
  });

  it("reports unreadable files and invalid JSON", () => {
    expect(() => loadHdMap(join(dir, "missing.geojson"))).toThrow(/cannot read HD map file/);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{ not json");
    expect(() => loadHdMap(bad)).toThrow(/not valid JSON/);
  });

  it("lists every problem at once", () => {
    const doc = validDoc();
    const byId = (id: string) => doc.features.find((f: any) => f.id === id);
    byId("b_right").properties.boundary_type = "zigzag"; // schema enum
    byId("lane_east").properties.successor_ids = ["nowhere"]; // dangling successor
    byId("lane_west").properties.left_boundary_id = "cw_1"; // wrong kind
    byId("stop_1").properties.lane_ids = ["lane_east", "ghost"]; // dangling stop-line lane
    byId("b_left").geometry.coordinates = [byId("b_left").geometry.coordinates[0]]; // too few points
    const ring = byId("cw_1").geometry.coordinates[0];
    ring.pop(); // unclosed ring
    doc.features.push({ ...JSON.parse(JSON.stringify(byId("b_centre"))) }); // duplicate id
    doc.features.push({
      type: "Feature",
      id: "sign_1",
      geometry: { type: "Point", coordinates: [0, 0] },
      properties: { type: "traffic_sign" },
    });
    doc.features.push({
      type: "Feature",
      geometry: {
        type: "LineString",
        coordinates: [
          [-122.17, 37.42],
          [-122.17, 37.43],
        ],
      },
      properties: { type: "lane_boundary", boundary_type: "solid", color: "white" },
    });
    const errors = mapErrors(doc);
    const expectOne = (re: RegExp) =>
      expect(
        errors.filter((e) => re.test(e)),
        `${re} in\n${errors.join("\n")}`,
      ).toHaveLength(1);
    expectOne(
      /features\[0\] \(id "b_right"\) properties\.boundary_type must be equal to one of the allowed values \(solid, dashed, double_solid, road_edge\)/,
    );
    expectOne(/lane "lane_east": successor_ids refers to missing feature "nowhere"/);
    expectOne(/lane "lane_west": left_boundary_id "cw_1" is a crosswalk, expected a lane_boundary/);
    expectOne(/stop_line "stop_1": lane_ids refers to missing feature "ghost"/);
    expectOne(/\(id "b_left"\) geometry\.coordinates must NOT have fewer than 2 items/);
    expectOne(/\(id "cw_1"\).*(not closed|fewer than 4 items)/);
    expectOne(/duplicate feature id "b_centre"/);
    expectOne(/\(id "sign_1"\) properties\.type has unknown feature type "traffic_sign"/);
    expectOne(/features\[9\] must have required property 'id'/);
    expect(
      (() => {
        try {
          loadHdMap(doc);
        } catch (e) {
          return (e as MapValidationError).problems;
        }
      })(),
    ).toEqual(errors);
    expect(errors).toHaveLength(9);
  });

  it("rejects self-intersecting and unclosed crosswalks and warns about clockwise ones", () => {
    const doc = validDoc();
    const cw = doc.features.find((f: any) => f.id === "cw_1");
    const [a, b, c, d] = cw.geometry.coordinates[0];
    cw.geometry.coordinates[0] = [a, c, b, d, a]; // bow tie
    expect(mapErrors(doc)).toEqual([
      expect.stringMatching(/crosswalk polygon is self-intersecting \(edges 0 and 2 cross\)/),
    ]);
    cw.geometry.coordinates[0] = [a, b, c, d, b];
    expect(mapErrors(doc)).toEqual([expect.stringMatching(/crosswalk ring is not closed/)]);
    cw.geometry.coordinates[0] = [a, d, c, b, a]; // clockwise
    const map = loadHdMap(doc);
    expect(map.warnings).toEqual([expect.stringMatching(/"cw_1".*clockwise; reversed/)]);
  });

  it("rejects coordinates that are not WGS84", () => {
    const doc = validDoc();
    const byId = (id: string) => doc.features.find((f: any) => f.id === id);
    byId("b_right").geometry.coordinates = [
      [583_960.2, 4_142_781.5],
      [584_060.2, 4_142_781.5],
    ]; // UTM metres
    byId("b_left").geometry.coordinates = [
      [37.4275, -122.1697],
      [37.4276, -122.1697],
    ]; // lat/lon swapped
    byId("b_centre").geometry.coordinates = [
      [0, 0],
      [100, 0],
    ]; // local metres
    const errors = mapErrors(doc);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /"b_right"\): coordinate 0 \[583960.2,4142781.5\] is not WGS84 .*projected metres.*\(and 1 more/,
        ),
        expect.stringMatching(/"b_left"\): coordinate 0 .*\(latitude must be within \+-90/),
        expect.stringMatching(/"b_centre"\): coordinate 0 \[0,0\] is \d+ km from the map origin/),
      ]),
    );
    expect(errors).toHaveLength(3);
    // Objects (not JSON text) can carry NaN.
    const nan = validDoc();
    nan.features[0].geometry.coordinates[1] = [NaN, 37.4];
    expect(mapErrors(nan)).toEqual([
      expect.stringMatching(/"b_right"\): coordinate 1 has a non-finite value \(NaN, 37\.4\)/),
    ]);
  });

  it("checks the header and swapped lane boundaries", () => {
    const doc = validDoc();
    doc.hdmap.format_version = 2;
    delete doc.hdmap.name;
    const header = mapErrors(doc);
    expect(header).toHaveLength(2);
    expect(header).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^hdmap\.format_version must be equal to constant \(1\)$/),
        expect.stringMatching(/^hdmap must have required property 'name'$/),
      ]),
    );
    const swapped = validDoc();
    const lane = swapped.features.find((f: any) => f.id === "lane_east").properties;
    [lane.left_boundary_id, lane.right_boundary_id] = [
      lane.right_boundary_id,
      lane.left_boundary_id,
    ];
    expect(mapErrors(swapped)).toEqual([
      expect.stringMatching(/lane "lane_east": its left boundary "b_right" lies on the right/),
      expect.stringMatching(/lane "lane_east": its right boundary "b_centre" lies on the left/),
    ]);
  });
});
