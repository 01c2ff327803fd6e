/**
 * The plot data a report embeds (a JSON block `<script type="application/json"
 * id="dmaload-data">`), declared once for both sides: the server writes it (html/run.ts,
 * html/compare.ts, html/sweep-plots.ts) and the browser script reads it (html/client.ts). Types
 * and constants only: no Node, no DOM.
 */

/** Element id of the embedded JSON data block. */
export const REPORT_DATA_ID = 'dmaload-data';

/** One curve: points are [x, y]; x strictly increasing. */
export interface PlotSeries {
  name: string;
  color: string;
  width: number;
  dash: boolean;
  /** Percentile plots: the histogram's total count. */
  count?: number;
  points: [number, number | null][];
  /**
   * Sweep plots: per point (same order), the [min, max] over the repetitions, drawn as an error
   * bar; null where there is no spread to show (no point, or a merged figure such as a latency
   * percentile).
   */
  spread?: ([number, number] | null)[];
}

/** The x axis of a sweep plot: a swept parameter, its values at their positions. */
export interface SweepAxis {
  /** The parameter's profile key (as `--set` names it). */
  label: string;
  /** 'numeric': a value's position is the number it is; 'categorical': its index among the values. */
  scale: 'numeric' | 'categorical';
  /** Numeric values spanning more than a decade (all > 0) go on a log10 axis. */
  log: boolean;
  /** Every value of the parameter, as written, at its x position; the axis ticks. */
  ticks: { x: number; label: string }[];
}

export interface PlotSpec {
  /** The id of the plot's container element. */
  id: string;
  /**
   * 'percentile': x = 1/(1−p) on a log10 axis, y = latency; 'time': x = seconds since the start;
   * 'sweep': x = a swept parameter's value (`x`), y = a metric.
   */
  kind: 'percentile' | 'time' | 'sweep';
  title: string;
  /** Unit of the y values: ns (latency or time), per second, bytes per second, a plain count. */
  yUnit: 'ns' | 'perSec' | 'bytesPerSec' | 'count';
  /** The y axis label when it is not the unit's own ('latency', 'descriptors/s', …). */
  yLabel?: string;
  /** Sweep plots: the x axis. */
  x?: SweepAxis;
  /** The device the plot belongs to (per-device percentile plots); null otherwise. */
  device: string | null;
  series: PlotSeries[];
}

export interface ReportData {
  kind: 'run' | 'compare' | 'sweep';
  profile: string;
  plots: PlotSpec[];
}
