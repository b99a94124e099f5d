/**
 * Crosswalk presence lists: text lines `<image> yes|no` (also 1/0, true/false, present/absent),
 * or JSON `{ "frames": [{ "file": "...", "present": true }, ...] }` (test/fixtures/crosswalk-labels.json).
 */
import { readFileSync } from "node:fs";
import { imageKey, labelError, lineOfOffset } from "./label-error.js";
import type { LabelSet } from "./still-labels.js";

const YES: ReadonlySet<string> = new Set(["yes", "1", "true", "present", "y"]);
const NO: ReadonlySet<string> = new Set(["no", "0", "false", "absent", "n"]);

export function isPresenceJson(v: unknown): boolean {
  return !!v && typeof v === "object" && Array.isArray((v as { frames?: unknown }).frames);
}

export function readPresenceJson(file: string, text: string, doc: { frames: unknown[] }): LabelSet {
  const out: LabelSet = new Map();
  let at = 0;
  doc.frames.forEach((f, i) => {
    at = text.indexOf('"file"', at + 1);
    const line = at >= 0 ? lineOfOffset(text, at) : undefined;
    const e = f as { file?: unknown; present?: unknown };
    if (typeof e?.file !== "string" || typeof e.present !== "boolean")
      throw labelError(file, line, `frames[${i}] needs 'file' (string) and 'present' (boolean)`);
    out.set(imageKey(e.file), { crosswalk: e.present });
  });
  return out;
}

export function readPresenceText(file: string): LabelSet {
  const out: LabelSet = new Map();
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((text, i) => {
      const t = text.trim();
      if (t === "" || t.startsWith("#")) return;
      const m = /^(.*\S)\s+(\S+)$/.exec(t);
      const v = m?.[2]?.toLowerCase();
      if (!m || v === undefined || (!YES.has(v) && !NO.has(v)))
        throw labelError(file, i + 1, "a presence line is '<image> yes|no'");
      out.set(imageKey(m[1]!), { crosswalk: YES.has(v) });
    });
  return out;
}
