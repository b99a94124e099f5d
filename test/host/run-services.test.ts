/**
 * Per-run services (src/host/run-services.ts): the decoded-frame cache is created once per run
 * and shared by that run's nodes only; two graphs replayed at the same time in one process each
 * decode every frame themselves.
 */
import { describe, expect, it } from "vitest";
import { PerceptionError } from "../../src/core/errors.js";
import { DecodedFrameCache } from "../../src/host/decoded-frame-cache.js";
import { runReplay } from "../../src/host/replay/run-replay.js";
import { createRunServices, RunServices } from "../../src/host/run-services.js";
import type { ImageView } from "../../src/image/image-view.js";
import { DECODED_FRAMES, type DecodedFrames } from "../../src/nodes/common/decoded-frames.js";
import type { RunServiceKey } from "../../src/ros/node-api.js";
import type { NodeSpec } from "../../src/ros/node-spec.js";
import { IMAGE_TOPIC, imageEntries, memorySource } from "./replay/fixtures.js";

/** What one node of a graph saw: the service it was handed and the pixels it got per image width. */
interface Seen {
  frames?: DecodedFrames;
  views: Map<number, ImageView>;
}

/** A node that reads each image's pixels through the run's decoded-frame service. */
function pixelReader(name: string, seen: Seen): NodeSpec {
  return {
    name,
    namespace: "/test",
    parameterSchema: { type: "object", additionalProperties: false, properties: {} },
    parameters: {},
    remappings: { "~/in/image": IMAGE_TOPIC },
    create(handle) {
      const frames = handle.service(DECODED_FRAMES);
      seen.frames = frames;
      handle.createSubscription(
        "sensor_msgs/msg/Image",
        "~/in/image",
        { profile: "sensor_data" },
        async (img) => {
          seen.views.set(img.width, await frames.view({ kind: "raw", message: img }));
        },
      );
      return {};
    },
  };
}

describe("per-run services", () => {
  it("give two graphs replayed at once in one process their own decoded-frame cache, shared by each graph's nodes", async () => {
    const graphs = [0, 1].map(() => ({
      a: { views: new Map() } as Seen,
      b: { views: new Map() } as Seen,
    }));
    const entries = imageEntries(4);
    // Both runs read the very same message objects: only a shared cache could hand one run the other's pixels.
    await Promise.all(
      graphs.map((g) =>
        runReplay({
          bag: "memory",
          nodes: [pixelReader("a", g.a), pixelReader("b", g.b)],
          source: memorySource(entries),
          logSink: () => undefined,
        }),
      ),
    );
    const [g0, g1] = graphs as [(typeof graphs)[0], (typeof graphs)[0]];
    for (const g of graphs) {
      expect(g.a.frames).toBeInstanceOf(DecodedFrameCache);
      expect(g.b.frames).toBe(g.a.frames);
      expect([...g.a.views.keys()]).toEqual([8, 9, 10, 11]);
      // Within a graph each frame is decoded once and the second node reuses the pixels.
      for (const [width, view] of g.a.views) expect(g.b.views.get(width)).toBe(view);
      expect((g.a.frames as DecodedFrameCache).counters()).toEqual({
        decodes: 4,
        reuses: 4,
        prefetches: 0,
      });
    }
    expect(g1.a.frames).not.toBe(g0.a.frames);
    for (const [width, view] of g0.a.views) {
      expect(g1.a.views.get(width)).not.toBe(view);
      expect(g1.a.views.get(width)).toMatchObject({ width: view.width, height: view.height });
    }
  });

  it("hand out a new cache for every run and name a service the run lacks", () => {
    expect(createRunServices().get(DECODED_FRAMES)).not.toBe(
      createRunServices().get(DECODED_FRAMES),
    );
    const missing: RunServiceKey<number> = { name: "not_provided" };
    expect(() => createRunServices().get(missing)).toThrow(PerceptionError);
    expect(() => new RunServices().get(DECODED_FRAMES)).toThrow(
      /no 'decoded_frames' service in this run/,
    );
  });
});
