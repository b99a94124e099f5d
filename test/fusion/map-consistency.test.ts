import { describe, expect, it } from "vitest";
import { disagreementsToGeoJson } from "../../src/fusion/disagreements-geojson.js";
import { MapConsistencyMonitor } from "../../src/fusion/map-consistency.js";
import { LocalProjection } from "../../src/map/local-projection.js";
import { MapDisagreement } from "../../src/msgs/types.generated.js";
import { fusionTuning } from "./support/map-fusion-tuning.js";
import { MAP_ORIGIN } from "./support/synthetic-drive.js";

/** The map consistency tuning of config/map_fusion.param.yaml. */
const options = fusionTuning().consistency;

const where = { x: 12, y: 34 };

describe("MapConsistencyMonitor", () => {
  it("ignores single-frame flicker", () => {
    const m = new MapConsistencyMonitor(options);
    for (let k = 0; k < 200; k++) {
      m.observeBoundaryOffset("b1", k % 10 === 0 ? 0.8 : 0.02, where);
      m.observeMappedCrosswalk("c1", k % 7 !== 0, where);
      m.endFrame();
    }
    expect(m.disagreements()).toEqual([]);
    expect(m.score).toBeGreaterThan(0.8);
  });

  it("reports a consistent shift after enough frames, with magnitude and evidence, and withdraws it when the map agrees again", () => {
    const m = new MapConsistencyMonitor(options);
    expect(options.shiftThreshold).toBeLessThan(0.5);
    for (let k = 1; k < options.minEvidenceFrames; k++) m.observeBoundaryOffset("b1", -0.5, where);
    expect(m.disagreements()).toEqual([]);
    m.observeBoundaryOffset("b1", -0.5, where);
    const [d] = m.disagreements();
    expect(d!.kind).toBe(MapDisagreement.KIND_LANE_BOUNDARY_SHIFTED);
    expect(d!.map_id).toBe("b1");
    expect(d!.magnitude).toBeCloseTo(0.5, 9);
    expect(d!.evidence_frames).toBe(options.minEvidenceFrames);
    expect(d!.description).toContain("left");
    for (let k = 0; k < options.window; k++) m.observeBoundaryOffset("b1", 0, where);
    expect(m.disagreements()).toEqual([]);
  });

  it("clusters unmapped crosswalk detections and reports one disagreement", () => {
    const m = new MapConsistencyMonitor(options);
    for (let k = 0; k < 20; k++) m.observeUnmappedCrosswalk({ x: 100 + (k % 3) * 0.5, y: 50 });
    const found = m.disagreements();
    expect(found).toHaveLength(1);
    expect(found[0]!.kind).toBe(MapDisagreement.KIND_CROSSWALK_UNMAPPED);
    expect(found[0]!.map_id).toBe("");
    expect(found[0]!.position.x).toBeCloseTo(100.5, 0);
  });

  it("scores 1 when everything agrees and less when it does not", () => {
    const m = new MapConsistencyMonitor(options);
    expect(Number.isNaN(m.endFrame())).toBe(true);
    m.observeBoundaryType("b1", "dashed", "dashed", where);
    expect(m.endFrame()).toBe(1);
    m.observeBoundaryType("b1", "dashed", "solid", where);
    expect(m.endFrame()).toBeLessThan(1);
  });
});

describe("disagreementsToGeoJson", () => {
  it("exports WGS84 points that project back to the map position", () => {
    const d: MapDisagreement = {
      kind: MapDisagreement.KIND_CROSSWALK_MISSING,
      map_id: "cw_9",
      description: "map has crosswalk cw_9 here, camera does not see it",
      position: { x: 120.5, y: -40.25, z: 0 },
      magnitude: 0,
      evidence_frames: 42,
      confidence: 0.9,
    };
    const fc = disagreementsToGeoJson([d], MAP_ORIGIN);
    expect(fc.type).toBe("FeatureCollection");
    expect(fc.features).toHaveLength(1);
    const f = fc.features[0]!;
    expect(f.geometry.type).toBe("Point");
    expect(f.properties).toMatchObject({
      kind: "crosswalk_missing",
      map_id: "cw_9",
      evidence_frames: 42,
    });
    const [lon, lat] = f.geometry.coordinates as [number, number];
    const back = new LocalProjection(MAP_ORIGIN).toLocal({
      latitude: lat,
      longitude: lon,
      altitude: MAP_ORIGIN.altitude,
    });
    expect(back.x).toBeCloseTo(120.5, 2);
    expect(back.y).toBeCloseTo(-40.25, 2);
  });
});
