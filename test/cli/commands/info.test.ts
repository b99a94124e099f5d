import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseMetadata } from "../../../src/bag/metadata.js";
import { formatFileSize, formatSeconds, formatTime, run } from "../../../src/cli/commands/info.js";
import { rosbag2Dir, sharedBag } from "../../bag/fixtures.js";

/** Runs the command, capturing what it writes to stdout and stderr. */
async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const stdout = vi
    .spyOn(process.stdout, "write")
    .mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
  const stderr = vi
    .spyOn(process.stderr, "write")
    .mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
  try {
    const code = await run(argv);
    return { code, out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe.skipIf(!rosbag2Dir)("edge-perception info on the upstream bags", () => {
  it("prints what ros2 bag info prints for Jazzy's camera drive, agreeing with its metadata.yaml", async () => {
    const { code, out } = await capture([sharedBag("camera_drive_mcap")]);
    expect(code).toBe(0);
    const metadata = parseMetadata(
      readFileSync(sharedBag("camera_drive_mcap", "metadata.yaml"), "utf8"),
    );
    const lines = out.split("\n");
    expect(lines).toContain("Files:             camera_drive_mcap_0.mcap");
    expect(lines).toContain("Storage id:        mcap");
    expect(lines).toContain("ROS Distro:        jazzy");
    expect(lines).toContain(`Duration:          ${formatSeconds(metadata.duration)}s`);
    expect(lines).toContain(`Start:             ${formatTime(metadata.startingTime)}`);
    expect(lines).toContain(
      `End:               ${formatTime(metadata.startingTime + metadata.duration)}`,
    );
    expect(lines).toContain(`Messages:          ${metadata.messageCount}`);
    for (const t of metadata.topics) {
      expect(out).toContain(
        `Topic: ${t.name} | Type: ${t.type} | Count: ${t.messageCount} | Serialization Format: cdr`,
      );
    }
    expect(lines).toContain("Service:           0");
    expect(lines.find((l) => l.startsWith("Bag size:"))).toMatch(/^Bag size: {10}\d+\.\d MiB$/);
  });

  it("lists service event topics as services, as Jazzy does", async () => {
    const { code, out } = await capture([sharedBag("rosbag2_cpp_bags", "topics_and_services.db3")]);
    expect(code).toBe(0);
    expect(out).toContain("Service:           2\n");
    expect(out).toMatch(
      /Service: \/add_two_ints \| Type: example_interfaces\/srv\/AddTwoInts \| Event Count: \d+ \| Serialization Format: cdr/,
    );
    expect(out).not.toContain("Topic: /add_two_ints/_service_event");
  });

  it("prints JSON with --json and lists each split file", async () => {
    const { code, out } = await capture([sharedBag("rosbag2_py_mcap_wbag"), "--json"]);
    expect(code).toBe(0);
    const summary = JSON.parse(out) as { files: string[]; messageCount: number; startTime: string };
    const metadata = parseMetadata(
      readFileSync(sharedBag("rosbag2_py_mcap_wbag", "metadata.yaml"), "utf8"),
    );
    expect(summary.files.map((f) => f.split("/").pop())).toEqual(metadata.relativeFilePaths);
    expect(summary.messageCount).toBe(metadata.messageCount);
    expect(typeof summary.startTime).toBe("string");
  });
});

describe("edge-perception info", () => {
  it("exits 2 with usage for wrong arguments and 1 naming the problem for a missing bag", async () => {
    expect((await capture([])).code).toBe(2);
    expect((await capture(["a", "b"])).code).toBe(2);
    const missing = await capture(["/definitely/not/a/bag"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/bag error: no such bag.*\/definitely\/not\/a\/bag/);
  });

  it("formats sizes and times like rosbag2", () => {
    expect(formatFileSize(512)).toBe("512 B");
    expect(formatFileSize(45056)).toBe("44.0 KiB");
    expect(formatFileSize(5650737)).toBe("5.4 MiB");
    expect(formatSeconds(2928687715n)).toBe("2.928687715");
    expect(formatTime(1795613122125559224n)).toBe(
      "Nov 25 2026 13:25:22.125559224 (1795613122.125559224)",
    );
  });
});
