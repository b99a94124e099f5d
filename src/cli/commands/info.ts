/**
 * `edge-perception info <bag>`: what a rosbag2 bag holds, laid out like `ros2 bag info` (Jazzy):
 * files, size, storage, distro, duration, start/end, message count, topics, service event topics.
 * Times are printed in UTC (ros2 uses the local zone) so output does not depend on the machine.
 */
import { PerceptionError, errorMessage } from "../../core/errors.js";
import { openBag } from "../../bag/open-bag.js";
import { verifyBag, type BagVerification } from "../../bag/verify-bag.js";
import type { BagSummary } from "../../bag/types.js";
import { basename } from "node:path";
import { printable } from "../../core/printable.js";

export const summary =
  "show a rosbag2 bag's files, duration, topics and counts (like ros2 bag info)";

const USAGE = `usage: edge-perception info <bag folder | file.mcap | file.db3> [--json] [--verify]

  --json     print the summary as JSON (times as nanosecond strings)
  --verify   also check the whole bag (sqlite integrity_check, MCAP chunk and data CRCs, every
             message decoded) and say what is damaged; exit 1 when anything is`;

const LABEL_WIDTH = 19;
const SERVICE_EVENT_SUFFIX = "/_service_event";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** rosbag2's format_file_size: B without decimals, then KiB/MiB/GiB/TiB with one. */
export function formatFileSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let size = bytes;
  let index = 0;
  while (size >= 1024 && index < units.length - 1) {
    size /= 1024;
    index++;
  }
  return `${size.toFixed(index === 0 ? 0 : 1)} ${units[index]}`;
}

/** `1795613122.125559224` for a nanosecond time. */
export function formatSeconds(ns: bigint): string {
  const sign = ns < 0n ? "-" : "";
  const abs = ns < 0n ? -ns : ns;
  return `${sign}${abs / 1_000_000_000n}.${(abs % 1_000_000_000n).toString().padStart(9, "0")}`;
}

/** `Nov 25 2026 13:25:22.125559224 (1795613122.125559224)`, in UTC. */
export function formatTime(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  const date = new Date(Number(seconds) * 1000);
  const two = (n: number): string => String(n).padStart(2, "0");
  const fraction = (((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n)
    .toString()
    .padStart(9, "0");
  return (
    `${MONTHS[date.getUTCMonth()]} ${two(date.getUTCDate())} ${date.getUTCFullYear()} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}.${fraction} (${formatSeconds(ns)})`
  );
}

function field(label: string, value: string): string {
  return `${label}:`.padEnd(LABEL_WIDTH) + value;
}

function list(label: string, items: string[]): string[] {
  if (items.length === 0) return [`${label}:`.padEnd(LABEL_WIDTH).trimEnd()];
  return items.map(
    (item, i) => (i === 0 ? `${label}: `.padEnd(LABEL_WIDTH) : " ".repeat(LABEL_WIDTH)) + item,
  );
}

/** The `ros2 bag info` text for a summary. Names from the bag are shown with control characters escaped. */
export function formatBagInfo(s: BagSummary): string {
  const topics = s.topics.filter((t) => !t.name.endsWith(SERVICE_EVENT_SUFFIX));
  const services = s.topics.filter((t) => t.name.endsWith(SERVICE_EVENT_SUFFIX));
  const empty = s.messageCount === 0;
  const p = printable;
  const lines = [
    "",
    ...list(
      "Files",
      s.files.map((f) => p(basename(f))),
    ),
    ...(s.compression ? [field("Compression", p(s.compression))] : []),
    field("Bag size", formatFileSize(s.sizeBytes)),
    field("Storage id", s.storage),
    field("ROS Distro", p(s.rosDistro) || "unknown"),
    field("Duration", `${formatSeconds(empty ? 0n : s.endTime - s.startTime)}s`),
    field("Start", empty ? "" : formatTime(s.startTime)),
    field("End", empty ? "" : formatTime(s.endTime)),
    field("Messages", String(s.messageCount)),
    ...list(
      "Topic information",
      topics.map(
        (t) =>
          `Topic: ${p(t.name)} | Type: ${p(t.type)} | Count: ${t.messageCount} | Serialization Format: ${p(t.serializationFormat)}`,
      ),
    ),
    field("Service", String(services.length)),
    ...list(
      "Service information",
      services.map(
        (t) =>
          `Service: ${p(t.name.slice(0, -SERVICE_EVENT_SUFFIX.length))} | Type: ${p(t.type.replace(/_Event$/, ""))} | Event Count: ${t.messageCount} | Serialization Format: ${p(t.serializationFormat)}`,
      ),
    ),
  ];
  if (s.warnings.length > 0) lines.push(...list("Warnings", s.warnings.map(p)));
  return lines.join("\n") + "\n";
}

function summaryJson(s: BagSummary, verification?: BagVerification): string {
  const doc = verification ? { ...s, verification } : s;
  return (
    JSON.stringify(
      doc,
      (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value),
      2,
    ) + "\n"
  );
}

/** The `--verify` section: per file what was checked and what is damaged, then the messages. */
export function formatVerification(v: BagVerification): string {
  const p = printable;
  const files = v.files.flatMap((f) => [
    `${p(basename(f.path))}: ${f.checked}: ${f.problems.length === 0 ? "OK" : `${f.problems.length} problem(s)`}`,
    ...f.problems.map((problem) => `  ${p(problem)}`),
  ]);
  const unreadable = Object.entries(v.unreadable).map(
    ([topic, n]) => `  ${p(topic)}: ${n} unreadable`,
  );
  const lines = [
    ...list("Verification", files),
    field(
      "Messages read",
      `${v.messagesRead} read and decoded${unreadable.length > 0 ? `, ${Object.values(v.unreadable).reduce((a, b) => a + b, 0)} unreadable` : ""}`,
    ),
    ...unreadable.map((l) => " ".repeat(LABEL_WIDTH) + l.trimStart()),
    ...v.readProblems.map((r) => " ".repeat(LABEL_WIDTH) + p(r)),
    field("Result", v.damaged ? "DAMAGED" : "intact"),
  ];
  return lines.join("\n") + "\n";
}

export async function run(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  const verify = argv.includes("--verify");
  const positional = argv.filter((a) => !a.startsWith("--"));
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const unknown = argv.filter((a) => a.startsWith("--") && a !== "--json" && a !== "--verify");
  if (positional.length !== 1 || unknown.length > 0) {
    process.stderr.write(USAGE + "\n");
    return 2;
  }
  try {
    const reader = await openBag(positional[0]!);
    let summary: BagSummary;
    try {
      summary = reader.summary;
    } finally {
      await reader.close();
    }
    const verification = verify ? await verifyBag(positional[0]!) : undefined;
    process.stdout.write(
      json
        ? summaryJson(summary, verification)
        : formatBagInfo(summary) + (verification ? formatVerification(verification) : ""),
    );
    return verification?.damaged ? 1 : 0;
  } catch (err) {
    const kind = err instanceof PerceptionError ? `${err.kind} error: ` : "";
    process.stderr.write(`edge-perception info: ${kind}${printable(errorMessage(err))}\n`);
    return 1;
  }
}
