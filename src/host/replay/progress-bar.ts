/** A one-line progress bar for replays, redrawn in place on a TTY. */
import type { ReplayProgress } from "./replay-summary.js";

const WIDTH = 24;

/** The bar's text: `[#########---------------]  38%  1234/3210 msgs  5230 msg/s`. */
export function formatProgress(p: ReplayProgress): string {
  const filled = Math.round(p.fraction * WIDTH);
  const pct = `${Math.floor(p.fraction * 100)}%`.padStart(4);
  return `[${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] ${pct}  ${p.messages}/${p.totalMessages} msgs  ${p.messagesPerSec.toFixed(0)} msg/s`;
}

/** A progress callback drawing on `stream` (cleared with `done()`); a no-op when the stream is not a TTY. */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): {
  update(p: ReplayProgress): void;
  done(): void;
} {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  let drawn = false;
  return {
    update(p) {
      stream.write(`\r${formatProgress(p)}\x1b[K`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write("\r\x1b[K");
      drawn = false;
    },
  };
}
