/** Human formatting for terminal output. Results themselves stay in base units (ns, bytes). */

export function formatNs(ns: number): string {
  if (ns < 1_000) return `${Math.round(ns)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toPrecision(3)} µs`;
  if (ns < 1_000_000_000) return `${(ns / 1_000_000).toPrecision(3)} ms`;
  return `${(ns / 1_000_000_000).toPrecision(3)} s`;
}

export function formatRate(perSec: number): string {
  if (perSec >= 1e9) return `${(perSec / 1e9).toPrecision(3)} G`;
  if (perSec >= 1e6) return `${(perSec / 1e6).toPrecision(3)} M`;
  if (perSec >= 1e3) return `${(perSec / 1e3).toPrecision(3)} k`;
  return perSec.toPrecision(3);
}

export function formatGBps(bytesPerSec: number): string {
  return `${(bytesPerSec / 1e9).toFixed(2)}`;
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}
