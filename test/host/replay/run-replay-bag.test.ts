import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openBag } from "../../../src/bag/open-bag.js";
import { sharedDir } from "../../../src/core/paths.js";
import { runReplay } from "../../../src/host/replay/run-replay.js";
import { imageSizeNode } from "./fixtures.js";

const shared = sharedDir();
if (!shared) console.warn("skipping replay over the camera_drive bags: ../shared is absent");

function bagBytes(dir: string): Map<string, Buffer> {
  return new Map(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(join(dir, f))]),
  );
}

describe.skipIf(!shared)("runReplay over the real Jazzy camera_drive bags", () => {
  const tmp = mkdtempSync(join(tmpdir(), "replay-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  for (const storage of ["mcap", "sqlite3"] as const) {
    it(`gives a byte-identical output bag on two runs (${storage}), with outputs and passthrough`, async () => {
      const bag = join(shared!, "bags", "rosbag2", `camera_drive_${storage}`);
      const outs = [join(tmp, "a", storage), join(tmp, "b", storage)]; // same folder name: file names are part of the bytes
      const summaries = [];
      for (const out of outs) {
        // A node with an async delay depending on frame size, so completion timing varies.
        summaries.push(
          await runReplay({
            bag,
            out,
            nodes: [imageSizeNode({ delayMs: (w) => w % 3 })],
            logSink: () => {},
          }),
        );
      }
      const [a, b] = outs.map(bagBytes);
      expect([...a!.keys()]).toEqual([...b!.keys()]);
      for (const [file, bytes] of a!) expect(bytes.equals(b!.get(file)!), file).toBe(true);

      const s = summaries[0]!;
      expect(s.inByTopic["/camera/front/image_raw"]).toBe(30);
      expect(s.publishedByTopic).toEqual({ "/test/image_size/sizes": 30 });
      expect(s.decodeErrors).toEqual({});

      const reader = await openBag(outs[0]!);
      try {
        const counts: Record<string, number> = {};
        const texts: string[] = [];
        for await (const e of reader.entries()) {
          if (e.kind !== "message") throw e.error;
          counts[e.topic] = (counts[e.topic] ?? 0) + 1;
          if (e.topic === "/test/image_size/sizes") {
            const msg = reader.codecFor(e.topic).decode(e.data) as { data: string };
            texts.push(msg.data);
            // The output's log time is the sim time at publish, which the node printed.
            const [sec, nsec] = msg.data.split("@")[1]!.split(" ")[0]!.split(".");
            expect(e.logTime).toBe(BigInt(sec!) * 1_000_000_000n + BigInt(nsec!));
          }
        }
        expect(counts["/test/image_size/sizes"]).toBe(30);
        expect(counts["/tf"]).toBe(s.inByTopic["/tf"]);
        expect(counts["/tf_static"]).toBe(s.inByTopic["/tf_static"]);
        expect(counts["/camera/front/camera_info"]).toBe(s.inByTopic["/camera/front/camera_info"]);
        expect(counts["/camera/front/image_raw"]).toBeUndefined();
        expect(texts.every((t) => t.startsWith("320x180@"))).toBe(true);
      } finally {
        await reader.close();
      }
    });
  }
});
