/**
 * `info --verify` says what is damaged: MCAP chunk and data-section CRCs (the project's own bags
 * carry them), sqlite's integrity_check, and every message decoded.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { BagWriter } from "../../src/bag/bag-writer.js";
import { verifyBag } from "../../src/bag/verify-bag.js";
import { run as info } from "../../src/cli/commands/info.js";
import { codecFor } from "../../src/msgs/codec.js";
import { copyBag, makeTemp, removeTemp, rosbag2Dir } from "./fixtures.js";

const temp = makeTemp("ep-verify-");
afterAll(() => removeTemp(temp));

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const spy = vi
    .spyOn(process.stdout, "write")
    .mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  try {
    return { code: await info(argv), out };
  } finally {
    spy.mockRestore();
  }
}

/** 3 s of String messages at 20 Hz, uncompressed: 6 chunks of 0.5 s. */
async function ownBag(path: string): Promise<void> {
  const writer = await BagWriter.create({ path, overwrite: true });
  writer.addTopic({ name: "/s", type: "std_msgs/msg/String" });
  const codec = codecFor("std_msgs/String");
  for (let i = 0; i < 60; i++)
    await writer.write(
      "/s",
      1_000_000_000n + BigInt(i) * 50_000_000n,
      codec.encode({ data: `message number ${i} `.repeat(4) }),
    );
  await writer.close();
}

describe("verifyBag", () => {
  it("an intact bag of the project's writer: every chunk and the data section have CRCs that match", async () => {
    const path = join(temp, "intact");
    await ownBag(path);
    const v = await verifyBag(path);
    expect(v).toMatchObject({ messagesRead: 60, unreadable: {}, readProblems: [], damaged: false });
    expect(v.files.map((f) => [f.checked, f.problems])).toEqual([
      ["6 chunks, all with CRCs, data section CRC", []],
    ]);
    const { code, out } = await capture([path, "--verify"]);
    expect(code).toBe(0);
    expect(out).toMatch(
      /Verification:      intact_0\.mcap: 6 chunks, all with CRCs, data section CRC: OK\nMessages read:     60 read and decoded\nResult:            intact\n$/,
    );
  });

  it("one flipped byte: names the chunk by offset, the CRCs that caught it and the messages lost; exit 1", async () => {
    const path = join(temp, "flipped");
    await ownBag(path);
    const file = join(path, "flipped_0.mcap");
    const bytes = readFileSync(file);
    const at = bytes.indexOf(Buffer.from("message number 30 "));
    expect(at).toBeGreaterThan(0);
    bytes[at + 9] = "X".charCodeAt(0); // "message nXmber 30": still a valid string
    writeFileSync(file, bytes);
    const v = await verifyBag(path);
    expect(v.damaged).toBe(true);
    const problems = v.files[0]!.problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^chunk at offset \d+: CRC mismatch \(stored 0x[0-9a-f]+, computed 0x[0-9a-f]+\): its messages are damaged$/,
    );
    expect(problems[1]).toMatch(/^data section CRC mismatch/);
    expect(v.messagesRead).toBe(49); // the damaged chunk (messages 22..32, 0.5 s) is skipped, the others are intact
    expect(v.unreadable).toEqual({ "(bag)": 1 });
    const { code, out } = await capture([path, "--verify"]);
    expect(code).toBe(1);
    expect(out).toMatch(
      /flipped_0\.mcap: 6 chunks, all with CRCs, data section CRC: 2 problem\(s\)/,
    );
    expect(out).toMatch(/Result:            DAMAGED/);
  });
});

describe.skipIf(!rosbag2Dir)("verifyBag on Jazzy's bags", () => {
  it("says that Jazzy's MCAP file carries no CRCs", async () => {
    const v = await verifyBag(join(rosbag2Dir!, "camera_drive_mcap"));
    expect(v.damaged).toBe(false);
    expect(v.files[0]!.checked).toMatch(
      /^7 chunks, none with a CRC \(damage inside them shows only when a message no longer decodes\), no data section CRC$/,
    );
  });

  it("reports sqlite integrity_check problems of a damaged page, and the messages that could not be read", async () => {
    const copy = copyBag(temp, "camera_drive_sqlite3");
    const db = join(copy, "camera_drive_sqlite3_0.db3");
    const bytes = readFileSync(db);
    bytes.fill(0xff, 4096 * 1000, 4096 * 1000 + 8); // a b-tree page header of the messages table
    writeFileSync(db, bytes);
    const v = await verifyBag(copy);
    expect(v.damaged).toBe(true);
    expect(v.files[0]!.problems[0]).toMatch(
      /^sqlite integrity_check: .*page 1020 cell 0: invalid page number/,
    );
    expect(v.messagesRead).toBeLessThan(151);
    expect(v.readProblems.join("\n")).toMatch(/database disk image is malformed/);
    const intact = await verifyBag(join(rosbag2Dir!, "camera_drive_sqlite3"));
    expect(intact).toMatchObject({ damaged: false, messagesRead: 151 });
    expect(intact.files[0]!.checked).toBe("sqlite integrity_check");
  });
});
