/** Node loggers: one line per message, prefixed with the level and the node's full name. */
import type { Logger } from "../ros/node-api.js";

export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Where log lines go. */
export type LogSink = (level: LogLevel, source: string, message: string) => void;

/** Writes to stderr (stdout stays free for command output), messages below `minLevel` dropped. */
export function stderrLogSink(minLevel: LogLevel = "info"): LogSink {
  return (level, source, message) => {
    if (LEVEL_ORDER[level] < LEVEL_ORDER[minLevel]) return;
    process.stderr.write(`[${level.toUpperCase()}] [${source}] ${message}\n`);
  };
}

/** A Logger for one source (a node's full name) over a sink. */
export function createLogger(source: string, sink: LogSink): Logger {
  return {
    debug: (m) => sink("debug", source, m),
    info: (m) => sink("info", source, m),
    warn: (m) => sink("warn", source, m),
    error: (m) => sink("error", source, m),
  };
}
