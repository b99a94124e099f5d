/**
 * Error kinds the pipeline reports. Each names the problem so a streaming node can
 * count it by kind (diagnostics) and go on.
 */
export type ErrorKind =
  | "bag" // unreadable or inconsistent bag files, metadata.yaml, chunks, CRCs
  | "schema" // unknown message type or schema that cannot be parsed
  | "cdr" // malformed serialized message
  | "image" // unknown encoding, corrupt JPEG/PNG, bad size
  | "model" // model file/contract mismatch, inference failure
  | "calibration" // missing or invalid CameraInfo / extrinsics
  | "tf" // unknown frame, extrapolation
  | "pose" // NaN, stale or jumping pose
  | "time" // time going backwards, clock jumps
  | "map" // invalid HD map
  | "parameter" // invalid parameter value or file
  | "scenario" // generator input
  | "ros" // live ROS 2 layer
  | "eval"; // unreadable or malformed label files, metrics, shard results, gate files

/** An error that names its kind and carries context (bag, topic, offset, ...). */
export class PerceptionError extends Error {
  readonly kind: ErrorKind;
  readonly context: Readonly<Record<string, string | number | bigint | undefined>>;

  constructor(
    kind: ErrorKind,
    message: string,
    context: Record<string, string | number | bigint | undefined> = {},
    options?: { cause?: unknown },
  ) {
    const where = Object.entries(context)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(", ");
    super(where ? `${message} (${where})` : message, options);
    this.name = "PerceptionError";
    this.kind = kind;
    this.context = context;
  }
}

/** The message of anything thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
