/**
 * `edge-perception doctor`: checks that this machine can run the graph live (ROS 2 Jazzy sourced,
 * rclnodejs installed and loading, the project's messages built and generated for rclnodejs, the
 * DDS settings large images need) and says how to fix each thing that is not. Exit code 1 when
 * something required is missing. The command to run after installing rclnodejs: npm drops an
 * optional dependency whose build failed and still exits 0, so only loading it proves it works.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { errorMessage } from "../../core/errors.js";
import { CYCLONE_RMW } from "../../host/live/dds-config.js";
import {
  importRclnodejs,
  loadRclnodejs,
  type RclnodejsLoader,
} from "../../host/live/load-rclnodejs.js";

export const summary =
  "check this machine for live use: ROS 2, rclnodejs, messages, DDS (exit 1 if not ready)";

/** One finding. `fail` makes the command exit 1. */
export interface DoctorCheck {
  level: "ok" | "warn" | "fail";
  what: string;
  /** Details, or what to do about it. */
  detail: string;
}

/** How the command sees the machine (replaced in tests). */
export interface DoctorDeps {
  env: NodeJS.ProcessEnv;
  loader: RclnodejsLoader;
  /** Node's version, e.g. "v20.19.0". */
  nodeVersion: string;
  /** The folder rclnodejs is installed in, or undefined. */
  rclnodejsDir: () => string | undefined;
  exists: (path: string) => boolean;
  readText: (path: string) => string | undefined;
}

const PROJECT_MSGS = "edge_perception_msgs";
/** Cyclone's socket receive buffer the shipped config asks for (launch/cyclonedds.xml). */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

export const DEFAULT_DOCTOR_DEPS: DoctorDeps = {
  env: process.env,
  loader: importRclnodejs,
  nodeVersion: process.version,
  rclnodejsDir: () => {
    try {
      return dirname(createRequire(import.meta.url).resolve("rclnodejs"));
    } catch {
      return undefined;
    }
  },
  exists: existsSync,
  readText: (path) => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  },
};

export function run(argv: string[]): Promise<number> {
  if (argv.includes("--help")) {
    console.log(
      "usage: edge-perception doctor\n\nChecks ROS 2, rclnodejs, the project's messages and DDS settings for live use; exit 1 when not ready.",
    );
    return Promise.resolve(0);
  }
  return runDoctor(DEFAULT_DOCTOR_DEPS, (line) => console.log(line));
}

/** Runs every check, prints one line each, returns the exit code. */
export async function runDoctor(deps: DoctorDeps, print: (line: string) => void): Promise<number> {
  const checks = await doctorChecks(deps);
  for (const c of checks) print(`${c.level.toUpperCase().padEnd(4)}  ${c.what}: ${c.detail}`);
  const failed = checks.filter((c) => c.level === "fail").length;
  print(
    failed === 0
      ? "ready for `edge-perception launch` / `ros2 launch edge_perception perception.launch.py`"
      : `${failed} problem(s) to fix before running live`,
  );
  return failed === 0 ? 0 : 1;
}

export async function doctorChecks(deps: DoctorDeps): Promise<DoctorCheck[]> {
  const { env } = deps;
  const checks: DoctorCheck[] = [];
  const major = Number(/^v(\d+)/.exec(deps.nodeVersion)?.[1] ?? 0);
  checks.push(
    major >= 20
      ? { level: "ok", what: "Node.js", detail: deps.nodeVersion }
      : { level: "fail", what: "Node.js", detail: `${deps.nodeVersion}: 20 or newer is needed` },
  );

  const prefixes = (env.AMENT_PREFIX_PATH ?? "").split(":").filter((p) => p !== "");
  if (prefixes.length === 0) {
    checks.push({
      level: "fail",
      what: "ROS 2",
      detail: "not sourced (AMENT_PREFIX_PATH is not set): `source /opt/ros/jazzy/setup.bash`",
    });
  } else {
    const distro = env.ROS_DISTRO ?? "unknown";
    checks.push(
      distro === "jazzy"
        ? { level: "ok", what: "ROS 2", detail: "jazzy" }
        : {
            level: "warn",
            what: "ROS 2",
            detail: `ROS_DISTRO is ${distro}; the project is built and checked on jazzy`,
          },
    );
    const msgs = prefixes.find((p) => deps.exists(join(p, "share", PROJECT_MSGS)));
    checks.push(
      msgs
        ? { level: "ok", what: PROJECT_MSGS, detail: join(msgs, "share", PROJECT_MSGS) }
        : {
            level: "fail",
            what: PROJECT_MSGS,
            detail:
              "not in AMENT_PREFIX_PATH: `cd ros_ws && colcon build && source install/setup.bash`",
          },
    );
  }

  let loaded = false;
  try {
    await loadRclnodejs(deps.loader, env);
    loaded = true;
    checks.push({
      level: "ok",
      what: "rclnodejs",
      detail: `loads (${deps.rclnodejsDir() ?? "?"})`,
    });
  } catch (err) {
    checks.push({ level: "fail", what: "rclnodejs", detail: errorMessage(err) });
  }
  const dir = deps.rclnodejsDir();
  if (loaded && dir) {
    checks.push(
      deps.exists(join(dir, "generated", PROJECT_MSGS))
        ? { level: "ok", what: `rclnodejs messages for ${PROJECT_MSGS}`, detail: "generated" }
        : {
            level: "warn",
            what: `rclnodejs messages for ${PROJECT_MSGS}`,
            detail:
              "not generated yet: rclnodejs generates them at the first start (slow); do it now with `npx generate-ros-messages` (ROS 2 and ros_ws/install sourced)",
          },
    );
  }

  const rmw = env.RMW_IMPLEMENTATION;
  checks.push(
    rmw === CYCLONE_RMW
      ? { level: "ok", what: "RMW", detail: rmw }
      : {
          level: "warn",
          what: "RMW",
          detail: `${rmw ?? "not set (Jazzy's default: Fast DDS)"}: the DDS settings for large images are for Cyclone DDS: export RMW_IMPLEMENTATION=${CYCLONE_RMW} (docs/launch.md)`,
        },
  );
  const rmemMax = Number(deps.readText("/proc/sys/net/core/rmem_max")?.trim() ?? NaN);
  if (Number.isFinite(rmemMax)) {
    checks.push(
      rmemMax >= RECEIVE_BUFFER_BYTES
        ? { level: "ok", what: "net.core.rmem_max", detail: String(rmemMax) }
        : {
            level: rmw === CYCLONE_RMW ? "fail" : "warn",
            what: "net.core.rmem_max",
            detail: `${rmemMax} < ${RECEIVE_BUFFER_BYTES}: Cyclone DDS cannot get the 4 MB receive buffer launch/cyclonedds.xml asks for and refuses to start: \`sudo sysctl -w net.core.rmem_max=8388608\``,
          },
    );
  }
  return checks;
}
