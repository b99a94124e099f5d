import { describe, expect, it } from "vitest";
import { applyDdsConfig } from "../../../src/host/live/dds-config.js";

const CONFIG = "/app/launch/cyclonedds.xml";

describe("applyDdsConfig", () => {
  it("sets CYCLONEDDS_URI to the shipped config when none is set", () => {
    const env: NodeJS.ProcessEnv = { RMW_IMPLEMENTATION: "rmw_cyclonedds_cpp" };
    expect(applyDdsConfig(env, CONFIG)).toMatchObject({ kind: "set", level: "info" });
    expect(env.CYCLONEDDS_URI).toBe(`file://${CONFIG}`);
  });

  it("merges with a CYCLONEDDS_URI the user set (ours first, so theirs win), and says so", () => {
    const env: NodeJS.ProcessEnv = {
      RMW_IMPLEMENTATION: "rmw_cyclonedds_cpp",
      CYCLONEDDS_URI: "file:///etc/cyclone/site.xml",
    };
    const outcome = applyDdsConfig(env, CONFIG);
    expect(outcome).toMatchObject({ kind: "merged", level: "warn" });
    expect(env.CYCLONEDDS_URI).toBe(`file://${CONFIG},file:///etc/cyclone/site.xml`);
    expect(outcome.message).toMatch(
      /already set \(file:\/\/\/etc\/cyclone\/site\.xml\): merged as .*your settings win/,
    );
    // Idempotent: a second process (multi_process, or a relaunch) leaves it.
    expect(applyDdsConfig(env, CONFIG)).toMatchObject({ kind: "present" });
    expect(env.CYCLONEDDS_URI).toBe(`file://${CONFIG},file:///etc/cyclone/site.xml`);
  });

  it("keeps inline XML the user set", () => {
    const env: NodeJS.ProcessEnv = {
      RMW_IMPLEMENTATION: "rmw_cyclonedds_cpp",
      CYCLONEDDS_URI: '<General><Interfaces><NetworkInterface name="lo"/></Interfaces></General>',
    };
    applyDdsConfig(env, CONFIG);
    expect(env.CYCLONEDDS_URI).toBe(
      `file://${CONFIG},<General><Interfaces><NetworkInterface name="lo"/></Interfaces></General>`,
    );
  });

  it("warns when the RMW is not Cyclone DDS, or not chosen (Jazzy's default is Fast DDS)", () => {
    const fast: NodeJS.ProcessEnv = { RMW_IMPLEMENTATION: "rmw_fastrtps_cpp" };
    expect(applyDdsConfig(fast, CONFIG)).toMatchObject({
      kind: "not_cyclone",
      level: "warn",
      message: expect.stringMatching(
        /rmw_fastrtps_cpp: the shipped Cyclone DDS config .* does not apply/,
      ),
    });
    expect(fast.CYCLONEDDS_URI).toBeUndefined();
    const unset: NodeJS.ProcessEnv = {};
    expect(applyDdsConfig(unset, CONFIG)).toMatchObject({
      kind: "set",
      level: "warn",
      message: expect.stringMatching(
        /default RMW is Fast DDS.*RMW_IMPLEMENTATION=rmw_cyclonedds_cpp/,
      ),
    });
  });
});
