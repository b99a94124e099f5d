import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { timeToNs } from "../../src/core/time.js";
import { runCli } from "./cli-process.js";
import { NO_BAG_REASON, integrationBag, readAll } from "./support.js";
import { testTimeout } from "../support/emulation.js";

const bag = integrationBag();
if (!bag) console.log(`determinism.test: ${NO_BAG_REASON}`);

/** Expected header.frame_id per output topic (base_link for vehicle-frame outputs, the camera's for image-space ones). */
const FRAME_IDS: Record<string, string | RegExp> = {
  "/perception/frame": "base_link",
  "/perception/lanes": "base_link",
  "/perception/crosswalks": "base_link",
  "/perception/pedestrians": "base_link",
  "/perception/objects/detections_2d": "base_link",
  "/perception/pedestrians/detections_2d": /_optical_frame$/,
  "/perception/viz/image/compressed": /_optical_frame$/,
};

describe.skipIf(!bag)("replay of the sample drive through the launch graph", () => {
  let outs: string[] = [];

  it(
    "gives byte-identical output bags in two runs",
    async () => {
      const root = mkdtempSync(join(tmpdir(), "determinism-"));
      outs = [join(root, "a"), join(root, "b")];
      for (const out of outs) {
        const r = await runCli([
          "demo",
          "--bag",
          bag!,
          "--out",
          out,
          "--duration",
          "1.2",
          "--deterministic-timing",
          "--no-report",
          "--quiet",
        ]);
        expect(r.code, r.stderr).toBe(0);
      }
      const files = readdirSync(join(outs[0]!, "bag")).sort();
      expect(files.some((f) => f.endsWith(".mcap"))).toBe(true);
      expect(readdirSync(join(outs[1]!, "bag")).sort()).toEqual(files);
      for (const f of files) {
        const a = readFileSync(join(outs[0]!, "bag", f));
        const b = readFileSync(join(outs[1]!, "bag", f));
        expect(Buffer.compare(a, b), `${f} differs`).toBe(0);
      }
    },
    testTimeout(240_000),
  );

  it("decodes completely and stamps every output with its source image's stamp and the right frame id", async () => {
    const input = await readAll(bag!);
    const imageStamps = new Set(
      input.filter((m) => /image/.test(m.topic)).map((m) => timeToNs(m.message.header.stamp)),
    );
    const msgs = await readAll(join(outs[0]!, "bag"));
    expect(msgs.filter((m) => m.error)).toEqual([]);
    const outputs = msgs.filter((m) => m.topic in FRAME_IDS);
    for (const topic of [
      "/perception/frame",
      "/perception/lanes",
      "/perception/crosswalks",
      "/perception/pedestrians",
      "/perception/viz/image/compressed",
    ]) {
      expect(outputs.filter((m) => m.topic === topic).length, topic).toBeGreaterThan(0);
    }
    for (const m of outputs) {
      expect(imageStamps.has(timeToNs(m.message.header.stamp)), `${m.topic} stamp`).toBe(true);
      const want = FRAME_IDS[m.topic]!;
      if (typeof want === "string") expect(m.message.header.frame_id, m.topic).toBe(want);
      else expect(m.message.header.frame_id, m.topic).toMatch(want);
    }
    // Markers carry the frame's stamp; detections in base_link, the map layer in map.
    const markers = msgs
      .filter((m) => m.topic === "/perception/viz/markers")
      .flatMap((m) => m.message.markers);
    expect(markers.length).toBeGreaterThan(0);
    for (const mk of markers) {
      expect(imageStamps.has(timeToNs(mk.header.stamp))).toBe(true);
      expect(mk.header.frame_id).toBe("base_link");
    }
    for (const mk of msgs
      .filter((m) => m.topic === "/perception/viz/map_markers")
      .flatMap((m) => m.message.markers)) {
      expect(mk.header.frame_id).toBe("map");
    }
  });
});
