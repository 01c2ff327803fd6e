/**
 * The plot data a report embeds (a JSON block `<script type="application/json"
 * id="dmaload-data">`), declared once for both sides: the server writes it (html/run.ts,
 * html/compare.ts) and the browser script reads it (html/client.ts). Types and one constant only:
 * no Node, no DOM.
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
}

export interface PlotSpec {
  /** The id of the plot's container element. */
  id: string;
  /**
   * 'percentile': x = 1/(1−p) on a log10 axis, y = latency; 'time': x = seconds since the start.
   */
  kind: 'percentile' | 'time';
  title: string;
  /** Unit of the y values: ns (latency), per second, bytes per second. */
  yUnit: 'ns' | 'perSec' | 'bytesPerSec';
  /** The device the plot belongs to (per-device percentile plots); null otherwise. */
  device: string | null;
  series: PlotSeries[];
}

export interface ReportData {
  kind: 'run' | 'compare';
  profile: string;
  plots: PlotSpec[];
}
