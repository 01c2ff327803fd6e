/**
 * zod schema for a raw YAML load profile.
 *
 * The schema checks each value on its own (types, ranges, unknown keys) and applies the defaults
 * documented in `types.ts`; its output is the `Profile` shape (minus the defaulted `name`).
 * Checks that relate values to each other (references, uniqueness, queueDepth vs wqSize, TLB
 * geometry, PRI vs the attach, churn range vs its region, memory budget, ...) live in
 * `cross-checks.ts`; `problems.ts` turns zod issues into user-facing problems.
 *
 * Message convention: every message set here is an expectation ("expected an integer from 1 to
 * 65536"); `problems.ts` appends the offending value (", got \"lots\"") or prefixes "missing; ".
 * A custom issue whose message is already complete carries `params: { complete: true }`.
 */
import { z } from 'zod';

import { BANDWIDTH_NAMES, COST_NAMES, PLATFORM_PRESETS, PRESET_COSTS, type PlatformCosts } from '../platform/presets.js';
import { formatBytes, parseSizeBytes } from '../common/units.js';
import { type Crc64Spec, DATA_KINDS } from '../layout/protocol.js';
import { KNOWN_KEYS_PREFIX } from './problems.js';
import {
  ACCESS_PATTERNS,
  CHURN_OPS,
  IOMMU_TYPES,
  OP_NAMES,
  STRATEGIES,
  NOTIFIER_ARCHES,
  STRATEGY_ALIASES,
  canonicalStrategy,
  TIMINGS,
  DEFAULT_TIMING,
  type AttachConfig,
  type ChurnConfig,
  type LifecycleEvent,
  type ChurnOp,
  type DeviceConfig,
  type InvalidationConfig,
  type IommuConfig,
  type OpName,
  type PlatformConfig,
  type ProcessConfig,
  type RegionConfig,
  type SystemConfig,
  type VmConfig,
  type WorkloadConfig,
} from './types.js';

export const PAGE_BYTES = 4096;
export const MAX_TRANSFER_BYTES = 16 * 1024 ** 2;
/** Ids of IOMMUs and devices: they show up in reports and on the command line. */
export const ID_RE = /^[A-Za-z][\w.-]*$/;

// ---------------------------------------------------------------------------------------------
// Leaf builders: each carries one expectation message used for every way the value can fail.

function intIn(min: number, max?: number) {
  const expected =
    max === undefined ? `expected an integer of at least ${min}` : `expected an integer from ${min} to ${max}`;
  const s = z.number({ error: expected }).int({ error: expected }).min(min, { error: expected });
  return max === undefined ? s : s.max(max, { error: expected });
}

/** A finite number in [min, max]; `minExclusive` makes it (min, max]. */
function numIn(min: number, opts: { max?: number; minExclusive?: boolean } = {}) {
  const { max, minExclusive = false } = opts;
  const low = minExclusive ? `greater than ${min}` : `of at least ${min}`;
  const expected =
    max === undefined
      ? `expected a number ${low}`
      : minExclusive
        ? `expected a number greater than ${min} and at most ${max}`
        : `expected a number from ${min} to ${max}`;
  let s = z.number({ error: expected });
  s = minExclusive ? s.gt(min, { error: expected }) : s.min(min, { error: expected });
  return max === undefined ? s : s.max(max, { error: expected });
}

const SIZE_EXAMPLES = 'e.g. 4096, "64KiB" or "16 MiB"';

/**
 * A size in bytes (common/units.ts `parseSizeBytes`: binary units), range-checked in the same step so the message can quote
 * the value exactly as written ("5000B", not 5000).
 */
function size(opts: { min: number; max?: number; pageMultiple?: boolean; examples?: string }) {
  const { min, max, pageMultiple = false, examples = SIZE_EXAMPLES } = opts;
  const range =
    max === undefined ? `of at least ${formatBytes(min)}` : `from ${formatBytes(min)} to ${formatBytes(max)}`;
  const multiple = pageMultiple ? ` that is a multiple of ${formatBytes(PAGE_BYTES)}` : '';
  const expected = `expected a size ${range}${multiple} (${examples})`;
  return z.unknown().transform((v, ctx) => {
    if (typeof v !== 'number' && typeof v !== 'string') {
      // invalid_type (not custom) so a union with a list alternative can tell "wrong kind" apart.
      ctx.addIssue({ code: 'invalid_type', expected: 'number', input: v, message: expected });
      return z.NEVER;
    }
    const n = parseSizeBytes(v);
    if (n === undefined || n < min || (max !== undefined && n > max) || (pageMultiple && n % PAGE_BYTES !== 0)) {
      ctx.addIssue({ code: 'custom', input: v, message: expected });
      return z.NEVER;
    }
    return n;
  });
}

const bool = () => z.boolean({ error: 'expected true or false' });

const name = () =>
  z.string({ error: 'expected a non-empty name' }).min(1, { error: 'expected a non-empty name' });

/** Ids name files (`--hgrm` writes `<id>.hgrm`): short enough for any file system. */
export const ID_MAX_LENGTH = 64;
const ID_EXPECTED = `expected an id: a letter, then letters, digits, "_", "." or "-", at most ${ID_MAX_LENGTH} characters`;
const id = () => z.string({ error: ID_EXPECTED }).regex(ID_RE, { error: ID_EXPECTED }).max(ID_MAX_LENGTH, { error: ID_EXPECTED });

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `expected one of: ${values.join(', ')}` });
}

/** A strict object: unknown keys are issues whose message lists the known keys. */
function obj<T extends z.core.$ZodLooseShape>(shape: T, what: string) {
  const known = KNOWN_KEYS_PREFIX + Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? known : `expected ${what}`),
  });
}

function list<T extends z.core.SomeType>(item: T, what: string, nonEmpty: boolean) {
  const expected = nonEmpty ? `expected a non-empty list of ${what}` : `expected a list of ${what}`;
  const s = z.array(item, { error: expected });
  return nonEmpty ? s.min(1, { error: expected }) : s;
}

// ---------------------------------------------------------------------------------------------
// The profile, bottom-up.

export const systemSchema = obj(
  {
    memoryBytes: size({
      min: 1024 ** 2,
      max: 4 * 1024 ** 3, // PTEs carry 20-bit frame numbers (layout/constants.ts MAX_FRAMES)
      pageMultiple: true,
      examples: 'e.g. "256MiB" or "1 GiB"',
    }).default(256 * 1024 ** 2),
    maxPasids: intIn(2, 1_048_576).default(65_536),
    integritySampleEvery: intIn(0).default(256),
  },
  'a mapping with memoryBytes, maxPasids, integritySampleEvery',
).transform((s): SystemConfig => s);

export const iommuSchema = obj(
  {
    id: id(),
    type: oneOf(IOMMU_TYPES).default('vtd'),
    iotlbEntries: intIn(1, 65_536).default(64),
    // Default = entries (fully associative); entries % ways is checked in cross-checks.ts.
    iotlbWays: intIn(1).optional(),
    prqEntries: intIn(1, 65_536).default(2048), // Linux's PRQ ring holds 2048 page requests
  },
  'a mapping describing an IOMMU, e.g. {id: iommu0, type: vtd}',
).transform(
  (u): IommuConfig => ({
    id: u.id,
    type: u.type,
    iotlbEntries: u.iotlbEntries,
    iotlbWays: u.iotlbWays ?? u.iotlbEntries,
    prqEntries: u.prqEntries,
  }),
);

const regionSchema = obj(
  {
    name: name(),
    sizeBytes: size({ min: PAGE_BYTES, pageMultiple: true }),
    populate: numIn(0, { max: 1 }).default(1),
    writable: bool().default(true),
    // A guest process's region mapped onto another VM's host frames (cross-checks.ts).
    stealFrom: name().optional(),
  },
  'a mapping describing a memory region, e.g. {name: buf, sizeBytes: 32MiB}',
).transform((r): RegionConfig => ({ ...r, stealFrom: r.stealFrom }));

export const processSchema = obj(
  {
    name: name(),
    regions: list(regionSchema, 'regions', true),
    vm: name().optional(),
  },
  'a mapping describing a process, e.g. {name: app, regions: [...]}',
).transform((p): ProcessConfig => ({ ...p, vm: p.vm }));

export const PASID_TABLE_MODES = ['per-pasid', 'whole-table'] as const;
export const GUEST_INVALIDATION_PATHS = ['trapped', 'direct'] as const;

export const vmSchema = obj(
  {
    name: name(),
    memoryBytes: size({ min: 64 * PAGE_BYTES, pageMultiple: true, examples: 'e.g. "64MiB"' }),
    populate: numIn(0, { max: 1 }).default(1),
    pasidTable: oneOf(PASID_TABLE_MODES).default('per-pasid'),
    invalidation: oneOf(GUEST_INVALIDATION_PATHS).default('trapped'),
  },
  'a mapping describing a VM, e.g. {name: vm0, memoryBytes: 64MiB}',
).transform((v): VmConfig => v);

/** DMA / identity windows are mapped page by page, so they are page multiples like regions. */
const windowSize = () => size({ min: PAGE_BYTES, pageMultiple: true });
const ATTACH_TYPES = ['sva', 'dma', 'identity', 'blocked', 'none', 'kernel'] as const;
export const KERNEL_DMA_MODES = ['dma-strict', 'dma-lazy', 'identity', 'kva'] as const;

const attachSchema = z.discriminatedUnion(
  'type',
  [
    obj({ type: z.literal('sva'), process: name(), bound: bool().default(true) }, 'a mapping {type: sva, process: <name>, bound: <bool>}'),
    obj({ type: z.literal('dma'), sizeBytes: windowSize() }, 'a mapping {type: dma, sizeBytes: <size>}'),
    obj({ type: z.literal('identity'), sizeBytes: windowSize() }, 'a mapping {type: identity, sizeBytes: <size>}'),
    obj({ type: z.literal('blocked') }, 'a mapping {type: blocked}'),
    obj({ type: z.literal('none') }, 'a mapping {type: none}'),
    obj(
      { type: z.literal('kernel'), mode: oneOf(KERNEL_DMA_MODES), singleQueue: bool().default(false) },
      `a mapping {type: kernel, mode: <${KERNEL_DMA_MODES.join(' | ')}>}`,
    ),
  ],
  {
    // invalid_union = the discriminator matched no option (zod puts the path on `type`).
    error: (iss) =>
      iss.code === 'invalid_union'
        ? `expected one of: ${ATTACH_TYPES.join(', ')}`
        : `expected a mapping with a type (${ATTACH_TYPES.join(', ')}), e.g. {type: sva, process: app}`,
  },
);

const transferSize = () => size({ min: 1, max: MAX_TRANSFER_BYTES });
const transferSizesSchema = z.union(
  [
    transferSize().transform((sizeBytes) => [{ sizeBytes, weight: 1 }]),
    list(
      obj(
        { sizeBytes: transferSize(), weight: numIn(0, { minExclusive: true }) },
        'a mapping {sizeBytes: <size>, weight: <number>}',
      ),
      '{sizeBytes, weight} entries',
      true,
    ),
  ],
  {
    error:
      `expected a transfer size from 1 B to ${formatBytes(MAX_TRANSFER_BYTES)} (${SIZE_EXAMPLES}), ` +
      'or a non-empty list of {sizeBytes, weight}',
  },
);

const opWeight = () => numIn(0).default(0);

/** Every weight must be ≥ 0 (the leaves check that) and at least one > 0. */
function atLeastOneWeight<K extends string>(names: readonly K[]) {
  return (weights: Record<K, number>, ctx: z.core.$RefinementCtx<Record<K, number>>): Record<K, number> => {
    if (!names.some((op) => weights[op] > 0)) {
      ctx.addIssue({
        code: 'custom',
        input: weights,
        params: { complete: true },
        message: `every op weight is 0; expected at least one of ${names.join(', ')} with a weight greater than 0`,
      });
    }
    return weights;
  };
}

const opsShape = {
  memmove: opWeight(),
  fill: opWeight(),
  compare: opWeight(),
  comparePattern: opWeight(),
  crc32c: opWeight(),
  batch: opWeight(),
  dualcast: opWeight(),
  compress: opWeight(),
  decompress: opWeight(),
  compressVerify: opWeight(),
  crc64: opWeight(),
} satisfies Record<OpName, unknown>;

/** The two standard CRC64 parameter sets, by name (device/crc64.ts has their check values). */
export const CRC64_PRESETS: Record<string, Omit<Crc64Spec, 'name'>> = {
  'ecma-182': { polyHi: 0x42f0e1eb, polyLo: 0xa9ea3693, reflected: false, invert: false },
  nvme: { polyHi: 0xad93d235, polyLo: 0x94c93659, reflected: true, invert: true },
};
const POLY_EXPECTED = 'expected a 64-bit polynomial in hex, e.g. "0x42F0E1EBA9EA3693" (normal form, x^64 implied)';
const crc64Schema = z.union(
  [
    oneOf(['ecma-182', 'nvme']).transform((n): Crc64Spec => ({ name: n, ...CRC64_PRESETS[n]! })),
    obj(
      {
        polynomial: z.string({ error: POLY_EXPECTED }).regex(/^0x[0-9a-fA-F]{1,16}$/, { error: POLY_EXPECTED }),
        reflected: bool().default(false),
        invert: bool().default(false),
      },
      'a mapping {polynomial: "0x…", reflected: <bool>, invert: <bool>}',
    ).transform((c): Crc64Spec => {
      const hex = c.polynomial.slice(2).padStart(16, '0');
      return { name: `0x${hex.toLowerCase()}`, polyHi: Number.parseInt(hex.slice(0, 8), 16), polyLo: Number.parseInt(hex.slice(8), 16), reflected: c.reflected, invert: c.invert };
    }),
  ],
  { error: 'expected ecma-182, nvme, or a mapping {polynomial: "0x…", reflected, invert}' },
);

const opsSchema = obj(opsShape, `a mapping of op weights (${OP_NAMES.join(', ')})`).transform(
  atLeastOneWeight<OpName>(OP_NAMES),
);

const workloadSchema = obj(
  {
    region: name().optional(),
    queueDepth: intIn(1).default(16),
    transferSizeBytes: transferSizesSchema.default(() => [{ sizeBytes: 4096, weight: 1 }]),
    pattern: oneOf(ACCESS_PATTERNS).default('uniform'),
    zipfTheta: numIn(0, { max: 10, minExclusive: true }).default(0.99),
    ops: opsSchema.default(() => ({ memmove: 1, fill: 0, compare: 0, comparePattern: 0, crc32c: 0, batch: 0, dualcast: 0, compress: 0, decompress: 0, compressVerify: 0, crc64: 0 })),
    batchSize: intIn(1, 1024).default(8),
    descriptors: intIn(1).optional(),
    // Only meaningful for an sva attach (a source outside every VMA of the process): cross-checks.ts.
    outsideVmaFraction: numIn(0, { max: 1 }).default(0),
    rateOpsPerSec: numIn(0, { max: 1e8, minExclusive: true }).optional(),
    arrival: oneOf(['uniform', 'poisson']).default('uniform'),
    data: oneOf(DATA_KINDS).optional(),
    deflateMode: oneOf(['fixed', 'dynamic']).default('dynamic'),
    crc64: crc64Schema.default((): Crc64Spec => ({ name: 'ecma-182', ...CRC64_PRESETS['ecma-182']! })),
  },
  'a mapping describing the workload, e.g. {region: buf, queueDepth: 16}',
).transform(
  (w): WorkloadConfig => ({
    region: w.region,
    queueDepth: w.queueDepth,
    transferSizes: w.transferSizeBytes,
    pattern: w.pattern,
    zipfTheta: w.zipfTheta,
    ops: w.ops,
    batchSize: w.batchSize,
    descriptors: w.descriptors,
    outsideVmaFraction: w.outsideVmaFraction,
    rateOpsPerSec: w.rateOpsPerSec,
    arrival: w.arrival,
    data: w.data,
    deflateMode: w.deflateMode,
    crc64: w.crc64,
  }),
);

export const deviceSchema = obj(
  {
    id: id(),
    type: oneOf(['dsa', 'iaa']).default('dsa'),
    iommu: name(),
    ats: bool().default(true),
    devtlbEntries: intIn(1, 4096).default(64),
    devtlbWays: intIn(1).optional(),
    wqSize: intIn(1, 1024).default(128),
    wqMode: oneOf(['dedicated', 'shared']).default('dedicated'),
    engines: intIn(1, 16).default(1),
    // Only with wqMode shared, each an sva-bound process of the device's VM (cross-checks.ts).
    submitters: list(
      obj({ process: name(), workload: workloadSchema.prefault({}) }, 'a mapping {process: <name>, workload: {...}}'),
      'submitters',
      false,
    ).default([]),
    // PRI needs an sva attach (cross-checks.ts); blockOnFault is ignored without PRI.
    pri: bool().default(false),
    blockOnFault: bool().default(true),
    // A kernel client's PASID on the kernel's own page table (attach mode kva) needs trusted: true.
    trusted: bool().default(false),
    // A device that does not snoop CPU caches: a kernel client syncs each buffer before and after DMA.
    coherent: bool().default(true),
    attach: attachSchema.default((): AttachConfig => ({ type: 'none' })),
    workload: workloadSchema.prefault({}),
    kernelClients: list(
      obj(
        { id: id(), mode: oneOf(KERNEL_DMA_MODES), singleQueue: bool().default(false), workload: workloadSchema.prefault({}) },
        `a mapping {id: <id>, mode: <${KERNEL_DMA_MODES.join(' | ')}>, workload: {...}}`,
      ),
      'kernel clients',
      false,
    ).default([]),
    // References (a declared VM; a group's devices behind one IOMMU) are cross-checks.ts's.
    vm: name().optional(),
    group: name().optional(),
  },
  'a mapping describing a device, e.g. {id: dsa0, iommu: iommu0}',
).transform((d): DeviceConfig => ({ ...d, devtlbWays: d.devtlbWays ?? d.devtlbEntries, vm: d.vm, group: d.group }));

// ---------------------------------------------------------------------------------------------
// CPU-side churn, invalidation, platform costs (design.md §2 "Invalidation on an mm change", §3 "Cost model").

export const MAX_CHURN_RATE_PER_SEC = 1_000_000;

const churnOpsShape = {
  munmap: opWeight(),
  mprotect: opWeight(),
  migrate: opWeight(),
} satisfies Record<ChurnOp, unknown>;

/**
 * The churn mapping before its cross-checks. Exported field by field (`.shape`) so `cross-checks.ts`
 * can check references and ranges on the fields that parsed even when another one did not.
 * rangeBytes ≤ the region's size, "ratePerSec or count" and "count alone needs durationS"
 * are checked in `cross-checks.ts`.
 */
export const churnFields = obj(
  {
    process: name(),
    region: name(),
    ops: obj(churnOpsShape, `a mapping of churn op weights (${CHURN_OPS.join(', ')})`)
      .transform(atLeastOneWeight<ChurnOp>(CHURN_OPS))
      .default(() => ({ munmap: 1, mprotect: 0, migrate: 0 })),
    ratePerSec: numIn(0, { max: MAX_CHURN_RATE_PER_SEC, minExclusive: true }).optional(),
    count: intIn(1).optional(),
    rangeBytes: size({ min: PAGE_BYTES, pageMultiple: true, examples: 'e.g. 4096, "16KiB" or "2 MiB"' }).default(
      PAGE_BYTES,
    ),
    aligned: bool().default(true),
    startS: numIn(0, { max: 86400 }).default(0),
    stage: z.union([z.literal(1), z.literal(2)], { error: 'expected 1 (the process changes its memory) or 2 (the host changes the guest memory behind it)' }).default(1),
  },
  'a mapping describing CPU-side churn, e.g. {process: app, region: buf, ratePerSec: 500}',
);

export const churnSchema = churnFields.transform(
  (c): ChurnConfig => ({
    process: c.process,
    region: c.region,
    ops: c.ops,
    ratePerSec: c.ratePerSec,
    count: c.count,
    rangeBytes: c.rangeBytes,
    aligned: c.aligned,
    startS: c.startS,
    stage: c.stage,
  }),
);

/**
 * The process lifecycle schedule: a list of `{atS, unbind: <device>}`, `{atS, bind: <device>}`,
 * `{atS, exit: <process>}`. References, time order and the bound/unbound state at each event
 * are checked in `cross-checks.ts`.
 */
export const lifecycleEventSchema = obj(
  {
    atS: numIn(0, { max: 86400 }),
    unbind: name().optional(),
    bind: name().optional(),
    exit: name().optional(),
  },
  'a mapping {atS: <seconds>, unbind|bind: <device id>} or {atS: <seconds>, exit: <process name>}',
)
  .refine((e) => [e.unbind, e.bind, e.exit].filter((x) => x !== undefined).length === 1, {
    message: 'expected exactly one of unbind, bind, exit',
  })
  .transform((e): LifecycleEvent =>
    e.exit !== undefined
      ? { atS: e.atS, kind: 'exit', process: e.exit }
      : { atS: e.atS, kind: e.unbind !== undefined ? 'unbind' : 'bind', device: (e.unbind ?? e.bind)! },
  );

export const RANGE_ENCODINGS = ['vtd', 'smmu'] as const;

export const invalidationSchema = obj(
  {
    // A canonical name or an alias of an earlier release (profile/types.ts STRATEGY_ALIASES).
    strategy: oneOf([...STRATEGIES, ...(Object.keys(STRATEGY_ALIASES) as [string, ...string[]])])
      .default('vtd-cache-tags-grouped')
      .transform((name) => canonicalStrategy(name)!),
    batchSize: intIn(1, 256).default(16), // the QI ring holds 256 descriptors
    rangeEncoding: oneOf(RANGE_ENCODINGS).default('vtd'),
    arch: oneOf(NOTIFIER_ARCHES).default('x86'),
    maxAddressMask: intIn(0, 52).default(18), // QEMU intel-iommu VTD_MAMV
  },
  'a mapping with strategy, batchSize, rangeEncoding, arch, maxAddressMask',
).transform((i): InvalidationConfig => i);

const PRESET_EXPECTED = `expected one of: ${PLATFORM_PRESETS.join(', ')}`;
/**
 * A cost is a hardware latency (ns, at most 1 s: beyond it a run of any length does nothing
 * else, and host timing would spin for it) or a bandwidth (GB/s, at most 10,000; 0 = free).
 */
export const MAX_COST_NS = 1e9;
export const MAX_BANDWIDTH_GBPS = 10_000;
const BANDWIDTH_EXPECTED = `expected 0 (no data cost) or a bandwidth from 0.001 to ${MAX_BANDWIDTH_GBPS} GB/s`;
const platformCost = (name: string) =>
  ((BANDWIDTH_NAMES as readonly string[]).includes(name)
    ? numIn(0, { max: MAX_BANDWIDTH_GBPS }).refine((v) => v === 0 || v >= 0.001, { error: BANDWIDTH_EXPECTED })
    : numIn(0, { max: MAX_COST_NS })
  ).optional();
const costsShape = Object.fromEntries(COST_NAMES.map((c) => [c, platformCost(c)])) as Record<
  (typeof COST_NAMES)[number],
  ReturnType<typeof platformCost>
>;

const platformMapping = obj(
  { preset: oneOf(PLATFORM_PRESETS).default('native'), ...costsShape },
  'a mapping {preset: <name>, <cost>: <ns>}',
).transform((p): PlatformConfig => {
  const costs: PlatformCosts = { ...PRESET_COSTS[p.preset] };
  for (const c of COST_NAMES) {
    const v = p[c];
    if (v !== undefined) costs[c] = v;
  }
  return { preset: p.preset, costs };
});

/** A preset name, or a mapping of a preset and per-figure overrides (nanoseconds). */
export const platformSchema = z
  .union(
    [
      // A string first (invalid_type for anything else, so the union can tell which form was meant).
      z
        .string({ error: PRESET_EXPECTED })
        .pipe(oneOf(PLATFORM_PRESETS))
        .transform((preset): PlatformConfig => ({ preset, costs: { ...PRESET_COSTS[preset] } })),
      platformMapping,
    ],
    {
      error:
        `expected a platform preset (${PLATFORM_PRESETS.join(', ')}) or a mapping ` +
        `{preset: <name>, <cost>: <ns>} with costs ${COST_NAMES.join(', ')}`,
    },
  )
  .default((): PlatformConfig => ({ preset: 'native', costs: { ...PRESET_COSTS.native } }));

export const profileSchema = obj(
  {
    name: name().optional(),
    seed: intIn(0, 2 ** 32 - 1).default(1),
    durationS: numIn(0, { max: 86_400, minExclusive: true }).optional(),
    system: systemSchema.prefault({}),
    iommus: list(iommuSchema, 'IOMMUs', true),
    processes: list(processSchema, 'processes', false).default(() => []),
    vms: list(vmSchema, 'VMs', false).default(() => []),
    devices: list(deviceSchema, 'devices', true),
    churn: churnSchema.optional(),
    lifecycle: list(lifecycleEventSchema, 'lifecycle events', false).default(() => []),
    invalidation: invalidationSchema.prefault({}),
    platform: platformSchema,
    checker: bool().default(true),
    timing: oneOf(TIMINGS).default(DEFAULT_TIMING),
    /** Modelled time: at most this many worker threads run the devices (default: the machine's cores). */
    workers: intIn(1, 1024).optional(),
  },
  'a mapping with iommus, processes and devices',
);

/** What the schema produces: a `Profile` whose `name` may still be missing. */
export type ParsedProfile = z.output<typeof profileSchema>;
