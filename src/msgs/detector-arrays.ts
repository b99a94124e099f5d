/**
 * The arrays the detectors publish (lane markings, crosswalks, pedestrians). Each carries its
 * frame's stage times (`latencies`, `pipeline_latency_ms`) to map_fusion, so the times travel with
 * the detections in one process and across processes alike. The detectors in src/perception/
 * produce them untimed; the node fills the timing fields when it publishes.
 */
import type { CrosswalkArray, LaneMarkingArray, PedestrianArray } from "./types.generated.js";

/** A detector's output array. */
export type DetectorArray = LaneMarkingArray | CrosswalkArray | PedestrianArray;

/** The timing fields a detector node adds when it publishes. */
export type DetectorTiming = Pick<DetectorArray, "latencies" | "pipeline_latency_ms">;

/** A detector's result before its node times it: the array without its timing fields. */
export type Untimed<T extends DetectorArray> = Omit<T, keyof DetectorTiming>;
