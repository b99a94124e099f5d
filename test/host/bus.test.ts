import { describe, expect, it } from "vitest";
import { realClock } from "../../src/core/monotonic-clock.js";
import { codecFor } from "../../src/msgs/codec.js";
import { InProcessBus, queueDepth, type Publication } from "../../src/host/bus.js";

const now = () => ({ sec: 5, nanosec: 0 });

describe("InProcessBus", () => {
  it("hands the same object to every local subscriber and encodes once for all taps", async () => {
    const bus = new InProcessBus({ now, wallClock: realClock, onCallbackError: () => {} });
    const got: unknown[] = [];
    bus.subscribe("/a", "/t", 5, (m, info) => void got.push([m, info.cdr, info.receiveTime]));
    bus.subscribe("/b", "/t", 5, (m) => void got.push(m));
    const publications: Publication[] = [];
    bus.addTap({ wants: (topic) => topic === "/t", write: (p) => void publications.push(p) });
    bus.addTap({ wants: () => true, write: (p) => void publications.push(p) });
    const msg = { data: "hello" };
    bus.publish("/pub", "/t", "std_msgs/msg/String", msg);
    await bus.idle();
    expect(got).toEqual([[msg, undefined, { sec: 5, nanosec: 0 }], msg]);
    expect((got[0] as unknown[])[0]).toBe(msg);
    expect(got[1]).toBe(msg);
    expect(publications).toHaveLength(2);
    expect(publications[0]!.cdr).toBe(publications[1]!.cdr);
    expect(codecFor("std_msgs/msg/String").decode(publications[0]!.cdr)).toEqual({ data: "hello" });
    expect(bus.stats().published).toEqual({ "/t": 1 });
  });

  it("does not encode when no tap wants the topic", () => {
    const bus = new InProcessBus({ now, wallClock: realClock, onCallbackError: () => {} });
    bus.addTap({ wants: () => false, write: () => expect.unreachable() });
    // An object the String codec cannot encode would throw if it were encoded.
    expect(() => bus.publish("/p", "/t", "std_msgs/msg/String", { data: 42 })).not.toThrow();
  });

  it("says whether a topic has subscribers: local ones, or taps that want it and take it now", () => {
    const bus = new InProcessBus({ now, wallClock: realClock, onCallbackError: () => {} });
    const type = "std_msgs/msg/String";
    expect(bus.hasSubscribers("/t", type)).toBe(false);
    const sub = bus.subscribe("/a", "/t", 5, () => undefined);
    expect(bus.hasSubscribers("/t", type)).toBe(true);
    sub.destroy();
    expect(bus.hasSubscribers("/t", type)).toBe(false);
    // A tap without `hasSubscribers` takes whatever it wants (the bag recorder).
    bus.addTap({ wants: (topic) => topic === "/rec", write: () => undefined });
    expect(bus.hasSubscribers("/rec", type)).toBe(true);
    expect(bus.hasSubscribers("/t", type)).toBe(false);
    // A wire tap takes a topic only while a subscription is matched.
    let matched = 0;
    bus.addTap({
      wants: (topic) => topic === "/wire",
      write: () => undefined,
      hasSubscribers: () => matched > 0,
    });
    expect(bus.hasSubscribers("/wire", type)).toBe(false);
    matched = 1;
    expect(bus.hasSubscribers("/wire", type)).toBe(true);
    // Observers are no subscribers.
    bus.addObserver(() => undefined);
    expect(bus.hasSubscribers("/t", type)).toBe(false);
  });

  it("keeps the last `depth` messages per subscriber while its callback runs, counting drops", async () => {
    const bus = new InProcessBus({ now, wallClock: realClock, onCallbackError: () => {} });
    const seen: number[] = [];
    let release!: () => void;
    const first = new Promise<void>((r) => (release = r));
    bus.subscribe("/slow", "/t", 2, async (m) => {
      seen.push(m as number);
      if (m === 0) await first;
    });
    bus.inject("/t", 0, { topic: "/t", receiveTime: now() });
    await Promise.resolve();
    expect(seen).toEqual([0]); // taken: the callback now runs
    for (let i = 1; i < 6; i++) bus.inject("/t", i, { topic: "/t", receiveTime: now() });
    expect(bus.busy).toBe(true);
    release();
    await bus.idle();
    expect(seen).toEqual([0, 4, 5]);
    expect(bus.stats().drops).toEqual({ "/slow /t": 3 });
  });

  it("reports callback errors and keeps delivering", async () => {
    const errors: string[] = [];
    const bus = new InProcessBus({
      now,
      wallClock: realClock,
      onCallbackError: (node, topic, e) => errors.push(`${node} ${topic} ${(e as Error).message}`),
    });
    const seen: number[] = [];
    bus.subscribe("/n", "/t", 10, async (m) => {
      if (m === 1) throw new Error("boom");
      seen.push(m as number);
    });
    for (let i = 0; i < 3; i++) bus.inject("/t", i, { topic: "/t", receiveTime: now() });
    await bus.idle();
    expect(seen).toEqual([0, 2]);
    expect(errors).toEqual(["/n /t boom"]);
  });

  it("rejects a second type on a topic and invalid depths", () => {
    const bus = new InProcessBus({ now, wallClock: realClock, onCallbackError: () => {} });
    bus.declareTopic("/t", "std_msgs/msg/String", { publisher: "/a" });
    expect(() => bus.declareTopic("/t", "sensor_msgs/msg/Image", { subscriber: "/b" })).toThrow(
      /already has type std_msgs\/msg\/String/,
    );
    expect(queueDepth({ profile: "sensor_data" })).toBe(5);
    expect(() => queueDepth({ depth: 0 })).toThrow(/depth must be an integer >= 1/);
  });
});
