/**
 * The run result (`dmaload run --json`) as one zod schema. The TypeScript types in result.ts are
 * inferred from it, `dmaload report` and `dmaload export` validate their input with it, and
 * `result.schema.json` (repository root) is it published as JSON Schema (`npm run schema`
 * regenerates the file; a test fails when the committed one is stale). The README's "JSON
 * result" table describes each field.
 *
 * Strict: every object rejects keys it does not list, and every field a run writes is required.
 * `storedRunResultSchema` is what the readers accept: the same, except that `intervals` and
 * `histograms` may be missing, as in results written before dmaload recorded them.
 *
 * Units are in the names: ns, bytes, per second; counts are whole numbers.
 * Leaves out: the compare result (report/compare.ts, which embeds stored run results).
 */

import { z } from 'zod';
import type { IntegrityFailure, ViolationReport } from '../layout/protocol.js';
import type { LatencySummaryNs } from '../metrics/histogram.js';
import { KNOWN_KEYS_PREFIX } from '../profile/problems.js';

export const RESULT_FORMAT_VERSION = 1;

/** The published JSON Schema's file name, at the repository root. */
export const RESULT_SCHEMA_FILE = 'result.schema.json';

// Builders whose one message serves every way a value can fail (profile/problems.ts adds
// ", got <value>" or "missing; "), so a bad result reads like a bad profile.
const COUNT = 'expected an integer of at least 0';
const count = () => z.number({ error: COUNT }).int({ error: COUNT }).nonnegative({ error: COUNT });
const NON_NEGATIVE = 'expected a number of at least 0';
const nonNegative = () => z.number({ error: NON_NEGATIVE }).nonnegative({ error: NON_NEGATIVE });
const POSITIVE = 'expected a number greater than 0';
const positive = () => z.number({ error: POSITIVE }).positive({ error: POSITIVE });
const FRACTION = 'expected a number from 0 to 1';
const fraction = () => z.number({ error: FRACTION }).min(0, { error: FRACTION }).max(1, { error: FRACTION });
const text = () => z.string({ error: 'expected a string' });
const bool = () => z.boolean({ error: 'expected true or false' });
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `expected one of: ${values.join(', ')}` });
const list = <T extends z.core.SomeType>(item: T) => z.array(item, { error: 'expected a list' });
const record = <T extends z.core.SomeType>(value: T) => z.record(z.string(), value, { error: 'expected an object' });

/** A strict object: an unknown key is an issue listing the known ones (for "did you mean"). */
function obj<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = KNOWN_KEYS_PREFIX + Object.keys(shape).join(', ');
  return z.strictObject(shape, { error: (iss) => (iss.code === 'unrecognized_keys' ? known : 'expected an object') });
}

/** The builders, for schemas of files that embed run results (report/compare.ts). */
export const resultFields = { count, nonNegative, text, oneOf, list, record, obj } as const;

export const latencySummaryNsSchema = obj({
  p50: nonNegative(),
  p90: nonNegative(),
  p99: nonNegative(),
  p999: nonNegative(),
  max: nonNegative(),
  mean: nonNegative(),
}).meta({ id: 'LatencySummaryNs', description: 'Latency percentiles, ns (all 0 when nothing completed)' });

export const opResultSchema = obj({ ops: count(), bytes: count(), latencyNs: latencySummaryNsSchema });

export const intervalPointSchema = obj({
  tS: nonNegative().describe('Interval end, seconds since the start barrier'),
  durationS: nonNegative().describe('Interval length, seconds (merged intervals are longer)'),
  devices: list(
    obj({
      id: text(),
      ops: count(),
      bytes: count(),
      opsPerSec: nonNegative(),
      bytesPerSec: nonNegative(),
      p50: nonNegative().describe('Latency of the descriptors completed in the interval, ns (0 when none)'),
      p99: nonNegative(),
      max: nonNegative(),
    }),
  ),
}).meta({ id: 'IntervalPoint' });

const histogram = text().meta({ id: 'Histogram', description: "HdrHistogram, compressed base64, values in ns ('' when empty)" });

export const resultHistogramsSchema = obj({
  total: histogram,
  devices: record(histogram),
  byOp: record(record(histogram)).describe('device id → op → histogram'),
  uncorrected: record(histogram).describe('Open loop only: device id → uncorrected (service-time) histogram'),
}).describe('Full histograms (hdr-histogram-js encodeIntoCompressedBase64), exact: merging adds bucket counts');

const integrityFailureSchema = obj({ descriptor: count(), op: text(), address: count(), detail: text() }).meta({
  id: 'IntegrityFailure',
  description: 'A sampled descriptor whose data did not match the reference computation',
});

const violationReportSchema = obj({
  device: text(),
  pasid: count(),
  address: count().describe('Device (virtual / IOVA) address of the page touched'),
  pfn: count(),
  translationGeneration: count(),
  frameGeneration: count(),
  phase: oneOf(['before', 'after']).describe('Found before the copy (stale translation) or after it (frame freed during the copy)'),
}).meta({ id: 'ViolationReport', description: 'A use-after-free checker violation' });

export const faultResponsesSchema = obj({ success: count(), invalid: count(), failure: count() }).meta({ id: 'FaultResponses' });

const deviceFaultFields = {
  pageRequests: count(),
  groups: count(),
  responses: faultResponsesSchema,
  prqOverflows: count(),
  prqHighWater: count(),
  stopMarkers: count()
    .optional()
    .describe('Stop markers (last-in-group, neither read nor write) sent by devices (devices[]) or dropped by the kernel without a response (run); absent in results of earlier releases'),
  partialCompletions: count(),
  touches: obj({ ok: count(), failed: count() }),
  faultedOps: count().describe('Logical descriptors that took at least one page fault'),
  latencyNs: obj({ faulted: latencySummaryNsSchema, clean: latencySummaryNsSchema }),
};

export const deviceFaultsSchema = obj(deviceFaultFields);

export const runFaultsSchema = obj({
  ...deviceFaultFields,
  pagesPopulated: count().describe('Pages the kernel populated for page requests (one per page, however many devices asked)'),
  serviceLatencyNs: latencySummaryNsSchema.describe('Kernel fault service: request (device timestamp) to response, ns'),
});

const invalidationDescriptorsSchema = obj({ iotlb: count(), devtlb: count(), total: count() }).meta({ id: 'InvalidationDescriptors' });

/** What a device and the run's totals both report. */
const throughputFields = {
  submitted: count(),
  ops: count(),
  bytes: count(),
  opsPerSec: nonNegative(),
  bytesPerSec: nonNegative(),
  latencyNs: latencySummaryNsSchema,
};

const compressionFiguresSchema = obj({
  inputBytes: count(),
  outputBytes: count(),
  ratio: nonNegative().describe('Uncompressed ÷ compressed bytes (0 when nothing completed)'),
}).meta({ id: 'CompressionFigures' });

export const deviceResultSchema = obj({
  id: text(),
  outcome: obj({
    status: oneOf(['completed', 'crashed', 'did-not-stop']),
    cause: text().nullable().describe('Why the device ended early; null when it completed'),
  })
    .optional()
    .describe("How the device's thread ended: completed, crashed (its figures are its shared counters; its latencies were lost with it), or did not stop (hard-killed). Absent in results of earlier releases"),
  loop: oneOf(['closed', 'open']).describe("'closed' (queueDepth outstanding) or 'open' (paced at targetOpsPerSec)"),
  targetOpsPerSec: nonNegative().nullable().describe('Open loop: the target rate; null for closed loop'),
  arrival: oneOf(['uniform', 'poisson']).nullable().describe('Open loop: the arrival process; null for closed loop'),
  latencyNsUncorrected: latencySummaryNsSchema
    .nullable()
    .describe('Open loop: latency from the actual submission (not corrected for coordinated omission); null for closed loop'),
  iommu: text(),
  pasid: count(),
  attach: text(),
  elapsedNs: nonNegative(),
  ...throughputFields,
  byOp: record(opResultSchema),
  statuses: record(count()),
  submitRetries: count().describe('ENQCMD attempts a full shared WQ answered with retry (0 for a dedicated WQ)'),
  type: z.enum(['dsa', 'iaa']).optional().describe('The device type; absent in results of earlier releases'),
  compression: obj({
    compress: obj({ fixed: compressionFiguresSchema, dynamic: compressionFiguresSchema }),
    compressVerify: obj({ fixed: compressionFiguresSchema, dynamic: compressionFiguresSchema }),
    decompress: compressionFiguresSchema,
  })
    .nullable()
    .optional()
    .describe('IAA: source and output bytes of the descriptors that completed, per op and deflate mode, and the ratio (source ÷ output; decompress: output ÷ source); null for a DSA; absent in results of earlier releases'),
  engines: count().optional().describe('Engines executing its descriptors concurrently; absent in results of earlier releases'),
  wq: obj({ mode: z.enum(['dedicated', 'shared']), entries: count() }).optional().describe('Its work queue; absent in results of earlier releases'),
  submitters: list(
    obj({
      process: text(),
      pasid: count(),
      ops: count(),
      bytes: count(),
      submitRetries: count(),
      failed: count().describe('Completions with a status other than success'),
    }),
  )
    .optional()
    .describe("A shared WQ's submitters, the attach's process first, each with its PASID; empty for a dedicated WQ; absent in results of earlier releases"),
  devtlb: obj({ hits: count(), misses: count() }),
  iotlb: obj({ hits: count(), misses: count() }),
  walks: count(),
  walkRefs: count(),
  compareMismatches: count(),
  integrity: obj({ checked: count(), failed: count(), skipped: count(), firstFailure: integrityFailureSchema.nullable() }),
  checker: obj({ pagesChecked: count(), violations: count(), firstViolation: violationReportSchema.nullable() }),
  devtlbInvalidationsApplied: count(),
  devtlbWholeFlushes: count().optional().describe('Whole device-TLB flushes applied (a stage-2 change of its VM); absent in results of earlier releases'),
  isolationBreaches: count()
    .optional()
    .describe("Walks that reached a frame not the device's to reach (outside its VM's guest memory; a host walk into a VM's): 0 in every correct run; absent in results of earlier releases"),
  vm: text().nullable().optional().describe('The VM the device is assigned to; null: the host; absent in results of earlier releases'),
  group: text().nullable().optional().describe('Its IOMMU group (devices[].group); null: alone; absent in results of earlier releases'),
  nested: obj({
    walks: count().describe('2-D walks (IOTLB misses of its nested domains)'),
    s1Refs: count().describe('Stage-1 entries read'),
    s2RefsByStep: list(count()).describe('Stage-2 references made to find the level-4, 3, 2 and 1 stage-1 tables and the final guest page (5 counts; a cold walk adds 4 to each)'),
    s2CacheHits: count().describe('Stage-2 translations found in the walk cache (each saves 4 references)'),
  })
    .nullable()
    .optional()
    .describe('Nested translation of a device assigned to a VM; null for a host device; absent in results of earlier releases'),
  faults: deviceFaultsSchema,
}).meta({ id: 'DeviceResult' });

const vmResultSchema = obj({
  name: text(),
  memoryBytes: count(),
  hostFramesBacked: count().describe('Host frames behind its guest RAM at the end'),
  pasidTable: z.enum(['per-pasid', 'whole-table']),
  invalidationPath: z.enum(['trapped', 'direct']),
  devices: list(text()),
  processes: list(text()),
  binds: obj({
    pasidBinds: count().describe("Guest PASID attachments (device, PASID) of its processes"),
    hostAttaches: count().describe('Nested attaches the host made for them (per-pasid: one each; whole-table: none)'),
    deviceTableBinds: count().describe("whole-table: the guest's PASID table bound once per assigned device; per-pasid: 0"),
    traps: count().describe('VM exits the binds took'),
    nsPerBind: nonNegative().describe('Modelled cost of one guest bind, ns'),
    totalNs: nonNegative().describe('All binds and table binds, ns (made at boot: on no clock)'),
  }),
  invalidation: obj({
    guestSubmissions: count().describe("The guest kernel's submissions (its strategy's)"),
    guestDescriptors: count(),
    traps: count().describe('Submissions that trapped (trapped path: all)'),
    trapNs: nonNegative().describe('Their VM exits and emulation, ns'),
    hostSubmissions: count().describe("The host's replays of trapped submissions (direct path: 0)"),
    hostDescriptors: count(),
    totalNs: nonNegative().describe('Guest invalidation time, notifier call to completion, summed, ns'),
  })
    .nullable()
    .describe("A stage-1 churn on one of its processes: the guest kernel's invalidations; null otherwise"),
  stage2: obj({
    changes: count(),
    pages: count(),
    framesFreed: count(),
    flushes: count(),
    submissions: count(),
    iotlbDescriptors: count().describe('One per nested domain and IOMMU: every combined entry of its domain id'),
    devtlbWholeDescriptors: count().describe('One per ATS device of a nested domain: its whole device TLB'),
    totalNs: nonNegative(),
    cpuFaults: count().describe("Guest frames backed at the guest CPU's first touch"),
    deviceFaults: count().describe("Guest frames backed at a device's page request (the host's stage-2 fault)"),
  }),
  nested: obj({ walks: count(), refs: count(), s1Refs: count(), s2RefsByStep: list(count()), s2CacheHits: count(), refsPerWalk: nonNegative() }),
});

const groupResultSchema = obj({
  name: text(),
  devices: list(text()),
  attachments: list(
    obj({
      pasid: count(),
      domain: text().describe('The domain type (sva, nested)'),
      process: text().nullable(),
      boundBy: text().describe('The device whose bind attached the group'),
      devices: list(text()).describe('Every device of the group the PASID attach reached'),
    }),
  ).describe('PASID attachments shared by the whole group at the end'),
});

export const runGuestsSchema = obj({
  vms: list(vmResultSchema),
  groups: list(groupResultSchema).describe('Multi-device IOMMU groups'),
  pageRequestsForwarded: count().describe('Page requests on guest PASIDs forwarded to the guest (stage-1 faults)'),
  stage2Faults: count().describe('Page requests on guest PASIDs the host answered at stage 2'),
}).meta({ id: 'Guests' });

export const runInvalidationSchema = obj({
  strategy: text(),
  platform: text(),
  rangeEncoding: text(),
  arch: text().optional().describe("How the CPU's TLB flush called the notifier (x86, arm64, generic); absent in results of earlier releases"),
  batchSize: count(),
  events: count().describe("Notifier calls: per CPU-side change, as the architecture's TLB flush makes them (a migrated page each; mprotect's restore too on x86 and arm64)"),
  eventsByOp: record(count()),
  submissions: count(),
  waits: count()
    .optional()
    .describe('Submissions that ended in a wait (VT-d wait descriptor, SMMUv3 CMD_SYNC); SMMUv3 issues full command batches without one. Absent in results of earlier releases'),
  descriptors: invalidationDescriptorsSchema,
  wholePasidFlushes: count(),
  flushedSpans: obj({ requested: record(count()), iotlb: record(count()), devtlb: record(count()) })
    .optional()
    .describe('Counts by span in pages (`all`: the whole PASID): what each notifier call asked for, and what each IOTLB and device-TLB descriptor covered — range widening shows. Absent in results of earlier releases'),
  latencyNs: latencySummaryNsSchema.describe('Event start (notifier called) to completion (all submissions done), ns'),
  totalNs: nonNegative(),
  changes: count().optional().describe('CPU-side changes made (each one or more notifier calls); absent in results of earlier releases'),
  pagesChanged: count(),
  framesFreed: count(),
  lateChanges: count()
    .nullable()
    .describe('Modelled time: changes that started after their scheduled time (the strategy could not keep pace); null in host time'),
  lateNs: nonNegative().nullable().describe('Modelled time: how late those changes started, summed, ns; null in host time'),
});

export const iommuInvalidationSchema = obj({
  submissions: count(),
  descriptors: invalidationDescriptorsSchema,
  latencyNs: latencySummaryNsSchema.describe("Per notifier event: time in this IOMMU's submissions, ns"),
});

export const iommuResultSchema = obj({
  id: text(),
  type: text(),
  iotlb: obj({ entries: count(), ways: count(), hits: count(), misses: count(), hitRate: fraction() }),
  walks: count(),
  walkRefs: count(),
  invalidation: iommuInvalidationSchema.nullable(),
  faults: obj({ pageRequests: count(), prqEntries: count(), prqHighWater: count(), prqOverflows: count() }),
}).meta({ id: 'IommuResult' });

const lifecycleSubmissionsSchema = obj({
  submissions: count(),
  descriptors: obj({ pasidCache: count(), iotlb: count(), devtlb: count(), fence: count(), total: count() }),
  totalNs: nonNegative().describe('Virtual time in these submissions, ns'),
}).meta({ id: 'LifecycleSubmissions' });

export const runLifecycleSchema = obj({
  unbinds: count(),
  pasidStops: count().describe("PASID stops the driver asked of devices with PRI before unbinding them (each device answers with a stop marker)"),
  binds: count(),
  exits: count(),
  teardown: lifecycleSubmissionsSchema.describe("PASID-entry teardowns at unbind (VT-d: PASID cache, the PASID's IOTLB entries, its device-TLB entries, each its own submission)"),
  drain: lifecycleSubmissionsSchema.describe('Page-request drains at unbind, devices with PRI (VT-d: one submission of a fenced wait, an IOTLB and a device-TLB flush)'),
  events: list(
    obj({
      kind: z.enum(['unbind', 'bind', 'exit']),
      target: text().describe('The device id (unbind, bind) or the process name (exit)'),
      pasid: count().describe('The PASID bound, unbound or released'),
      scheduledNs: nonNegative(),
      startNs: nonNegative().describe('Virtual time it started: the later of its schedule and the kernel clock'),
      endNs: nonNegative().describe('Virtual time its submissions completed'),
    }),
  ),
});

const dmaApiLatencySchema = obj({ mean: nonNegative(), stddev: nonNegative(), p50: nonNegative(), p99: nonNegative(), max: nonNegative() });

export const kernelClientResultSchema = obj({
  id: text().describe("The client's id (its device's id for a device's attach of type kernel)"),
  device: text(),
  mode: z.enum(['dma-strict', 'dma-lazy', 'identity', 'kva']),
  buffers: count().describe('Buffers the client made ready for a descriptor'),
  completed: count(),
  failed: count().describe('Completions with a status other than success'),
  maps: count().describe('DMA API maps (dma-strict, dma-lazy); 0 for identity and kva'),
  unmaps: count(),
  syncs: count().describe('Cache syncs of a non-coherent device: one per buffer before its DMA, one after'),
  invalidation: obj({
    submissions: count().describe('Invalidation submissions the client made (strict: one per unmap; lazy: one per flush)'),
    iotlbDescriptors: count(),
    devtlbDescriptors: count(),
    otherDescriptors: count(),
  }),
  flushQueue: obj({
    queued: count(),
    flushesFull: count().describe('Whole-domain flushes because a ring was full'),
    flushesTimeout: count().describe("Whole-domain flushes by the queue's 10 ms timer"),
    highWater: count().describe('Most entries waiting in one ring'),
  })
    .nullable()
    .describe('dma-lazy: the flush queue; null otherwise'),
  iova: obj({ hits: count(), misses: count(), failures: count(), depotPushes: count(), magazinesFreed: count() })
    .nullable()
    .describe("DMA modes: the IOVA allocator's magazines (a miss goes to the range allocator); null otherwise"),
  staleWindowNs: latencySummaryNsSchema.nullable().describe('dma-lazy: from an unmap to the end of the flush that covered it, ns; null otherwise'),
  cpuNs: nonNegative().describe("The client's CPU time in page allocation and the DMA API, virtual ns"),
  opsPerSec: nonNegative().describe('Buffers completed per second of the run'),
  bytesPerSec: nonNegative().describe("Bytes the device moved on the client's buffers per second of the run"),
  latencyNs: latencySummaryNsSchema.describe('Per buffer, from the start of its map to the end of its unmap (the DMA with its map and unmap), ns'),
  mapLatencyNs: dmaApiLatencySchema.describe("Per buffer, the map: as the kernel's dma_map_benchmark reports it (mean, standard deviation), with percentiles, ns"),
  unmapLatencyNs: dmaApiLatencySchema.describe('Per buffer, the unmap (in strict mode with its waited flush), ns'),
  invalidationPerOp: obj({ submissions: nonNegative(), descriptors: nonNegative() }).describe('Invalidation submissions and descriptors per buffer'),
  exposure: obj({
    reachableBytes: count().describe('Most memory the device could reach through its PASID at once: mapped and stale IOVA pages, or all of memory (identity, kva)'),
    peakBufferBytes: count().describe('Most buffer bytes given to the device at once'),
    totalBufferBytes: count(),
    peakStaleBytes: count().describe('dma-lazy: most unmapped bytes still reachable until their flush'),
  }),
}).meta({ id: 'KernelClientResult' });

export const provenanceSchema = obj({
  tool: obj({ name: text(), version: text() }),
  commandLine: list(text()).nullable().describe('The arguments after the program; null for a run started from code'),
  host: obj({ hostname: text(), cpuModel: text(), cores: count(), memoryBytes: count(), node: text(), os: text() }),
  startedAt: text().describe('When the run started, ISO 8601 UTC (a wall-clock field)'),
  profile: z
    .record(z.string(), z.unknown())
    .describe('The effective profile: every default filled in, as the run used it (overrides such as --seed are in the result fields)'),
}).meta({ id: 'Provenance' });

/** What a run writes (`dmaload run --json`), every field required. */
export const runResultSchema = obj({
  formatVersion: z.literal(RESULT_FORMAT_VERSION, { error: `expected ${RESULT_FORMAT_VERSION} (the only result format so far)` }),
  interrupted: bool().describe('The run was stopped early by a signal (SIGINT, SIGTERM): every figure covers the time until then'),
  failure: text().nullable().describe('Why the run failed (a device crashed or did not stop; the result holds every other device\'s figures); null when it did not'),
  provenance: provenanceSchema.describe('Where the result comes from: tool version, command line, host, start time, effective profile'),
  profile: text(),
  seed: count(),
  durationS: positive().nullable().describe('Requested run length, s; null for a descriptor-count run'),
  elapsedNs: nonNegative().describe('Modelled time: virtual ns of the run; host time: wall ns'),
  timing: obj({
    mode: z.enum(['modelled', 'host']),
    virtualElapsedNs: nonNegative().nullable().describe('Modelled time: the run in virtual ns; null in host time'),
    wallElapsedNs: nonNegative().describe('Wall-clock ns of the run (a wall-clock field)'),
    simulatedBytesPerWallSec: nonNegative().describe('Bytes moved per wall second (a wall-clock field)'),
    slowdown: nonNegative().nullable().describe('Modelled time: wall ÷ virtual time (a wall-clock field); null in host time'),
  }).describe('Which clock the figures are read on, and the wall-clock cost of the run'),
  totals: obj({ ...throughputFields, statuses: record(count()) }),
  devices: list(deviceResultSchema),
  iommus: list(iommuResultSchema),
  integrity: obj({ checked: count(), failed: count(), skipped: count() }),
  checker: obj({
    enabled: bool(),
    pagesChecked: count(),
    violations: count(),
    firstViolation: violationReportSchema.nullable(),
    isolationBreaches: count()
      .optional()
      .describe("Walks that reached frames not the device's to reach (every device): 0 in every correct run; absent in results of earlier releases"),
  }),
  invalidation: runInvalidationSchema.nullable().describe('With churn; null without'),
  lifecycle: runLifecycleSchema
    .nullable()
    .describe('With a lifecycle schedule: its events and the teardown they submitted; null without'),
  kernelClients: list(kernelClientResultSchema).describe('Devices whose submitter is a kernel client (attach type kernel), one entry each'),
  guests: runGuestsSchema.describe('VMs (nested translation, guest binds and invalidations, stage-2 changes) and IOMMU groups; empty lists without'),
  faults: runFaultsSchema,
  memory: obj({
    frames: count(),
    framesFree: count(),
    framesFreed: count(),
    framesReused: count(),
    framesLeaked: count()
      .optional()
      .describe("Data frames a process owns that none of its pages maps at the end: leaked (0 in every correct run); absent in results of earlier releases"),
  }),
  intervals: obj({ intervalS: positive(), points: list(intervalPointSchema) }).describe(
    'Per-interval throughput and percentiles; at most 120 points (past that, adjacent intervals merge exactly; --hlog and --csv keep every interval)',
  ),
  histograms: resultHistogramsSchema,
}).meta({
  title: 'dmaload run result',
  description: 'The JSON written by `dmaload run --json` (format version 1). Latencies in ns, sizes in bytes, rates per second.',
});

/** What `dmaload report` and `dmaload export` accept: a run result, `intervals` and `histograms` optional (older results). */
// Results of earlier releases have no intervals, histograms or lifecycle.
export const storedRunResultSchema = runResultSchema.partial({ intervals: true, histograms: true, lifecycle: true, interrupted: true, provenance: true, failure: true, kernelClients: true, guests: true });

/** The JSON Schema text of `schema` (by default the run result's, as committed in `result.schema.json`). */
export function resultJsonSchemaText(schema: z.ZodType = runResultSchema): string {
  return `${JSON.stringify(z.toJSONSchema(schema, { target: 'draft-2020-12' }), null, 2)}\n`;
}

// The layout's and the metrics' own types must stay what the schema says they are.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type SchemaMatchesItsSources = [
  Holds<Same<z.infer<typeof integrityFailureSchema>, IntegrityFailure>>,
  Holds<Same<z.infer<typeof violationReportSchema>, ViolationReport>>,
  Holds<Same<z.infer<typeof latencySummaryNsSchema>, LatencySummaryNs>>,
];
