/**
 * Solid vs dashed from the gaps along a lane instance in BEV: a dashed line leaves paint-free
 * stretches of 1.5-12 m between dashes; a solid line is painted all along where it is seen.
 *
 * The painted rows come from the source image (`paintProfile`) when it is given and measurable:
 * lane-line models trained on polyline labels (TwinLiteNet, BDD100K) fill the gaps between dashes
 * in their mask, so the mask's rows alone make dashed lines look solid. Without image evidence the
 * style is a guess from the mask and its confidence stays at 0.5 (below what fusion uses as
 * evidence against the map).
 */
import { LaneMarking } from "../../msgs/types.generated.js";
import { rowX, type BevGridSpec } from "../bev/bev-grid.js";
import type { LaneInstance } from "./lane-instances.js";
import type { PaintProfile } from "./paint-profile.js";

/** A line style with its probability. */
export interface LineStyle {
  type: number;
  confidence: number;
  /** Painted fraction of the instance's extent (within `maxRange`). */
  paintedFraction: number;
  /** Number of paint-free gaps bounded by paint on both sides. */
  gaps: number;
  /** True when the painted rows were checked in the image (else the mask's rows were used). */
  imageVerified: boolean;
}

/** Options of `classifyLineStyle`. */
export interface LineStyleOptions {
  /** Shortest gap counted (metres). */
  minGap: number;
  /** Only this near part is judged (metres; far rows are too coarse). */
  maxRange: number;
  /** Where the camera stops seeing lines reliably (metres): a lone short piece ending well before it is a dash. */
  reliableRange: number;
  /** Most confidence without image evidence (mask rows only). */
  maskOnlyConfidence: number;
}

/** Classifies an instance's style from its occupied rows. */
export function classifyLineStyle(
  instance: LaneInstance,
  spec: BevGridSpec,
  options: LineStyleOptions,
  profile?: PaintProfile,
): LineStyle {
  const minGap = options.minGap;
  const maxRange = options.maxRange;
  const reliable = options.reliableRange;
  const imageVerified = profile?.measurable ?? false;
  let rows: number[];
  if (profile && imageVerified) {
    rows = profile.rows.filter((r, i) => profile.painted[i] && rowX(spec, r) <= maxRange);
  } else {
    const occupiedRows = new Set<number>();
    for (const p of instance.parts) for (const r of p.rows) occupiedRows.add(r);
    rows = [...occupiedRows].filter((r) => rowX(spec, r) <= maxRange).sort((a, b) => a - b);
  }
  const cap = imageVerified ? 0.95 : options.maskOnlyConfidence;
  if (rows.length < 2)
    return {
      type: LaneMarking.TYPE_UNKNOWN,
      confidence: 0,
      paintedFraction: 0,
      gaps: 0,
      imageVerified,
    };
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const spanRows = last - first + 1;
  const span = spanRows * spec.dx;
  let gaps = 0;
  for (let k = 1; k < rows.length; k++) {
    const missing = (rows[k]! - rows[k - 1]! - 1) * spec.dx;
    if (missing >= minGap) gaps++;
  }
  const painted = rows.length / spanRows;
  if (gaps === 0) {
    // One unbroken piece: short and ending where the line would still be visible -> one dash.
    if (span < 5 && rowX(spec, last) < reliable) {
      return {
        type: LaneMarking.TYPE_DASHED,
        confidence: Math.min(cap, 0.5),
        paintedFraction: painted,
        gaps,
        imageVerified,
      };
    }
    if (span < 6)
      return {
        type: LaneMarking.TYPE_UNKNOWN,
        confidence: 0,
        paintedFraction: painted,
        gaps,
        imageVerified,
      };
    return {
      type: LaneMarking.TYPE_SOLID,
      confidence: Math.min(cap, 0.5 + span / 50),
      paintedFraction: painted,
      gaps,
      imageVerified,
    };
  }
  if (painted > 0.85 && gaps === 1) {
    // One gap in an otherwise painted line: occlusion is as likely as a dash pattern.
    return {
      type: LaneMarking.TYPE_SOLID,
      confidence: Math.min(cap, 0.5),
      paintedFraction: painted,
      gaps,
      imageVerified,
    };
  }
  return {
    type: LaneMarking.TYPE_DASHED,
    confidence: Math.min(cap, 0.55 + 0.15 * gaps + 0.3 * (1 - painted)),
    paintedFraction: painted,
    gaps,
    imageVerified,
  };
}
