/**
 * Where a result comes from, so it stands on its own: the tool and its version, the command
 * line, the host (CPU model, cores, memory, Node, OS), when the run started, and the effective
 * profile — every default filled in, as the run used it. All of it but the profile is a
 * property of the invocation, not of the model: the determinism checks leave it out.
 */

import { readFileSync } from 'node:fs';
import { arch, cpus, hostname, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Profile } from '../profile/types.js';

export interface Provenance {
  tool: { name: string; version: string };
  /** The arguments after the program (`run profiles/x.yaml --json r.json`); null for a run started from code. */
  commandLine: string[] | null;
  host: { hostname: string; cpuModel: string; cores: number; memoryBytes: number; node: string; os: string };
  /** ISO 8601, UTC. */
  startedAt: string;
  /** The profile as run: defaults filled in, overrides (seed, duration, timing) not applied. */
  profile: Profile;
}

let toolVersion: string | undefined;

/** The package's version, from its package.json (found above this file, from src/ or dist/src/). */
export function dmaloadVersion(): string {
  if (toolVersion !== undefined) return toolVersion;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'dmaload' && pkg.version) return (toolVersion = pkg.version);
    } catch {
      // not here: one level up
    }
    dir = dirname(dir);
  }
  return (toolVersion = 'unknown');
}

export function provenanceOf(profile: Profile, commandLine: readonly string[] | undefined, startedAt: Date): Provenance {
  const cpu = cpus();
  return {
    tool: { name: 'dmaload', version: dmaloadVersion() },
    commandLine: commandLine ? [...commandLine] : null,
    host: {
      hostname: hostname(),
      cpuModel: cpu[0]?.model.trim() ?? 'unknown',
      cores: cpu.length,
      memoryBytes: totalmem(),
      node: process.version,
      os: `${platform()} ${release()} ${arch()}`,
    },
    startedAt: startedAt.toISOString(),
    profile,
  };
}
