/**
 * A buffered, append-only file for @mcap/core's McapWriter (`IWritable`). Small records are copied
 * into one buffer and written in large blocks; large buffers (whole chunks) go straight to the file.
 * The bytes passed to write() may be reused by the caller once the returned promise resolves.
 */
import { open, type FileHandle } from "node:fs/promises";
import type { IWritable } from "@mcap/core";

/** Default size of the write buffer. */
const DEFAULT_WRITE_BUFFER_BYTES = 4 * 1024 * 1024;

export class BufferedFileWritable implements IWritable {
  readonly path: string;
  readonly #handle: FileHandle;
  readonly #buffer: Uint8Array;
  #used = 0;
  #position = 0n;
  #closed = false;

  private constructor(path: string, handle: FileHandle, bufferBytes: number) {
    this.path = path;
    this.#handle = handle;
    this.#buffer = new Uint8Array(bufferBytes);
  }

  /** Creates (truncates) the file. `flag` "wx" fails when it exists. */
  static async create(
    path: string,
    options: { bufferBytes?: number; exclusive?: boolean } = {},
  ): Promise<BufferedFileWritable> {
    const handle = await open(path, options.exclusive ? "wx" : "w");
    return new BufferedFileWritable(
      path,
      handle,
      options.bufferBytes ?? DEFAULT_WRITE_BUFFER_BYTES,
    );
  }

  position(): bigint {
    return this.#position;
  }

  async write(data: Uint8Array): Promise<void> {
    if (this.#closed) throw new Error(`write after close: ${this.path}`);
    this.#position += BigInt(data.byteLength);
    if (this.#used + data.byteLength <= this.#buffer.byteLength) {
      this.#buffer.set(data, this.#used);
      this.#used += data.byteLength;
      return;
    }
    await this.flush();
    if (data.byteLength >= this.#buffer.byteLength / 2) {
      await this.#writeAll(data);
    } else {
      this.#buffer.set(data, 0);
      this.#used = data.byteLength;
    }
  }

  async #writeAll(data: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < data.byteLength) {
      const { bytesWritten } = await this.#handle.write(
        data,
        offset,
        data.byteLength - offset,
        null,
      );
      offset += bytesWritten;
    }
  }

  /** Writes out what is buffered. */
  async flush(): Promise<void> {
    if (this.#used === 0) return;
    const used = this.#used;
    this.#used = 0;
    await this.#writeAll(this.#buffer.subarray(0, used));
  }

  /** Writes out what is buffered and asks the OS to put the file on disk (fsync). */
  async sync(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    await this.#handle.sync();
  }

  /** Flushes and closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    await this.#handle.close();
  }
}
