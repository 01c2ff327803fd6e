/**
 * Single overrides of a profile's keys from the command line (`run` / `compare` / `validate
 * --set key=value`): a dotted path into the profile as its file writes it — `durationS`,
 * `invalidation.strategy`, `devices[0].engines` (or `devices.0.engines`), `platform` — and a
 * value in YAML (`4`, `true`, `vtd-per-device`, `[1, 2]`, `{preset: guest, trapNs: 5000}`).
 * Applied to the file's data before validation, so the profile's own checks judge the result
 * and the effective profile (provenance, `validate --print`) carries it.
 *
 * A path that crosses a value that is not a mapping, or indexes past the end of a list, is
 * bad input, named with its --set; a new key is added (validation then says whether it exists).
 *
 * One path is not a key: `devices.count=N` makes the device list N copies of its first device,
 * the k-th named `<id>-k` (the first keeps its id) — the device-count axis of a sweep.
 */

import { parse as parseYaml } from 'yaml';

export interface Override {
  /** As given: `key=value`. */
  readonly text: string;
  readonly path: readonly (string | number)[];
  readonly value: unknown;
}

/** Why an override is malformed or does not apply (the CLI reports it with exit 2). */
export class OverrideError extends Error {
  override readonly name = 'OverrideError';
}

const SEGMENT = /^([A-Za-z_][\w-]*)((?:\[\d+\])*)$/;

/** `key=value` → its path and value; throws OverrideError when it is malformed. */
export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new OverrideError(`--set ${text}: expected key=value, e.g. devices[0].engines=4`);
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1);
  const path: (string | number)[] = [];
  for (const part of key.split('.')) {
    if (/^\d+$/.test(part)) {
      path.push(Number(part));
      continue;
    }
    const m = SEGMENT.exec(part);
    if (!m) throw new OverrideError(`--set ${text}: "${part}" is not a key; expected keys and list indices like devices[0].workload.queueDepth`);
    path.push(m[1]!);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) path.push(Number(idx[1]));
  }
  let value: unknown;
  try {
    value = parseYaml(raw);
  } catch (e) {
    throw new OverrideError(`--set ${text}: the value is not YAML (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
  return { text, path, value: value === null && raw.trim() === '' ? '' : value };
}

/** The profile data with every override applied, in order (a copy; `data` is not changed). */
export function applyOverrides(data: unknown, overrides: readonly Override[]): unknown {
  if (overrides.length === 0) return data;
  const root = structuredClone(data) as unknown;
  for (const o of overrides) {
    if (o.path.length === 2 && o.path[0] === 'devices' && o.path[1] === 'count') {
      replicateDevices(root, o);
      continue;
    }
    let at: unknown = root;
    for (let i = 0; i < o.path.length; i++) {
      const seg = o.path[i]!;
      const last = i === o.path.length - 1;
      const where = o.path.slice(0, i).map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('').replace(/^\./, '') || 'the profile';
      if (typeof seg === 'number') {
        if (!Array.isArray(at)) throw new OverrideError(`--set ${o.text}: ${where} is not a list`);
        if (seg >= at.length) throw new OverrideError(`--set ${o.text}: ${where} has ${at.length} entr${at.length === 1 ? 'y' : 'ies'}; expected an index below ${at.length}`);
        if (last) at[seg] = o.value;
        else at = at[seg];
      } else {
        if (at === null || typeof at !== 'object' || Array.isArray(at)) throw new OverrideError(`--set ${o.text}: ${where} is not a mapping`);
        const m = at as Record<string, unknown>;
        if (last) m[seg] = o.value;
        else {
          if (m[seg] === undefined) m[seg] = typeof o.path[i + 1] === 'number' ? [] : {};
          at = m[seg];
        }
      }
    }
  }
  return root;
}

/** Largest `devices.count`: one worker thread per device, so a few hundred at most in practice. */
export const MAX_DEVICE_COUNT = 1024;

/** `devices.count=N`: N copies of the first device, the k-th (k ≥ 1) with id `<id>-k`. */
function replicateDevices(root: unknown, o: Override): void {
  const n = o.value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_DEVICE_COUNT) {
    throw new OverrideError(`--set ${o.text}: expected a device count, an integer from 1 to ${MAX_DEVICE_COUNT}`);
  }
  const devices = root !== null && typeof root === 'object' && !Array.isArray(root) ? (root as Record<string, unknown>)['devices'] : undefined;
  if (!Array.isArray(devices) || devices.length === 0) throw new OverrideError(`--set ${o.text}: the profile has no devices to copy`);
  const first = devices[0] as unknown;
  const id = first !== null && typeof first === 'object' ? (first as Record<string, unknown>)['id'] : undefined;
  (root as Record<string, unknown>)['devices'] = Array.from({ length: n }, (_, k) => {
    const copy = structuredClone(first) as Record<string, unknown>;
    if (k > 0 && typeof id === 'string') copy['id'] = `${id}-${k}`;
    return copy;
  });
}
