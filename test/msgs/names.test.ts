import { describe, expect, it } from "vitest";
import { PerceptionError } from "../../src/core/errors.js";
import {
  expandTopicName,
  fullNodeName,
  normalizeNamespace,
  topicResolver,
  validateResolvedTopic,
} from "../../src/msgs/names.js";

describe("topic resolution (rcl rules)", () => {
  it("expands private, relative and absolute names", () => {
    expect(expandTopicName("~/in/image", "detector", "/perception")).toBe(
      "/perception/detector/in/image",
    );
    expect(expandTopicName("~", "detector", "/perception")).toBe("/perception/detector");
    expect(expandTopicName("~/out", "detector", "/")).toBe("/detector/out");
    expect(expandTopicName("pedestrians", "detector", "/perception")).toBe(
      "/perception/pedestrians",
    );
    expect(expandTopicName("pedestrians", "detector", undefined)).toBe("/pedestrians");
    expect(expandTopicName("/tf", "detector", "/perception")).toBe("/tf");
  });

  it("applies remappings whose keys are private, relative or resolved names", () => {
    const resolve = topicResolver({
      nodeName: "detector",
      namespace: "/perception",
      remappings: {
        "~/in/image": "/camera/front/image_raw",
        "/perception/detector/in/info": "/camera/front/camera_info",
        out: "~/objects",
      },
    });
    expect(resolve("~/in/image")).toBe("/camera/front/image_raw");
    expect(resolve("/perception/detector/in/image")).toBe("/camera/front/image_raw");
    expect(resolve("~/in/info")).toBe("/camera/front/camera_info");
    expect(resolve("out")).toBe("/perception/detector/objects");
    expect(resolve("~/other")).toBe("/perception/detector/other");
  });

  it("rejects invalid names with a message naming the problem", () => {
    expect(() => expandTopicName("in//image", "n", "/")).toThrow(/empty token/);
    expect(() => expandTopicName("in/image/", "n", "/")).toThrow(/empty token/);
    expect(() => expandTopicName("1abc", "n", "/")).toThrow(/token '1abc'/);
    expect(() => expandTopicName("~abc", "n", "/")).toThrow(/'~' must be followed by '\/'/);
    expect(() => expandTopicName("a-b", "n", "/")).toThrow(PerceptionError);
    expect(() => validateResolvedTopic("/")).toThrow(/names nothing/);
    expect(() => normalizeNamespace("/ns/")).toThrow(/invalid namespace/);
    expect(() => topicResolver({ nodeName: "bad-name" })).toThrow(/invalid node name/);
  });

  it("normalises namespaces and node names", () => {
    expect(normalizeNamespace("")).toBe("/");
    expect(normalizeNamespace("perception")).toBe("/perception");
    expect(fullNodeName("d", "/a/b")).toBe("/a/b/d");
    expect(fullNodeName("d", "/")).toBe("/d");
  });
});
