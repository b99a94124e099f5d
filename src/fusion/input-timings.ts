/**
 * The stage times of a fused frame, read from its inputs: each detector's array carries its own
 * (`latencies`, `pipeline_latency_ms`), so map_fusion reports the same figures whether the
 * detectors run in its process or in others.
 */
import { timeToNs, type Time } from "../core/time.js";
import type { DetectorArray } from "../msgs/detector-arrays.js";
import type { StageLatency } from "../msgs/types.generated.js";

/** What the inputs of one frame say about its timing. */
export interface InputTimings {
  /** The stages of the inputs stamped with the frame's stamp, sorted by stage name. */
  latencies: StageLatency[];
  /** The largest `pipeline_latency_ms` of those inputs (the slowest detector); undefined when none is of this stamp. */
  pipelineLatencyMs: number | undefined;
}

/**
 * The timing of the frame at `stamp` from its fused inputs. Inputs carried over from an earlier
 * stamp (lanes, crosswalks) were timed for that earlier frame and are left out.
 */
export function inputTimings(
  stamp: Time,
  inputs: ReadonlyArray<DetectorArray | undefined>,
): InputTimings {
  const ns = timeToNs(stamp);
  const own = inputs.filter(
    (m): m is DetectorArray => m !== undefined && timeToNs(m.header.stamp) === ns,
  );
  const latencies = own.flatMap((m) =>
    m.latencies.map((l) => ({ stage: l.stage, duration_ms: l.duration_ms })),
  );
  latencies.sort((a, b) => (a.stage < b.stage ? -1 : a.stage > b.stage ? 1 : 0));
  return {
    latencies,
    pipelineLatencyMs:
      own.length > 0 ? Math.max(...own.map((m) => m.pipeline_latency_ms)) : undefined,
  };
}
