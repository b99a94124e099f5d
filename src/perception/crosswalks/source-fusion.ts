/**
 * Fusion of crosswalk sources with calibrated confidence. Each source gives calibrated
 * probabilities (see `crosswalk-source.ts`); the fusion treats the sources as independent given
 * the truth and adds their log-odds (naive Bayes), each weighted, plus a bias:
 *
 *   logit(P) = bias + sum_i weight_i * logit(q_i)
 *
 * For a located crosswalk, q_i is the confidence of source i's candidate that overlaps it (bounding
 * boxes in base_link, intersection over the smaller box >= `minOverlap`); a source with no candidate
 * there contributes its frame probability, capped at 0.5 (it saw no crossing here: evidence against
 * when it is sure the frame is empty, neutral otherwise). With one source, weight 1 and bias 0, the
 * fused confidence is the source's own. Sources that declared the frame `invalid` are left out.
 * Weights and bias are meant to be fitted (logistic regression of the truth on the sources'
 * logits over labelled frames); the defaults trust every source as calibrated.
 *
 * Rule `max`: the fused confidence is the highest of the located crosswalk's candidates' own
 * (calibrated) confidences, and a source that did not locate it has no say; the outline is that of
 * the first source, in the order the reports are given, that located it. For sources that are
 * not independent, e.g. the learned source whose proposals are verified by stripe evidence
 * (`verified-learned-source.ts`): naive Bayes would count the shared stripe evidence twice, and the
 * stripe source's miss rate would veto each proposal it confirmed by other means.
 */
import type { CrosswalkCandidate, CrosswalkSourceReport } from "./crosswalk-source.js";

/** Options of `fuseCrosswalkSources`. */
export interface SourceFusionOptions {
  /** Log-odds added to every fused crosswalk; default 0. */
  bias?: number;
  /** Weight per source name; default 1 for every source. */
  weights?: Readonly<Record<string, number>>;
  /** Two candidates are the same crosswalk when their boxes' intersection covers this share of the smaller box; default 0.3. */
  minOverlap?: number;
  /** How the sources' confidences combine: weighted log-odds (default) or the highest confidence (see above). */
  rule?: "log-odds" | "max";
}

/** One source's report, with its name. */
export interface NamedReport {
  name: string;
  report: CrosswalkSourceReport;
}

/** A fused crosswalk: the outline of its most confident candidate, the fused confidence. */
export interface FusedCrosswalk {
  candidate: CrosswalkCandidate;
  /** Fused calibrated confidence. */
  confidence: number;
  /** Names of the sources that located it. */
  sources: string[];
}

const EPS = 0.01;
const logit = (p: number) => {
  const q = Math.min(1 - EPS, Math.max(EPS, Number.isFinite(p) ? p : 0));
  return Math.log(q / (1 - q));
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Intersection of two candidates' base_link boxes over the smaller box's area. */
export function boxOverlap(a: CrosswalkCandidate, b: CrosswalkCandidate): number {
  const ix = Math.min(a.xFar, b.xFar) - Math.max(a.xNear, b.xNear);
  const iy = Math.min(a.yLeft, b.yLeft) - Math.max(a.yRight, b.yRight);
  if (!(ix > 0 && iy > 0)) return 0;
  const area = (c: CrosswalkCandidate) => (c.xFar - c.xNear) * (c.yLeft - c.yRight);
  return (ix * iy) / Math.max(1e-9, Math.min(area(a), area(b)));
}

/** Fuses the valid reports; crosswalks sorted by confidence, most confident first. */
export function fuseCrosswalkSources(
  reports: readonly NamedReport[],
  options: SourceFusionOptions = {},
): FusedCrosswalk[] {
  const valid = reports.filter((r) => r.report.invalid === undefined);
  const minOverlap = options.minOverlap ?? 0.3;
  const weight = (name: string) => options.weights?.[name] ?? 1;
  // Groups of overlapping candidates, seeded by the most confident.
  const all = valid.flatMap((r) =>
    r.report.candidates.map((candidate) => ({ name: r.name, candidate })),
  );
  all.sort((a, b) => b.candidate.confidence - a.candidate.confidence);
  const groups: {
    seed: CrosswalkCandidate;
    best: Map<string, number>;
    outline: Map<string, CrosswalkCandidate>;
  }[] = [];
  for (const { name, candidate } of all) {
    const group = groups.find((g) => boxOverlap(g.seed, candidate) >= minOverlap);
    if (!group)
      groups.push({
        seed: candidate,
        best: new Map([[name, candidate.confidence]]),
        outline: new Map([[name, candidate]]),
      });
    else if (!group.best.has(name)) {
      group.best.set(name, candidate.confidence);
      group.outline.set(name, candidate);
    }
  }
  if (options.rule === "max") {
    // The outline of the first source (in the order given) that located it: list the source that
    // measures edges best first (the stripes; the network's blob bleeds onto stop lines).
    return groups.map((g) => {
      const first = valid.find((r) => g.outline.has(r.name))!;
      return {
        candidate: g.outline.get(first.name)!,
        confidence: Math.max(...g.best.values()),
        sources: [...g.best.keys()],
      };
    });
  }
  return groups.map((g) => {
    let z = options.bias ?? 0;
    for (const r of valid) {
      const q = g.best.get(r.name) ?? Math.min(0.5, r.report.probability);
      z += weight(r.name) * logit(q);
    }
    return { candidate: g.seed, confidence: sigmoid(z), sources: [...g.best.keys()] };
  });
}
