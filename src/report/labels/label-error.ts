/** The error of a malformed label file: an `eval` PerceptionError naming the file and line. */
import { PerceptionError } from "../../core/errors.js";

export function labelError(
  file: string,
  line: number | undefined,
  message: string,
): PerceptionError {
  return new PerceptionError("eval", `${file}${line !== undefined ? `:${line}` : ""}: ${message}`, {
    path: file,
    line,
  });
}

/** The 1-based line of a character offset in a text. */
export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** JSON.parse with the error naming the file and the line of the syntax error. */
export function parseJsonText(text: string, file: string, baseLine = 1): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const pos = /position (\d+)/.exec(String((err as Error).message));
    const line = pos ? baseLine - 1 + lineOfOffset(text, Number(pos[1])) : baseLine;
    throw labelError(file, line, `not valid JSON (${(err as Error).message})`);
  }
}

/** The image key labels and detections are joined on: the file name without folders and extension. */
export function imageKey(path: string): string {
  const name = path.split(/[\\/]/).pop() ?? path;
  return name.replace(/\.lines\.txt$/i, "").replace(/\.[^.]+$/, "");
}
