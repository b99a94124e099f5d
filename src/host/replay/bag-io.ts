/**
 * The replay runner's view of the bag module (src/bag/): the structural subset of `BagReader` and
 * `BagWriter` it uses, so the runner can also be driven by in-memory sources in tests.
 */
import type { PerceptionError } from "../../core/errors.js";
import type { MonotonicClock } from "../../core/monotonic-clock.js";
import { BagWriter } from "../../bag/bag-writer.js";
import { openBag } from "../../bag/open-bag.js";
import type { QosProfile } from "../../msgs/qos-profile.js";

/** One topic of the input bag, as BagSummary lists it. */
export interface SourceTopic {
  name: string;
  /** `pkg/msg/Type`. */
  type: string;
}

/** What the runner reads (satisfied by `BagReader` from src/bag/open-bag.ts). */
export interface ReplaySource {
  readonly summary: {
    path: string;
    topics: readonly SourceTopic[];
    messageCount: number;
    startTime: bigint;
    endTime: bigint;
  };
  entries(options?: {
    topics?: string[];
    startTime?: bigint;
    endTime?: bigint;
  }): AsyncIterable<SourceEntry>;
  codecFor(topic: string): { decode(bytes: Uint8Array): unknown };
  close(): Promise<void>;
}

export type SourceEntry =
  | {
      kind: "message";
      topic: string;
      type: string;
      logTime: bigint;
      publishTime: bigint;
      data: Uint8Array;
      file: string;
      offset?: number;
    }
  | { kind: "error"; error: PerceptionError };

/** What the runner writes (satisfied by `BagWriter` from src/bag/bag-writer.ts). */
export interface ReplaySink {
  addTopic(topic: { name: string; type: string; qos?: QosProfile }): void;
  write(topic: string, logTime: bigint, cdr: Uint8Array, publishTime?: bigint): Promise<void>;
  close(): Promise<unknown>;
}

/**
 * Opens a rosbag2 bag with the bag module. Its messages are decoded with the reader's checks
 * (`decoderFor`: a message that does not fit its schema is a counted decode error, never handed to
 * a node), as `info` and `messages()` read them.
 */
export async function openReplaySource(path: string): Promise<ReplaySource> {
  const reader = await openBag(path);
  return {
    summary: reader.summary,
    entries: (options) => reader.entries(options),
    codecFor: (topic) => reader.decoderFor(topic),
    close: () => reader.close(),
  };
}

/** Creates the output bag with the bag module (MCAP, zstd chunks); `clock` is the run's (its wall-clock flush). */
export async function createReplaySink(
  path: string,
  overwrite: boolean,
  clock: MonotonicClock,
): Promise<ReplaySink> {
  return BagWriter.create({ path, overwrite, compression: "zstd", clock });
}
