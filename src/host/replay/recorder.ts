/**
 * Records a replay's output bag deterministically: everything produced while one input message
 * (or timer tick) is processed is buffered, then written sorted by log time, inputs before
 * outputs, outputs by topic (publish order within a topic), so concurrent async nodes finishing
 * in a different order still give the same bytes.
 */
import type { QosProfile } from "../../msgs/qos-profile.js";
import type { Publication, PublicationTap } from "../bus.js";
import type { ReplaySink } from "./bag-io.js";

interface PendingRecord {
  topic: string;
  logTime: bigint;
  publishTime: bigint;
  cdr: Uint8Array;
  /** 0: passed-through input, 1: node output. */
  origin: 0 | 1;
  seq: number;
}

export class StepRecorder implements PublicationTap {
  readonly #sink: ReplaySink;
  readonly #wantsOutput: (topic: string, type: string) => boolean;
  readonly #qosOf: (topic: string, type: string) => QosProfile;
  readonly #added = new Set<string>();
  #pending: PendingRecord[] = [];
  #seq = 0;
  /** Written messages by topic. */
  readonly counts = new Map<string, number>();

  constructor(options: {
    /** The output bag. */
    sink: ReplaySink;
    /** Which node outputs to record. */
    wantsOutput: (topic: string, type: string) => boolean;
    /** The QoS profile a topic is recorded with. */
    qosOf: (topic: string, type: string) => QosProfile;
  }) {
    this.#sink = options.sink;
    this.#wantsOutput = options.wantsOutput;
    this.#qosOf = options.qosOf;
  }

  /** Adds a topic to the output bag once (in call order, so topic ids are deterministic). */
  addTopic(name: string, type: string): void {
    if (this.#added.has(name)) return;
    this.#added.add(name);
    this.#sink.addTopic({ name, type, qos: this.#qosOf(name, type) });
  }

  wants(topic: string, type: string): boolean {
    return this.#wantsOutput(topic, type);
  }

  /** A node output (a bus tap). */
  write(p: Publication): void {
    this.addTopic(p.topic, p.type);
    const ns = BigInt(p.time.sec) * 1_000_000_000n + BigInt(p.time.nanosec);
    this.#pending.push({
      topic: p.topic,
      logTime: ns,
      publishTime: ns,
      cdr: p.cdr,
      origin: 1,
      seq: this.#seq++,
    });
  }

  /** An input message passed through unchanged. */
  passThrough(
    topic: string,
    type: string,
    logTime: bigint,
    publishTime: bigint,
    cdr: Uint8Array,
  ): void {
    this.addTopic(topic, type);
    this.#pending.push({ topic, logTime, publishTime, cdr, origin: 0, seq: this.#seq++ });
  }

  /** Writes the step's records in their deterministic order. */
  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const records = this.#pending;
    this.#pending = [];
    if (records.length > 1) {
      records.sort((a, b) =>
        a.logTime !== b.logTime
          ? a.logTime < b.logTime
            ? -1
            : 1
          : a.origin - b.origin ||
            (a.origin === 1 && a.topic !== b.topic ? (a.topic < b.topic ? -1 : 1) : 0) ||
            a.seq - b.seq,
      );
    }
    for (const r of records) {
      await this.#sink.write(r.topic, r.logTime, r.cdr, r.publishTime);
      this.counts.set(r.topic, (this.counts.get(r.topic) ?? 0) + 1);
    }
  }
}
