/**
 * What the cross-reference checks share (cross-checks.ts, device-checks.ts): the profile as far
 * as it parsed (`Parts`, element by element), the names devices may refer to, the problem sink,
 * and small helpers for messages and raw YAML values.
 */

import { formatBytes, parseSizeBytes } from '../common/units.js';
import { formatPath, isRecord, type Seg } from './problems.js';
import type { DeviceConfig, IommuConfig, LifecycleEvent, ProcessConfig, SystemConfig, VmConfig } from './types.js';

/** A size for messages; exact bytes are added when the rounded form would not be exact. */
export function bytes(n: number): string {
  const f = formatBytes(n);
  return parseSizeBytes(f.replace(' ', '')) === n ? f : `${f} (${n} bytes)`;
}

export function field(v: unknown, key: string): unknown {
  return isRecord(v) ? v[key] : undefined;
}

/** One list element: its raw YAML value, and its parsed form if it passed the schema on its own. */
export interface Part<T> {
  raw: unknown;
  value: T | undefined;
}

/** The profile as far as it parsed. A list is undefined when it is not a list at all. */
export interface Parts {
  /** 'invalid' when present but rejected by the schema (so "missing" checks stay quiet). */
  durationS: number | undefined | 'invalid';
  system: SystemConfig | undefined;
  rawSystem: unknown;
  iommus: Part<IommuConfig>[] | undefined;
  processes: Part<ProcessConfig>[] | undefined;
  devices: Part<DeviceConfig>[] | undefined;
  /** Undefined when there is no churn mapping. */
  churn: ChurnPart | undefined;
  /** Undefined when `lifecycle` is not a list. */
  lifecycle: Part<LifecycleEvent>[] | undefined;
  rawTiming: unknown;
  /** Undefined when `vms` is not a list. */
  vms: Part<VmConfig>[] | undefined;
  rawPlatform: unknown;
}

/** A field that parsed on its own (`ok`), or one the schema rejected (reported there). */
export type FieldOf<T> = { ok: true; value: T } | { ok: false };

/** The churn mapping field by field, so its cross-checks run on whatever parsed. */
export interface ChurnPart {
  raw: Record<string, unknown>;
  process: FieldOf<string>;
  region: FieldOf<string>;
  ratePerSec: FieldOf<number | undefined>;
  count: FieldOf<number | undefined>;
  rangeBytes: FieldOf<number>;
  aligned: FieldOf<boolean>;
  stage: FieldOf<1 | 2>;
  ops: FieldOf<Record<string, number>>;
}

export type Add = (at: Seg[], message: string) => void;

/**
 * Report duplicates of `key` among raw list elements; returns the distinct string values in
 * order (also from elements that failed the schema, so they still count as defined).
 */
export function uniqueNames(items: readonly unknown[], listAt: Seg[], key: string, what: string, add: Add): string[] {
  const firstIndex = new Map<string, number>();
  items.forEach((item, i) => {
    const v = field(item, key);
    if (typeof v !== 'string') return;
    const first = firstIndex.get(v);
    if (first === undefined) {
      firstIndex.set(v, i);
    } else {
      const owner = formatPath([...listAt, first]);
      add([...listAt, i, key], `"${v}" is already the ${key} of ${owner}; expected a unique ${what}`);
    }
  });
  return [...firstIndex.keys()];
}

export function rawNames(items: unknown): string[] {
  if (!Array.isArray(items)) return [];
  return items.map((r) => field(r, 'name')).filter((n): n is string => typeof n === 'string');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** " (the default)" when `key` is absent from the raw mapping, so the user knows where a value came from. */
export function defaultNote(rawParent: unknown, key: string): string {
  return field(rawParent, key) === undefined ? ' (the default)' : '';
}

/** Page-table allowance per process and per dma/identity domain in the memory estimate. */
export const PAGE_TABLE_BYTES = 1024 ** 2;

/** What devices may refer to: names defined anywhere in the profile (undefined: that list is not a list). */
export interface Names {
  iommuIds: string[] | undefined;
  processNames: string[] | undefined;
  /** First process of each name. */
  processByName: Map<string, Part<ProcessConfig>>;
}
