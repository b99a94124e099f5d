import { describe, expect, it } from "vitest";
import { doctorChecks, runDoctor, type DoctorDeps } from "../../../src/cli/commands/doctor.js";
import { fakeRclnodejs, notInstalledLoader } from "../../host/live/fake-rclnodejs.js";

/** A ROS 2 Jazzy machine with the workspace built and rclnodejs installed, as the fake sees it. */
function machine(over: Partial<DoctorDeps> = {}, env: NodeJS.ProcessEnv = {}): DoctorDeps {
  const files = new Set([
    "/ws/install/edge_perception_msgs/share/edge_perception_msgs",
    "/app/node_modules/rclnodejs/generated/edge_perception_msgs",
  ]);
  return {
    env: {
      AMENT_PREFIX_PATH: "/ws/install/edge_perception_msgs:/opt/ros/jazzy",
      ROS_DISTRO: "jazzy",
      RMW_IMPLEMENTATION: "rmw_cyclonedds_cpp",
      ...env,
    },
    loader: async () => fakeRclnodejs().module,
    nodeVersion: "v20.19.0",
    rclnodejsDir: () => "/app/node_modules/rclnodejs",
    exists: (p) => files.has(p),
    readText: (p) => (p === "/proc/sys/net/core/rmem_max" ? "8388608\n" : undefined),
    ...over,
  };
}

describe("edge-perception doctor", () => {
  it("passes on a ready machine", async () => {
    const lines: string[] = [];
    expect(await runDoctor(machine(), (l) => lines.push(l))).toBe(0);
    expect(lines.filter((l) => !l.startsWith("OK"))).toEqual([expect.stringMatching(/^ready for/)]);
  });

  it("fails loudly when rclnodejs is not installed (npm drops a failed optional dependency and exits 0)", async () => {
    const lines: string[] = [];
    expect(await runDoctor(machine({ loader: notInstalledLoader }), (l) => lines.push(l))).toBe(1);
    expect(lines).toContainEqual(
      expect.stringMatching(/^FAIL  rclnodejs: rclnodejs is not installed: .*--foreground-scripts/),
    );
    expect(lines.at(-1)).toBe("1 problem(s) to fix before running live");
  });

  it("says what is missing: ROS 2 not sourced, messages not built or not generated, DDS limits", async () => {
    const unsourced = await doctorChecks(machine({}, { AMENT_PREFIX_PATH: "" }));
    expect(unsourced.filter((c) => c.level === "fail").map((c) => c.what)).toEqual([
      "ROS 2",
      "rclnodejs",
    ]);
    const noMsgs = await doctorChecks(machine({ exists: () => false }));
    expect(noMsgs.find((c) => c.what === "edge_perception_msgs")).toMatchObject({
      level: "fail",
      detail: expect.stringMatching(/colcon build/),
    });
    expect(
      noMsgs.find((c) => c.what === "rclnodejs messages for edge_perception_msgs"),
    ).toMatchObject({
      level: "warn",
      detail: expect.stringMatching(/first start.*npx generate-ros-messages/),
    });
    const smallBuffer = await doctorChecks(machine({ readText: () => "212992" }));
    expect(smallBuffer.find((c) => c.what === "net.core.rmem_max")).toMatchObject({
      level: "fail",
      detail: expect.stringMatching(/sysctl -w net\.core\.rmem_max=8388608/),
    });
    const fastDds = await doctorChecks(machine({}, { RMW_IMPLEMENTATION: "rmw_fastrtps_cpp" }));
    expect(fastDds.find((c) => c.what === "RMW")).toMatchObject({ level: "warn" });
  });
});
