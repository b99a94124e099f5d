/**
 * Text from files (topic names, types, frame ids in a bag) shown on a terminal: control characters
 * are escaped so an ANSI sequence cannot reach the terminal and a newline cannot break a table.
 */

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\" };

/**
 * C0 controls, DEL, C1 controls, the line/paragraph separators and the bidirectional overrides
 * (which reorder what a terminal shows), plus the backslash that escapes them.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\\]/g;

/** `s` with every control character written as an escape (`\n`, `\x1b`, `\u202e`); printable text unchanged. */
export function printable(s: string): string {
  return s.replace(UNPRINTABLE, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
