/**
 * Errors are visible to CI: frames a node fails on (and goes on from) are counted in the replay
 * summary and `--json` by node and kind, and `replay --strict` exits non-zero when any occurred.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BagWriter } from "../../../src/bag/bag-writer.js";
import { openBag } from "../../../src/bag/open-bag.js";
import { codecFor } from "../../../src/msgs/codec.js";
import type { CompressedImage } from "../../../src/msgs/types.generated.js";
import type { NodeSpec } from "../../../src/ros/node-spec.js";
import { formatReplaySummary } from "../../../src/host/replay/replay-summary.js";
import { runReplay } from "../../../src/host/replay/run-replay.js";
import { runCli } from "../../integration/cli-process.js";
import { NO_BAG_REASON, integrationBag } from "../../integration/support.js";
import { IMAGE_TOPIC, imageEntries, memorySink, memorySource } from "./fixtures.js";
import { testTimeout } from "../../support/emulation.js";

const tmp = mkdtempSync(join(tmpdir(), "node-errors-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("node errors in the replay summary", () => {
  it("adds the errors nodes caught (errorCounts) to those that threw, by node and kind", async () => {
    let caught = 0;
    const node: NodeSpec = {
      name: "flaky",
      namespace: "/t",
      parameterSchema: {},
      parameters: {},
      create(handle) {
        handle.createSubscription("sensor_msgs/msg/Image", IMAGE_TOPIC, {}, (img) => {
          if (img.width % 3 === 0) throw new Error(`cannot handle width ${img.width}`);
          if (img.width % 3 === 1) caught++; // a frame the node failed on and went on from
        });
        return { errorCounts: () => ({ image: caught, model: 0 }) };
      },
    };
    const summary = await runReplay({
      bag: "memory",
      nodes: [node],
      source: memorySource(imageEntries(9)),
      sink: memorySink(),
      logSink: () => {},
    });
    // widths 8..16: multiples of 3 (9, 12, 15) threw; 10, 13, 16 were caught.
    expect(summary.nodeErrors).toEqual({ "/t/flaky": 6 });
    expect(summary.nodeErrorsByKind).toEqual({ "/t/flaky": { image: 3, uncaught: 3 } });
    const text = formatReplaySummary(summary);
    expect(text).toMatch(/node errors 6,/);
    expect(text).toMatch(/\/t\/flaky image\s+3/);
    expect(text).toMatch(/\/t\/flaky uncaught\s+3/);
  });
});

const bag = integrationBag();
if (!bag) console.log(`node-errors.test: ${NO_BAG_REASON}`);

describe.skipIf(!bag)("replay of a drive with undecodable camera frames", () => {
  it(
    "reports the frame failures in the summary and --json, and --strict exits 1",
    async () => {
      // The first 1.5 s of the drive, camera frames 12..29 (0.6 s) with their JPEG bytes replaced by garbage (valid CDR).
      const input = await openBag(bag!);
      const corrupted = join(tmp, "corrupted");
      const writer = await BagWriter.create({ path: corrupted });
      for (const t of input.summary.topics) writer.addTopic({ name: t.name, type: t.type });
      const end = input.summary.startTime + 1_500_000_000n;
      let images = 0;
      let broken = 0;
      const imageCodec = codecFor<CompressedImage>("sensor_msgs/msg/CompressedImage");
      for await (const e of input.entries({ endTime: end })) {
        if (e.kind !== "message") throw e.error;
        let data = e.data;
        if (e.type === "sensor_msgs/msg/CompressedImage" && images++ >= 12 && images <= 30) {
          const msg = imageCodec.decode(e.data);
          msg.data = new Uint8Array(msg.data.length).fill(0x5a);
          data = imageCodec.encode(msg);
          broken++;
        }
        await writer.write(e.topic, e.logTime, data, e.publishTime);
      }
      await writer.close();
      await input.close();
      expect(broken).toBeGreaterThan(5);

      const out = join(tmp, "out");
      const strict = await runCli([
        "replay",
        corrupted,
        "--out",
        out,
        "--json",
        "--strict",
        "--quiet",
      ]);
      expect(strict.code, strict.stderr).toBe(1);
      const summary = JSON.parse(strict.stdout);
      const total = Object.values(summary.nodeErrors as Record<string, number>).reduce(
        (a, b) => a + b,
        0,
      );
      // Each camera node counted every broken frame it took (its rate skips some) as an image error, as its stats say.
      let failedFrames = 0;
      for (const node of [
        "/perception/lane_detector",
        "/perception/crosswalk_detector",
        "/perception/pedestrian_detector",
      ]) {
        const failed = summary.nodeStats[node].frames_failed as number;
        expect(failed, node).toBeGreaterThan(0);
        expect(summary.nodeErrorsByKind[node], node).toEqual({ image: failed });
        failedFrames += failed;
      }
      // The visualizer failed on the debug images of broken frames it drew.
      const viz = summary.nodeStats["/perception/visualizer"];
      const vizFailed = viz["debug_image.runs"] - viz.debug_images;
      expect(vizFailed).toBeGreaterThan(0);
      expect(summary.nodeErrorsByKind["/perception/visualizer"]).toEqual({ image: vizFailed });
      expect(total).toBe(failedFrames + vizFailed);
      expect(strict.stderr).toMatch(/--strict: \d+ error\(s\): node errors \/perception\//);
      // Good frames still gave their outputs.
      expect(summary.publishedByTopic["/perception/frame"]).toBeGreaterThan(0);

      // Without --out nothing subscribes to the debug image, so the visualizer draws none and fails
      // on none: only the camera nodes' failures remain.
      const plain = await runCli(["replay", corrupted, "--quiet"]);
      expect(plain.code, plain.stderr).toBe(0);
      expect(plain.stdout).toMatch(new RegExp(`node errors ${failedFrames},`));
      expect(plain.stdout).toMatch(
        /node errors by node and kind:\n\s+\/perception\/\w+ image\s+\d+/,
      );
    },
    testTimeout(300_000),
  );
});
