/**
 * Small SVG charts for the eval and compare reports (line charts for curves, grouped bars for
 * banded figures), rendered to PNG with sharp. Missing values (null) leave gaps.
 */
import sharp from "sharp";

/** One series of a chart. */
export interface ChartSeries {
  name: string;
  /** CSS colour. */
  color: string;
  /** Dashed line (line charts). */
  dashed?: boolean;
}

export interface LineChartInput {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Axis ranges; default the data's (y from 0). */
  xDomain?: [number, number];
  yDomain?: [number, number];
  series: (ChartSeries & { points: [number, number | null][] })[];
}

export interface BarChartInput {
  title: string;
  yLabel: string;
  categories: string[];
  series: (ChartSeries & { values: (number | null)[] })[];
}

const W = 640;
const PLOT_H = 296;
const M = { left: 64, right: 16, top: 40 };
/** Approximate advance of a 12 px sans-serif character. */
const CHAR_W = 7;

/** Legend entries laid out left to right, wrapped: x, row. */
function legendLayout(legend: readonly ChartSeries[]): { x: number; row: number }[] {
  let x = M.left + 10;
  let row = 0;
  return legend.map((s) => {
    const w = 20 + s.name.length * CHAR_W + 16;
    if (x + w > W - M.right && x > M.left + 10) {
      x = M.left + 10;
      row++;
    }
    const at = { x, row };
    x += w;
    return at;
  });
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function frame(
  title: string,
  xLabel: string,
  yLabel: string,
  yMax: number,
  body: string[],
  legend: ChartSeries[],
  xTicks: string[],
  tickSpace = 20,
): string {
  const ph = PLOT_H;
  const layout = legendLayout(legend);
  const rows = layout.length ? layout[layout.length - 1]!.row + 1 : 0;
  const legendTop = M.top + ph + tickSpace + (xLabel ? 22 : 4);
  const H = legendTop + rows * 18 + 8;
  const parts = ["", ""];
  parts.push(
    `<text x="${W / 2}" y="22" font-size="16" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
  );
  for (let k = 0; k <= 5; k++) {
    const y = M.top + ph - (k / 5) * ph;
    parts.push(`<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#ddd"/>`);
    parts.push(
      `<text x="${M.left - 6}" y="${y + 4}" font-size="11" text-anchor="end">${esc(String(Math.round((k / 5) * yMax * 1000) / 1000))}</text>`,
    );
  }
  parts.push(
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + ph}" stroke="black"/>`,
    `<line x1="${M.left}" y1="${M.top + ph}" x2="${W - M.right}" y2="${M.top + ph}" stroke="black"/>`,
  );
  parts.push(...xTicks);
  if (xLabel)
    parts.push(
      `<text x="${(M.left + W - M.right) / 2}" y="${M.top + ph + tickSpace + 14}" font-size="12" text-anchor="middle">${esc(xLabel)}</text>`,
    );
  parts.push(
    `<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" font-size="12" text-anchor="middle">${esc(yLabel)}</text>`,
  );
  parts.push(...body);
  legend.forEach((s, i) => {
    const { x, row } = layout[i]!;
    const y = legendTop + row * 18;
    const swatch = s.dashed
      ? `<line x1="${x}" y1="${y + 5}" x2="${x + 14}" y2="${y + 5}" stroke="${s.color}" stroke-width="2.5" stroke-dasharray="4 2"/>`
      : `<rect x="${x}" y="${y}" width="14" height="10" fill="${s.color}"/>`;
    parts.push(swatch, `<text x="${x + 20}" y="${y + 9}" font-size="12">${esc(s.name)}</text>`);
  });
  parts.push("</svg>");
  parts[0] = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, Arial, sans-serif">`;
  parts[1] = `<rect width="${W}" height="${H}" fill="white"/>`;
  return parts.join("");
}

export function lineChartSvg(c: LineChartInput): string {
  const pts = c.series.flatMap((s) => s.points.filter((p): p is [number, number] => p[1] !== null));
  const [x0, x1] = c.xDomain ?? [
    Math.min(0, ...pts.map((p) => p[0])),
    Math.max(1, ...pts.map((p) => p[0])),
  ];
  const yMax = c.yDomain?.[1] ?? niceMax(Math.max(0, ...pts.map((p) => p[1])));
  const pw = W - M.left - M.right;
  const ph = PLOT_H;
  const sx = (x: number): number => M.left + ((x - x0) / (x1 - x0 || 1)) * pw;
  const sy = (y: number): number => M.top + ph - (Math.min(y, yMax) / yMax) * ph;
  const body: string[] = [];
  for (const s of c.series) {
    let run: string[] = [];
    const flush = (): void => {
      if (run.length > 1)
        body.push(
          `<polyline points="${run.join(" ")}" fill="none" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
        );
      run = [];
    };
    for (const [x, y] of s.points) {
      if (y === null) {
        flush();
        continue;
      }
      run.push(`${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
      body.push(
        `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3.5" fill="${s.color}"/>`,
      );
    }
    flush();
  }
  const ticks: string[] = [];
  for (let k = 0; k <= 5; k++) {
    const x = x0 + ((x1 - x0) * k) / 5;
    ticks.push(
      `<text x="${sx(x)}" y="${M.top + ph + 16}" font-size="11" text-anchor="middle">${Math.round(x * 100) / 100}</text>`,
    );
  }
  return frame(c.title, c.xLabel, c.yLabel, yMax, body, c.series, ticks);
}

export function barChartSvg(c: BarChartInput): string {
  const vals = c.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const yMax = niceMax(Math.max(0, ...vals));
  const pw = W - M.left - M.right;
  const ph = PLOT_H;
  const groupW = pw / Math.max(1, c.categories.length);
  const barW = (groupW * 0.8) / Math.max(1, c.series.length);
  const body: string[] = [];
  const ticks: string[] = [];
  // Long category names are written slanted so they do not run into each other.
  const longest = Math.max(0, ...c.categories.map((cat) => cat.length));
  const rotate = longest * 6.5 > groupW;
  c.categories.forEach((cat, i) => {
    const tx = M.left + groupW * (i + 0.5);
    ticks.push(
      rotate
        ? `<text transform="translate(${tx} ${M.top + ph + 12}) rotate(-35)" font-size="11" text-anchor="end">${esc(cat)}</text>`
        : `<text x="${tx}" y="${M.top + ph + 16}" font-size="11" text-anchor="middle">${esc(cat)}</text>`,
    );
    c.series.forEach((s, k) => {
      const v = s.values[i];
      const x = M.left + groupW * i + groupW * 0.1 + barW * k;
      if (v === null || v === undefined) {
        body.push(
          `<text x="${x + barW / 2}" y="${M.top + ph - 4}" font-size="10" text-anchor="middle" fill="#888">n/a</text>`,
        );
        return;
      }
      const h = (Math.min(v, yMax) / yMax) * ph;
      body.push(
        `<rect x="${x.toFixed(1)}" y="${(M.top + ph - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"/>`,
      );
    });
  });
  return frame(
    c.title,
    "",
    c.yLabel,
    yMax,
    body,
    c.series,
    ticks,
    rotate ? Math.ceil(longest * 6.5 * 0.58) + 16 : 20,
  );
}

/** Renders an SVG to PNG bytes. */
export async function svgToPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).png().toBuffer();
}
