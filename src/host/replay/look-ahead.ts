/**
 * Look-ahead: the replay reads on past the message it delivers to the next messages on topics
 * whose subscribers asked to hear of messages early (camera frames, so that decoding the next
 * frame overlaps this step's inference), decodes each once and announces it; the same object is
 * delivered in its turn. The order of delivery, and so every output, is unchanged.
 */
import type { SourceEntry } from "./bag-io.js";

/** How many bag entries the look-ahead reads, at most, to find messages to announce. */
const LOOK_AHEAD_ENTRIES = 64;
/**
 * How many upcoming messages the look-ahead announces (on topics that want it): four camera
 * frames (133 ms at 30 Hz), so that a model at 10 Hz already has its next frame queued while it
 * works on this one, and starts it the moment this one is done.
 */
const LOOK_AHEAD_MESSAGES = 4;

export interface LookAheadOptions {
  /** The bag entries in delivery order. */
  entries: AsyncIterator<SourceEntry>;
  /** True when a message entry is to be announced before its delivery. */
  wants: (entry: Extract<SourceEntry, { kind: "message" }>) => boolean;
  /** Decodes a message of the topic; a throw leaves it to be decoded (and counted) in its turn. */
  decode: (topic: string, data: Uint8Array) => unknown;
  /** Tells the topic's subscribers of a message delivered later. */
  announce: (topic: string, message: unknown) => void;
}

/** The bag entries in order, with the next wanted messages announced ahead of their delivery. */
export class LookAhead {
  readonly #options: LookAheadOptions;
  readonly #buffered: SourceEntry[] = [];
  readonly #announced = new WeakMap<SourceEntry, unknown>();
  #exhausted = false;

  constructor(options: LookAheadOptions) {
    this.#options = options;
  }

  /** The next entry to deliver, undefined at the end. */
  async next(): Promise<SourceEntry | undefined> {
    if (this.#buffered.length > 0) return this.#buffered.shift();
    if (this.#exhausted) return undefined;
    const r = await this.#options.entries.next();
    if (r.done) this.#exhausted = true;
    return r.done ? undefined : r.value;
  }

  /** Fills the look-ahead: reads on and announces the next wanted messages not announced yet. */
  async fill(): Promise<void> {
    let found = 0;
    for (let i = 0; i < LOOK_AHEAD_ENTRIES && found < LOOK_AHEAD_MESSAGES; i++) {
      if (i === this.#buffered.length) {
        if (this.#exhausted) return;
        const r = await this.#options.entries.next();
        if (r.done) {
          this.#exhausted = true;
          return;
        }
        this.#buffered.push(r.value);
      }
      const e = this.#buffered[i]!;
      if (e.kind !== "message" || !this.#options.wants(e)) continue;
      found++;
      if (this.#announced.has(e)) continue;
      let message: unknown;
      try {
        message = this.#options.decode(e.topic, e.data);
      } catch {
        return; // decoded (and counted) again in its turn
      }
      this.#announced.set(e, message);
      this.#options.announce(e.topic, message);
    }
  }

  /** The message the look-ahead decoded and announced for this entry (the object to deliver), undefined when none. */
  decoded(entry: SourceEntry): { message: unknown } | undefined {
    return this.#announced.has(entry) ? { message: this.#announced.get(entry) } : undefined;
  }

  /** Stops reading the bag. */
  async close(): Promise<void> {
    await this.#options.entries.return?.();
  }
}
