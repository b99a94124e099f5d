import type { Crosswalk, LaneMarking, Pedestrian } from "../msgs/types.generated.js";

/** Counts rejected inputs by reason, in total and for the current frame. */
export class RejectionCounter {
  readonly #total = new Map<string, number>();
  #frame = new Map<string, number>();

  /** Counts one rejection. */
  count(reason: string): void {
    this.#total.set(reason, (this.#total.get(reason) ?? 0) + 1);
    this.#frame.set(reason, (this.#frame.get(reason) ?? 0) + 1);
  }

  /** Starts a new frame's tally. */
  beginFrame(): void {
    this.#frame = new Map();
  }

  /** This frame's rejections as "n reason" parts; empty when none. */
  frameSummary(): string {
    return [...this.#frame].map(([reason, n]) => `rejected ${n} ${reason}`).join("; ");
  }

  /** Every rejection since construction, by reason. */
  totals(): Record<string, number> {
    return Object.fromEntries(this.#total);
  }
}

function finiteArray(a: ArrayLike<number> | undefined, length: number): boolean {
  if (!a || a.length < length) return false;
  for (let i = 0; i < length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

/** Why a lane marking cannot be used (non-finite cubic or range); undefined when it is fine. */
export function markingProblem(m: LaneMarking): string | undefined {
  if (!finiteArray(m.poly_coefficients, 4)) return "lane marking(s): non-finite polynomial";
  if (!Number.isFinite(m.x_min) || !Number.isFinite(m.x_max) || !(m.x_max > m.x_min))
    return "lane marking(s): bad x range";
  return undefined;
}

/** Why a pedestrian detection cannot be used; undefined when it is fine. */
export function pedestrianProblem(p: Pedestrian): string | undefined {
  if (!Number.isFinite(p.position.x) || !Number.isFinite(p.position.y))
    return "pedestrian(s): non-finite position";
  if (
    !finiteArray(p.position_covariance, 4) ||
    p.position_covariance[0]! < 0 ||
    p.position_covariance[3]! < 0
  )
    return "pedestrian(s): bad position covariance";
  return undefined;
}

/** Why a detected crosswalk cannot be used; undefined when it is fine. */
export function crosswalkProblem(c: Crosswalk): string | undefined {
  if (c.polygon.points.length < 3) return "crosswalk(s): polygon with < 3 points";
  if (!c.polygon.points.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y)))
    return "crosswalk(s): non-finite polygon";
  return undefined;
}
