/**
 * MCAP chunk decompression (zstd, lz4, bz2) through @mcap/support's wasm handlers, loaded once.
 */
import type { McapTypes } from "@mcap/core";
import { loadDecompressHandlers } from "@mcap/support";

let handlers: Promise<McapTypes.DecompressHandlers> | undefined;

/** The handlers by MCAP compression name (`zstd`, `lz4`, `bz2`). */
export function decompressHandlers(): Promise<McapTypes.DecompressHandlers> {
  return (handlers ??= loadDecompressHandlers());
}
