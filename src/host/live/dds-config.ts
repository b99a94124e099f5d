/**
 * The shipped Cyclone DDS configuration (launch/cyclonedds.xml: a 4 MB socket receive buffer, see
 * docs/launch.md), applied by the app itself before rcl starts, so every entry point gets it
 * (`ros2 launch`, `ros2 run`, `edge-perception launch`). A `CYCLONEDDS_URI` the user already set is
 * kept and merged: Cyclone reads a comma-separated list of configuration URIs/XML fragments in
 * order, later ones overriding earlier ones, so ours goes first and the user's settings win
 * wherever both set something.
 */

/** What was done about the DDS configuration, with the line to log. */
export type DdsConfigOutcome =
  /** CYCLONEDDS_URI set to the shipped file. */
  (
    | { kind: "set"; uri: string }
    /** The user's CYCLONEDDS_URI kept, with the shipped file merged in front. */
    | { kind: "merged"; uri: string }
    /** The user's CYCLONEDDS_URI already names the shipped file: left as is. */
    | { kind: "present"; uri: string }
    /** Another RMW than Cyclone DDS: nothing set. */
    | { kind: "not_cyclone"; rmw: string }
  ) & {
    /** The line to log. */
    message: string;
    /** "warn" when the config may not take effect (another RMW, or none chosen: Jazzy's default is Fast DDS). */
    level: "info" | "warn";
  };

export const CYCLONE_RMW = "rmw_cyclonedds_cpp";

/**
 * Decides CYCLONEDDS_URI for `env` and the shipped config at `configPath` (absolute), and sets it
 * in `env` (process.env: Cyclone reads it when rcl creates the first participant).
 */
export function applyDdsConfig(env: NodeJS.ProcessEnv, configPath: string): DdsConfigOutcome {
  const rmw = env.RMW_IMPLEMENTATION?.trim();
  if (rmw && rmw !== CYCLONE_RMW) {
    return {
      kind: "not_cyclone",
      rmw,
      level: "warn",
      message: `RMW_IMPLEMENTATION is ${rmw}: the shipped Cyclone DDS config (4 MB socket receive buffer for large images) does not apply; raw camera images between processes may be lost (docs/launch.md)`,
    };
  }
  const level = rmw ? "info" : "warn";
  const note = rmw
    ? ""
    : ` (RMW_IMPLEMENTATION is not set and Jazzy's default RMW is Fast DDS, which ignores it: export RMW_IMPLEMENTATION=${CYCLONE_RMW})`;
  const ours = `file://${configPath}`;
  const user = env.CYCLONEDDS_URI?.trim();
  if (!user) {
    env.CYCLONEDDS_URI = ours;
    return { kind: "set", uri: ours, level, message: `CYCLONEDDS_URI=${ours}${note}` };
  }
  if (user.includes(configPath))
    return {
      kind: "present",
      uri: user,
      level,
      message: `CYCLONEDDS_URI already includes ${configPath}${note}`,
    };
  const merged = `${ours},${user}`;
  env.CYCLONEDDS_URI = merged;
  return {
    kind: "merged",
    uri: merged,
    level: "warn",
    message: `CYCLONEDDS_URI was already set (${user}): merged as ${merged} (the shipped 4 MB receive buffer first; your settings win where both set one)${note}`,
  };
}
