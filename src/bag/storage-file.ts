/**
 * What `open-bag.ts` needs from one storage file, whatever its format (MCAP or sqlite3).
 */
import type { StoredSchema } from "./topic-codec.js";
import type { BagEntry, BagStorage } from "./types.js";

/** One topic as a storage file records it. */
export interface FileTopic {
  name: string;
  /** `pkg/msg/Type` as recorded. */
  type: string;
  serializationFormat: string;
  /** The QoS string as the file stores it ("" when it stores none). */
  offeredQosProfiles: string;
  /** `RIHS01_...` when stored, else "". */
  typeDescriptionHash: string;
  /** The schema the file stores for the type, if any. */
  schema?: StoredSchema;
  messageCount: number;
}

/** Filters for one file's messages (topics already resolved by the caller). */
export interface FileEntriesOptions {
  /** Only these topics; all when undefined. */
  topics?: ReadonlySet<string>;
  /** Inclusive lower bound on log time (ns). */
  startTime?: bigint;
  /** Inclusive upper bound on log time (ns). */
  endTime?: bigint;
  /** Context added to every error (the bag path). */
  bag: string;
}

export interface StorageFile {
  readonly storage: BagStorage;
  /** Absolute path. */
  readonly path: string;
  readonly sizeBytes: number;
  readonly topics: FileTopic[];
  readonly messageCount: number;
  /** First/last log time (ns); undefined when the file has no messages. */
  readonly startTime?: bigint;
  readonly endTime?: bigint;
  /** Compressions used inside the file (MCAP chunk compression), without "". */
  readonly compressions: string[];
  /** Distro recorded in the file (sqlite `schema` table, MCAP `rosbag2` metadata), "" when none. */
  readonly rosDistro: string;
  /** The last rosbag2 metadata the recorder stored inside the file (YAML text), for bags without metadata.yaml. */
  readonly embeddedMetadata?: string;
  /** Problems found while opening (e.g. no MCAP summary section: the file is scanned). */
  readonly warnings: string[];
  /** Messages in log-time order; recoverable problems as error entries. */
  entries(options: FileEntriesOptions): AsyncGenerator<BagEntry>;
  close(): Promise<void>;
}
