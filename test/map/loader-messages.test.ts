/** The map loader's messages for maps that are not HD maps or are empty: short, and never silent. */
import { describe, expect, it } from "vitest";
import { hdMapToGeoJson } from "../../src/map/geojson-writer.js";
import { loadHdMap } from "../../src/map/loader.js";
import { MapValidationError } from "../../src/map/map-validation-error.js";
import { origin, smallRoad } from "./fixtures.js";

function problems(doc: object): readonly string[] {
  try {
    loadHdMap(doc);
  } catch (err) {
    expect(err).toBeInstanceOf(MapValidationError);
    return (err as MapValidationError).problems;
  }
  throw new Error("expected a map error");
}

describe("HD map loader messages", () => {
  it("a plain GeoJSON file (no hdmap header, features without a type): one line per problem, not every feature type's rules", () => {
    const plain = {
      type: "FeatureCollection",
      features: [
        {
          type: "Feature",
          properties: { name: "Main St" },
          geometry: {
            type: "LineString",
            coordinates: [
              [8, 48],
              [8.001, 48],
            ],
          },
        },
        {
          type: "Feature",
          properties: { highway: "crossing" },
          geometry: { type: "Point", coordinates: [8, 48] },
        },
      ],
    };
    expect(problems(plain)).toEqual([
      "the document must have required property 'hdmap'",
      "features[0] must have required property 'id'",
      "features[0] properties must have required property 'type'",
      "features[1] must have required property 'id'",
      "features[1] properties must have required property 'type'",
    ]);
  });

  it("a feature with the wrong geometry type: that problem, not one per coordinate", () => {
    const doc = JSON.parse(
      JSON.stringify(hdMapToGeoJson({ name: "small", origin, features: smallRoad() })),
    );
    const boundary = doc.features.find((f: any) => f.properties.type === "lane_boundary");
    boundary.geometry = {
      type: "Polygon",
      coordinates: [
        [
          [8, 48],
          [8.001, 48],
          [8, 48.001],
          [8, 48],
        ],
      ],
    };
    const found = problems(doc);
    expect(found.filter((p) => p.includes(`"${boundary.id}"`))).toEqual([
      `features[${doc.features.indexOf(boundary)}] (id "${boundary.id}") geometry.type must be equal to constant ("LineString")`,
    ]);
  });

  it("an unknown feature type is named once", () => {
    const doc = JSON.parse(
      JSON.stringify(hdMapToGeoJson({ name: "small", origin, features: smallRoad() })),
    );
    doc.features[0].properties.type = "traffic_light";
    expect(problems(doc)).toEqual([
      `features[0] (id "${doc.features[0].id}") properties.type has unknown feature type "traffic_light": must be equal to one of the allowed values (lane_boundary, lane, crosswalk, stop_line)`,
    ]);
  });

  it("an empty map loads with a warning", () => {
    const map = loadHdMap(hdMapToGeoJson({ name: "empty", origin, features: [] }));
    expect(map.lanes.size).toBe(0);
    expect(map.warnings).toEqual([
      "the map has no features (no lanes, boundaries or crosswalks): fusion has nothing to match against",
    ]);
  });
});
