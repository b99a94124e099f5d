/**
 * Candidate tables: a detector output holds N candidates of F features each, stored either as rows
 * (`[N, F]`, `[1, N, F]`: YOLOX, YOLOv5, NanoDet, SSD) or as columns (`[F, N]`, `[1, F, N]`:
 * YOLOv8/YOLO11). The layout is read from the tensor's own dims, so rank-2 and rank-3 exports of the
 * same head decode alike.
 */
import { PerceptionError } from "../../core/errors.js";
import type { Detection } from "../detection.js";

export interface CandidateTable {
  /** Candidates N. */
  count: number;
  /** Features per candidate F. */
  features: number;
  /** Value of feature f of candidate i. */
  at(i: number, f: number): number;
}

/** Dims with leading batch dimensions of 1 removed (a rank-3 `[1, a, b]` becomes `[a, b]`). */
export function withoutBatch(dims: readonly number[]): readonly number[] {
  let k = 0;
  while (dims.length - k > 2 && dims[k] === 1) k++;
  return dims.slice(k);
}

/**
 * Whether dims (metadata: -1 for dynamic) can hold candidates of `features` values, and how:
 * "rows" when the last dim is F, "columns" when the one before is; `prefer` breaks a tie (N = F).
 */
export function candidateOrientation(
  dims: readonly number[],
  features: number,
  prefer: "rows" | "columns",
): "rows" | "columns" | undefined {
  const d = withoutBatch(dims);
  if (d.length !== 2) return undefined;
  const fits = (v: number): boolean => v < 0 || v === features;
  const rows = fits(d[1]!);
  const columns = fits(d[0]!);
  if (rows && columns)
    return d[0] === features && d[1] !== features
      ? "columns"
      : d[1] === features && d[0] !== features
        ? "rows"
        : prefer;
  return rows ? "rows" : columns ? "columns" : undefined;
}

/** A table over a tensor's data; throws naming the output when its dims cannot hold `features`-value candidates. */
export function candidateTable(
  name: string,
  data: Float32Array,
  dims: readonly number[],
  features: number,
  prefer: "rows" | "columns",
): CandidateTable {
  const orientation = candidateOrientation(dims, features, prefer);
  const d = withoutBatch(dims);
  if (!orientation || d[0]! * d[1]! !== data.length) {
    throw new PerceptionError(
      "model",
      `output '${name}' has shape [${dims.join(",")}], expected [N,${features}] or [${features},N] (optionally with a batch of 1)`,
    );
  }
  if (orientation === "rows") {
    const n = d[0]!;
    return { count: n, features, at: (i, f) => data[i * features + f]! };
  }
  const n = d[1]!;
  return { count: n, features, at: (i, f) => data[f * n + i]! };
}

/** The best class of candidate i over features [first, first + classes): its index and score. */
export function bestClass(
  t: CandidateTable,
  i: number,
  first: number,
  classes: number,
): { classId: number; score: number } {
  let best = -1;
  let bestScore = -Infinity;
  for (let c = 0; c < classes; c++) {
    const s = t.at(i, first + c);
    if (s > bestScore) {
      bestScore = s;
      best = c;
    }
  }
  return { classId: best, score: bestScore };
}

/** Candidate i's box, stored as centre x, centre y, width, height in features 0–3, as a corner-convention detection. */
export function centreSizeDetection(
  t: CandidateTable,
  i: number,
  score: number,
  classId: number,
): Detection {
  const cx = t.at(i, 0);
  const cy = t.at(i, 1);
  const w = t.at(i, 2);
  const h = t.at(i, 3);
  return { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score, classId };
}
