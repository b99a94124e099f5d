/**
 * Jazzy records service introspection (`<service>/_service_event`, `pkg/srv/Name_Event`). Every
 * shared bag that holds service events replays through the real graph with exit 0: the events are
 * decoded by the reader from the bag's schemas, delivered to no node (none subscribes), and with
 * `--record all` left out of the output bag with a warning (the writer has no definition for them).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openBag } from "../../../src/bag/open-bag.js";
import { sharedDir } from "../../../src/core/paths.js";
import { normalizeTypeName, ros2TypeName } from "../../../src/msgs/type-name.js";
import { runCli } from "../../integration/cli-process.js";
import { testTimeout } from "../../support/emulation.js";

const shared = sharedDir();
const root = shared ? join(shared, "bags", "rosbag2") : undefined;
if (!root || !existsSync(root))
  console.warn("skipping service-event replays: ../shared/bags/rosbag2 is absent");

/** Every bag (folder with metadata.yaml, or single storage file) under the shared rosbag2 folder. */
function allBags(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (existsSync(join(path, "metadata.yaml"))) out.push(path);
      else out.push(...allBags(path));
    } else if (/\.(mcap|db3)$/.test(name)) out.push(path);
  }
  return out;
}

describe("service and action type names", () => {
  it("keep their namespace; message names are normalised as before; garbage is refused", () => {
    expect(normalizeTypeName("example_interfaces/srv/AddTwoInts_Event")).toBe(
      "example_interfaces/srv/AddTwoInts_Event",
    );
    expect(ros2TypeName("example_interfaces/srv/AddTwoInts_Event")).toBe(
      "example_interfaces/srv/AddTwoInts_Event",
    );
    expect(ros2TypeName("nav2_msgs/action/NavigateToPose_FeedbackMessage")).toBe(
      "nav2_msgs/action/NavigateToPose_FeedbackMessage",
    );
    expect(normalizeTypeName("std_msgs/msg/String")).toBe("std_msgs/String");
    expect(ros2TypeName("std_msgs/String")).toBe("std_msgs/msg/String");
    expect(() => normalizeTypeName("a/foo/B")).toThrow(
      /not a ROS 2 message type name: 'a\/foo\/B'/,
    );
    expect(() => normalizeTypeName("a/srv/")).toThrow(/not a ROS 2 message type name/);
  });
});

describe.skipIf(!root || !existsSync(root))("replay of the shared bags with service events", () => {
  const tmp = mkdtempSync(join(tmpdir(), "svc-events-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it(
    "every one exits 0, recording outputs and all, and its events stay out of the output bag",
    async () => {
      const withEvents: Array<{ bag: string; eventTopics: string[]; events: number }> = [];
      for (const bag of allBags(root!)) {
        const reader = await openBag(bag);
        const eventTopics = reader.summary.topics
          .filter((t) => /\/srv\/\w+_Event$/.test(t.type))
          .map((t) => t.name);
        let events = 0;
        if (eventTopics.length > 0) {
          for await (const e of reader.messages({ topics: eventTopics })) {
            expect(e.kind, e.kind === "error" ? e.error.message : "").toBe("message");
            if (e.kind === "message") {
              expect(e.message).toMatchObject({ info: { event_type: expect.any(Number) } });
              events++;
            }
          }
          withEvents.push({ bag, eventTopics, events });
        }
        await reader.close();
      }
      expect(withEvents.length).toBeGreaterThanOrEqual(3);
      expect(withEvents.reduce((a, b) => a + b.events, 0)).toBeGreaterThan(0);
      for (const [i, { bag, eventTopics }] of withEvents.entries()) {
        for (const record of ["outputs", "all"]) {
          const out = join(tmp, `out${i}_${record}`);
          const r = await runCli([
            "replay",
            bag,
            "--out",
            out,
            "--record",
            record,
            "--quiet",
            "--json",
          ]);
          expect(r.code, `${bag} --record ${record}: ${r.stderr}`).toBe(0);
          const summary = JSON.parse(r.stdout);
          for (const t of eventTopics) expect(summary.publishedByTopic[t], t).toBeUndefined();
          const output = await openBag(out);
          expect(
            output.summary.topics.map((t) => t.name).filter((n) => eventTopics.includes(n)),
          ).toEqual([]);
          await output.close();
          if (record === "all")
            expect(r.stderr).toMatch(
              /unknown message type example_interfaces\/srv\/AddTwoInts_Event .*; the topic is not recorded/,
            );
        }
      }
    },
    testTimeout(300_000),
  );
});
