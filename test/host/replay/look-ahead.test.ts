import { describe, expect, it } from "vitest";
import type { SourceEntry } from "../../../src/host/replay/bag-io.js";
import { LookAhead } from "../../../src/host/replay/look-ahead.js";

function message(topic: string, i: number): SourceEntry {
  return {
    kind: "message",
    topic,
    type: "std_msgs/String",
    logTime: BigInt(i),
    publishTime: BigInt(i),
    data: new Uint8Array([i]),
    file: "mem",
  };
}

function entriesOf(list: SourceEntry[]): AsyncIterator<SourceEntry> & { returned: boolean } {
  const it = (async function* () {
    yield* list;
  })();
  const out = {
    returned: false,
    next: () => it.next(),
    return: async () => ((out.returned = true), it.return(undefined)),
  };
  return out;
}

function setup(list: SourceEntry[], failOn?: number) {
  const announced: Array<[string, unknown]> = [];
  const entries = entriesOf(list);
  const lookAhead = new LookAhead({
    entries,
    wants: (e) => e.topic === "/camera",
    decode: (topic, data) => {
      if (data[0] === failOn) throw new Error("bad frame");
      return { topic, value: data[0] };
    },
    announce: (topic, m) => announced.push([topic, m]),
  });
  return { lookAhead, announced, entries };
}

describe("LookAhead", () => {
  it("announces the next four wanted messages, delivers every entry in order, and hands back the announced object", async () => {
    const list = Array.from({ length: 12 }, (_, i) => message(i % 2 === 0 ? "/camera" : "/imu", i));
    const { lookAhead, announced } = setup(list);
    await lookAhead.fill();
    expect(announced.map(([, m]) => (m as { value: number }).value)).toEqual([0, 2, 4, 6]);
    const first = await lookAhead.next();
    expect(first).toBe(list[0]);
    expect(lookAhead.decoded(first!)?.message).toBe(announced[0]![1]);
    await lookAhead.fill(); // 2, 4, 6 already announced: only 8 is new
    expect(announced.map(([, m]) => (m as { value: number }).value)).toEqual([0, 2, 4, 6, 8]);
    const rest: SourceEntry[] = [];
    for (let e = await lookAhead.next(); e !== undefined; e = await lookAhead.next()) rest.push(e);
    expect(rest).toEqual(list.slice(1));
    expect(lookAhead.decoded(list[1]!)).toBeUndefined(); // /imu is not wanted
    expect(lookAhead.decoded(list[10]!)).toBeUndefined(); // never looked ahead to
  });

  it("stops at an undecodable frame, leaving it (and what follows) to be decoded in its turn", async () => {
    const list = [0, 1, 2].map((i) => message("/camera", i));
    const { lookAhead, announced } = setup(list, 1);
    await lookAhead.fill();
    expect(announced).toHaveLength(1);
    expect(lookAhead.decoded(list[1]!)).toBeUndefined();
    expect(lookAhead.decoded(list[2]!)).toBeUndefined();
  });

  it("closes the bag iterator", async () => {
    const { lookAhead, entries } = setup([message("/camera", 0)]);
    await lookAhead.close();
    expect(entries.returned).toBe(true);
  });
});
