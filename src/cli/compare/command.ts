/**
 * `dmaload compare <profile>`: its options, parsed and typed — `--strategies` is one
 * comma-separated string, read into a list whose every name must be one of STRATEGIES
 * (profile/types.ts), two or more and distinct; `--kernel-modes` likewise for kernel clients' modes, `--guest` for the guest variants; the handler (./handler.ts) is loaded only when
 * the command runs.
 */

import { KERNEL_DMA_MODES } from '../../profile/schema.js';
import { canonicalStrategy, GUEST_VARIANTS, type GuestVariant, type KernelDmaMode, STRATEGIES, STRATEGY_ALIASES, type Strategy } from '../../profile/types.js';
import { commandModule, durationOption, fileOption, quietOption, seedOption, setOption, single, timingOption, UsageError } from '../options.js';

/** `a,b` → [a, b], each a known strategy (or an alias: its canonical name), at least two, no repeats. */
export function parseStrategies(raw: string): Strategy[] {
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(canonicalStrategy);
  const known = (s: Strategy | undefined): s is Strategy => s !== undefined;
  if (!names.every(known) || names.length < 2 || new Set(names).size !== names.length) {
    const aliases = Object.entries(STRATEGY_ALIASES).map(([a, c]) => `${a} = ${c}`).join(', ');
    throw new UsageError(`--strategies: expected two or more distinct of ${STRATEGIES.join(', ')} (aliases: ${aliases}), comma-separated, got "${raw}"`);
  }
  return names;
}

/** `a,b` → [a, b] for `--option`: each one of `allowed`, at least two, no repeats. */
function parseDistinct<T extends string>(option: string, raw: string, allowed: readonly T[]): T[] {
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const known = (s: string): s is T => (allowed as readonly string[]).includes(s);
  if (!names.every(known) || names.length < 2 || new Set(names).size !== names.length) {
    throw new UsageError(`--${option}: expected two or more distinct of ${allowed.join(', ')}, comma-separated, got "${raw}"`);
  }
  return names;
}

/** `a,b` → [a, b], each a kernel client mode, at least two, no repeats. */
export function parseKernelModes(raw: string): KernelDmaMode[] {
  return parseDistinct('kernel-modes', raw, KERNEL_DMA_MODES);
}

/** `a,b` → [a, b], each a guest variant, at least two, no repeats. */
export function parseGuestVariants(raw: string): GuestVariant[] {
  return parseDistinct('guest', raw, GUEST_VARIANTS);
}

export const command = commandModule(
  'compare <inputs..>',
  'run a profile under each invalidation strategy (same seed and churn schedule) and compare — or compare saved run results (two or more JSON files)',
  (y) =>
    y
      .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'a YAML profile (with churn), or two or more saved run results (run --json)' })
      .option('strategies', {
        type: 'string',
        // Each name of the list is checked by parseStrategies (the names are in --help's text).
        coerce: single('strategies', parseStrategies),
        describe: `comma-separated strategies, any of ${STRATEGIES.join(', ')}; the first is the baseline of the ratios (default: vtd-per-device,vtd-cache-tags-grouped, or smmuv3,smmuv3-ril for SMMUv3 IOMMUs)`,
      })
      .option('kernel-modes', {
        alias: 'modes',
        type: 'string',
        coerce: single('kernel-modes', parseKernelModes),
        describe: `comma-separated kernel client modes, any of ${KERNEL_DMA_MODES.join(', ')}: run the profile once per mode, every kernel client (attach type kernel) set to it; the first is the baseline. Instead of --strategies`,
      })
      .option('guest', {
        type: 'string',
        coerce: single('guest', parseGuestVariants),
        describe: `comma-separated, any of ${GUEST_VARIANTS.join(', ')}: run a profile with VMs once per variant — bare-metal (the same processes and devices on the host), or every VM's guest invalidations trapped or direct; the first is the baseline. Instead of --strategies`,
      })
      .option('set', setOption())
      .option('timing', timingOption("modelled: figures on the model's virtual clock; host: on this machine's wall clock (overrides the profile)"))
      .option('seed', seedOption('seed (overrides the profile)'))
      .option('duration', durationOption('run length of each run in seconds (overrides the profile)'))
      .option('json', fileOption('json', "write the comparison (and each run's result) to FILE"))
      .option('html', fileOption('html', 'write a self-contained side-by-side HTML report to FILE'))
      .option('quiet', quietOption('print nothing but errors')),
  async (a) => {
    const { compareCommand } = await import('./handler.js');
    await compareCommand({
      inputs: (a.inputs ?? []).map(String),
      set: a.set,
      strategies: a.strategies,
      kernelModes: a['kernel-modes'],
      guest: a.guest,
      timing: a.timing,
      seed: a.seed,
      duration: a.duration,
      json: a.json,
      html: a.html,
      quiet: a.quiet,
    });
  },
);
