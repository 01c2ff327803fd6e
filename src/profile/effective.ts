/**
 * The effective profile as profile text: a loaded `Profile` (every default filled in) mapped back
 * to the keys a profile file uses, so it loads again to the same `Profile` — what
 * `dmaload validate --print` writes and what a result's provenance carries. The few places the
 * typed form differs from the file's: a workload's `transferSizes` (file: `transferSizeBytes`),
 * a lifecycle event's `kind` (file: the event's own key), the platform's `costs` (file: beside
 * `preset`).
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
    })),
    lifecycle: p.lifecycle.map((e: LifecycleEvent) => (e.kind === 'exit' ? { atS: e.atS, exit: e.process } : { atS: e.atS, [e.kind]: e.device })),
    platform: { preset: p.platform.preset, ...p.platform.costs },
  };
}

/** A workload as the file writes it (`transferSizes` → `transferSizeBytes`). */
function workloadAsInput(w: Profile['devices'][number]['workload']): Record<string, unknown> {
  const { transferSizes, ...rest } = w;
  return { ...(JSON.parse(JSON.stringify(rest)) as Record<string, unknown>), transferSizeBytes: transferSizes };
}

/** The effective profile as YAML text. */
export function profileAsYaml(p: Profile): string {
  return stringify(profileAsInput(p));
}
