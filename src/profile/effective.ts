/**
 * The effective profile as profile text: a loaded `Profile` (every default filled in) mapped back
 * to the keys a profile file uses, so it loads again to the same `Profile` — what
 * `dmaload validate --print` writes and what a result's provenance carries. The few places the
 * typed form differs from the file's: a workload's `transferSizes` (file: `transferSizeBytes`),
 * a lifecycle event's `kind` (file: the event's own key), the platform's `costs` (file: beside
 * `preset`), a workload's `crc64` (file: a preset's name, or the polynomial in hex).
 */

import { stringify } from 'yaml';
import type { LifecycleEvent, Profile } from './types.js';

/** JSON data that `parseProfile` reads back into `p`. */
export function profileAsInput(p: Profile): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(p)) as Record<string, unknown>;
  return {
    ...plain,
    devices: p.devices.map((d) => ({
      ...(JSON.parse(JSON.stringify(d)) as object),
      workload: workloadAsInput(d.workload),
      kernelClients: d.kernelClients.map((c) => ({ ...(JSON.parse(JSON.stringify(c)) as object), workload: workloadAsInput(c.workload) })),
      submitters: d.submitters.map((s) => ({ process: s.process, workload: workloadAsInput(s.workload) })),
    })),
    lifecycle: p.lifecycle.map((e: LifecycleEvent) => (e.kind === 'exit' ? { atS: e.atS, exit: e.process } : { atS: e.atS, [e.kind]: e.device })),
    platform: { preset: p.platform.preset, ...p.platform.costs },
  };
}

/** A workload as the file writes it (`transferSizes` → `transferSizeBytes`). */
function workloadAsInput(w: Profile['devices'][number]['workload']): Record<string, unknown> {
  const { transferSizes, crc64, ...rest } = w;
  const hex = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
  const crc = crc64.name.startsWith('0x') ? { polynomial: `0x${hex(crc64.polyHi)}${hex(crc64.polyLo)}`, reflected: crc64.reflected, invert: crc64.invert } : crc64.name;
  return { ...(JSON.parse(JSON.stringify(rest)) as Record<string, unknown>), transferSizeBytes: transferSizes, crc64: crc };
}

/** The effective profile as YAML text. */
export function profileAsYaml(p: Profile): string {
  return stringify(profileAsInput(p));
}
