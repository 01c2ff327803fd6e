/**
 * The run summary printed on stdout: a header line; a device table (one indented row per op);
 * an IOMMU table; with churn, the invalidation table (a row per IOMMU) and a churn line; with
 * page requests or partial completions, the fault lines; completions by status; the integrity
 * sampler's and the use-after-free checker's totals and their first failures. Numbers are
 * written by common/units.ts.
 */

import Table from 'cli-table3';
import type { RunResult } from '../run/result.js';
import { formatBytes, formatCount, formatGBps, formatNs, formatPercent, formatRate } from '../common/units.js';

const plain = {
  chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  style: { head: [] as string[], border: [] as string[], compact: true },
};

export function formatSummary(r: RunResult): string {
  const lines: string[] = [];
  lines.push(
    `dmaload run "${r.profile}"  seed ${r.seed}  elapsed ${formatNs(r.elapsedNs)}  ` +
      `${r.devices.length} device(s)  ${formatCount(r.totals.ops)} descriptors  ` +
      `${formatRate(r.totals.opsPerSec)}ops/s  ${formatGBps(r.totals.bytesPerSec)} GB/s`,
  );
  lines.push(timingLine(r.timing));
  if (r.failure) {
    const lost = r.devices.filter((d) => d.outcome && d.outcome.status !== 'completed').map((d) => `${d.id} (${d.outcome!.status})`);
    lines.push(
      `FAILED: ${r.failure}. ${lost.length > 0 ? `${lost.join(', ')}: figures from its shared counters, its latencies lost with its thread; ` : ''}` +
        'every other device completed, and its figures cover the run until the failure',
    );
  }
  if (r.interrupted) {
    lines.push(
      `INTERRUPTED after ${formatNs(r.elapsedNs)}${r.durationS ? ` of ${formatNs(r.durationS * 1e9)}` : ''}: ` +
        'every figure covers the run until the signal, and every descriptor submitted completed',
    );
  }

  const dev = new Table({
    ...plain,
    head: ['device', 'op', 'pasid', 'ops', 'ops/s', 'GB/s', 'p50', 'p90', 'p99', 'p99.9', 'max', 'devTLB hit'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  });
  for (const d of r.devices) {
    const lookups = d.devtlb.hits + d.devtlb.misses;
    const l = d.latencyNs;
    dev.push([
      d.id, 'all', String(d.pasid), formatCount(d.ops), formatRate(d.opsPerSec), formatGBps(d.bytesPerSec),
      formatNs(l.p50), formatNs(l.p90), formatNs(l.p99), formatNs(l.p999), formatNs(l.max),
      lookups > 0 ? formatPercent(d.devtlb.hits / lookups) : '-',
    ]);
    for (const [op, o] of Object.entries(d.byOp)) {
      const ol = o.latencyNs;
      dev.push([
        '', op, '', formatCount(o.ops), formatRate(o.ops / (d.elapsedNs / 1e9)), formatGBps(o.bytes / (d.elapsedNs / 1e9)),
        formatNs(ol.p50), formatNs(ol.p90), formatNs(ol.p99), formatNs(ol.p999), formatNs(ol.max), '',
      ]);
    }
  }
  const t = r.totals.latencyNs;
  dev.push([
    'total', 'all', '', formatCount(r.totals.ops), formatRate(r.totals.opsPerSec), formatGBps(r.totals.bytesPerSec),
    formatNs(t.p50), formatNs(t.p90), formatNs(t.p99), formatNs(t.p999), formatNs(t.max), '',
  ]);
  lines.push(dev.toString());

  const mmu = new Table({
    ...plain,
    head: ['iommu', 'type', 'IOTLB', 'hits', 'misses', 'hit rate', 'walks', 'walk refs'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right'],
  });
  for (const m of r.iommus) {
    mmu.push([
      m.id, m.type, `${m.iotlb.entries}×${m.iotlb.entries / m.iotlb.ways === 1 ? 'FA' : `${m.iotlb.ways}w`}`,
      formatCount(m.iotlb.hits), formatCount(m.iotlb.misses), formatPercent(m.iotlb.hitRate),
      formatCount(m.walks), formatCount(m.walkRefs),
    ]);
  }
  lines.push(mmu.toString());

  const stage2Churn = (r.guests?.vms ?? []).some((v) => v.stage2.changes > 0);
  if (r.invalidation && !(stage2Churn && r.invalidation.events === 0)) {
    const inv = r.invalidation;
    const t = new Table({
      ...plain,
      head: ['invalidation', 'events', 'submissions', 'IOTLB desc', 'devTLB desc', 'p50', 'p99', 'max', 'total time'],
      colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    });
    t.push([
      `${inv.strategy} (${inv.platform})`, formatCount(inv.events), formatCount(inv.submissions),
      formatCount(inv.descriptors.iotlb), formatCount(inv.descriptors.devtlb),
      formatNs(inv.latencyNs.p50), formatNs(inv.latencyNs.p99), formatNs(inv.latencyNs.max), formatNs(inv.totalNs),
    ]);
    for (const m of r.iommus) {
      if (!m.invalidation) continue;
      const mi = m.invalidation;
      t.push([
        `  ${m.id}`, '', formatCount(mi.submissions), formatCount(mi.descriptors.iotlb), formatCount(mi.descriptors.devtlb),
        formatNs(mi.latencyNs.p50), formatNs(mi.latencyNs.p99), formatNs(mi.latencyNs.max), '',
      ]);
    }
    lines.push(t.toString());
    const byOp = Object.entries(inv.eventsByOp).map(([op, n]) => `${op} ${formatCount(n)}`).join(', ');
    lines.push(
      `churn: ${byOp}; ${formatCount(inv.pagesChanged)} pages changed, ${formatCount(inv.framesFreed)} frames freed, ` +
        `${formatCount(r.memory.framesReused)} frame allocations reused a freed frame`,
    );
    if (inv.lateChanges) {
      lines.push(
        `churn could not keep pace: ${formatCount(inv.lateChanges)} of ${formatCount(inv.changes ?? inv.events)} changes started late, ` +
          `${formatNs(inv.lateNs ?? 0)} behind schedule in total`,
      );
    }
  }

  for (const d of r.devices) lines.push(...queueLines(d), ...compressionLines(d));
  for (const v of r.guests?.vms ?? []) lines.push(...guestLines(v));
  for (const g of r.guests?.groups ?? []) {
    const shared = g.attachments.map((a) => `PASID ${a.pasid} (${a.domain}${a.process ? `, ${a.process}` : ''}) bound by ${a.boundBy}, attached to ${a.devices.join(', ')}`).join('; ');
    lines.push(`IOMMU group ${g.name} (${g.devices.join(', ')}): ${shared || 'no shared attachment'}`);
  }
  if (r.guests && (r.guests.pageRequestsForwarded > 0 || r.guests.stage2Faults > 0)) {
    lines.push(`guest page requests: ${formatCount(r.guests.pageRequestsForwarded)} forwarded to the guest (stage 1), ${formatCount(r.guests.stage2Faults)} answered by the host (stage 2)`);
  }

  const lc = r.lifecycle;
  if (lc) {
    const events = lc.events.map((e) => `${e.kind} ${e.target} (PASID ${e.pasid}) at ${formatNs(e.startNs)}`).join(', ');
    lines.push(
      `lifecycle: ${events}; ${formatCount(lc.pasidStops)} PASID stops; teardown ${formatCount(lc.teardown.submissions)} submissions (${formatCount(lc.teardown.descriptors.total)} descriptors, ` +
        `${formatNs(lc.teardown.totalNs)}), drain ${formatCount(lc.drain.submissions)} submissions (${formatCount(lc.drain.descriptors.total)} descriptors, ${formatNs(lc.drain.totalNs)})`,
    );
  }

  for (const k of r.kernelClients ?? []) {
    const parts = [`${formatCount(k.buffers)} buffers`];
    if (k.maps > 0 || k.unmaps > 0) parts.push(`${formatCount(k.maps)} maps, ${formatCount(k.unmaps)} unmaps`);
    parts.push(
      `${formatCount(k.invalidation.submissions)} invalidation submissions (${formatCount(k.invalidation.iotlbDescriptors)} IOTLB, ${formatCount(k.invalidation.devtlbDescriptors)} device-TLB descriptors)`,
    );
    if (k.flushQueue) {
      parts.push(`flush queue: ${formatCount(k.flushQueue.flushesFull)} flushes when full, ${formatCount(k.flushQueue.flushesTimeout)} by timeout`);
    }
    if (k.staleWindowNs) parts.push(`stale window p50 ${formatNs(k.staleWindowNs.p50)}, max ${formatNs(k.staleWindowNs.max)}`);
    if (k.iova) parts.push(`IOVA magazines ${formatCount(k.iova.hits)} hits, ${formatCount(k.iova.misses)} misses`);
    if (k.syncs > 0) parts.push(`${formatCount(k.syncs)} cache syncs`);
    if (k.mapLatencyNs && k.maps > 0) {
      parts.push(
        `map ${formatNs(k.mapLatencyNs.mean)} ± ${formatNs(k.mapLatencyNs.stddev)}, unmap ${formatNs(k.unmapLatencyNs!.mean)} ± ${formatNs(k.unmapLatencyNs!.stddev)} (mean ± sd)`,
      );
    }
    if (k.latencyNs) parts.push(`buffer with map and unmap p50 ${formatNs(k.latencyNs.p50)}, p99 ${formatNs(k.latencyNs.p99)}`);
    parts.push(`client CPU ${formatNs(k.cpuNs)}`);
    parts.push(`reachable ${formatBytes(k.exposure.reachableBytes)} for ${formatBytes(k.exposure.peakBufferBytes)} of buffers at most in flight`);
    const who = k.id === undefined || k.id === k.device ? k.device : `${k.id} on ${k.device}`;
    lines.push(`kernel client ${who} (${k.mode}): ${parts.join('; ')}`);
  }

  const f = r.faults;
  if (f.pageRequests > 0 || f.partialCompletions > 0 || (f.stopMarkers ?? 0) > 0) {
    const parts = [];
    if (f.pageRequests > 0) {
      parts.push(
        `${formatCount(f.pageRequests)} page requests in ${formatCount(f.groups)} groups ` +
          `(success ${formatCount(f.responses.success)}, invalid ${formatCount(f.responses.invalid)}, failure ${formatCount(f.responses.failure)}), ` +
          `${formatCount(f.pagesPopulated)} pages populated, PRQ high-water ${formatCount(f.prqHighWater)}, overflows ${formatCount(f.prqOverflows)}` +
          (f.stopMarkers ? `, ${formatCount(f.stopMarkers)} stop markers dropped (no response)` : ''),
      );
    }
    if (f.partialCompletions > 0) {
      parts.push(
        `${formatCount(f.partialCompletions)} partial completions, touches ok ${formatCount(f.touches.ok)} / failed ${formatCount(f.touches.failed)}`,
      );
    }
    lines.push(`faults: ${parts.join('; ')}`);
    const fl = f.latencyNs.faulted;
    const cl = f.latencyNs.clean;
    lines.push(
      `  descriptor latency: faulted (${formatCount(f.faultedOps)}) p50 ${formatNs(fl.p50)} p99 ${formatNs(fl.p99)}; ` +
        `clean p50 ${formatNs(cl.p50)} p99 ${formatNs(cl.p99)}` +
        (f.pageRequests > 0
          ? `; fault service (request → response) p50 ${formatNs(f.serviceLatencyNs.p50)} p99 ${formatNs(f.serviceLatencyNs.p99)}`
          : ''),
    );
  }

  const statuses = Object.entries(r.totals.statuses)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s} ${formatCount(n)}`)
    .join(', ');
  lines.push(`completions: ${statuses || 'none'} (submitted ${formatCount(r.totals.submitted)})`);
  lines.push(
    `integrity: ${formatCount(r.integrity.checked)} sampled descriptors checked, ${formatCount(r.integrity.failed)} failed` +
      (r.integrity.skipped > 0 ? `, ${formatCount(r.integrity.skipped)} skipped (a mapping changed under them)` : ''),
  );
  if (r.memory.framesLeaked) {
    lines.push(`frame audit: ${formatCount(r.memory.framesLeaked)} data frame(s) owned by a process but mapped by none of its pages (leaked)`);
  }
  if (r.checker.enabled) {
    const isolation = r.checker.isolationBreaches;
    lines.push(
      `use-after-free checker: ${formatCount(r.checker.pagesChecked)} page copies checked, ` +
        `${formatCount(r.checker.violations)} violation(s)` +
        ((r.guests?.vms.length ?? 0) > 0 || (isolation ?? 0) > 0 ? `; isolation: ${formatCount(isolation ?? 0)} breach(es)` : ''),
    );
    const v = r.checker.firstViolation;
    if (v) {
      lines.push(
        `  first violation: device ${v.device}, PASID ${v.pasid}, address 0x${v.address.toString(16)} (frame ${v.pfn}: ` +
          `translation generation ${v.translationGeneration}, frame now ${v.frameGeneration}, found ${v.phase} the copy)`,
      );
    }
  } else {
    lines.push('use-after-free checker: off');
  }
  for (const d of r.devices) {
    const f = d.integrity.firstFailure;
    if (f) lines.push(`  first failure on ${d.id}: descriptor ${f.descriptor} (${f.op} at 0x${f.address.toString(16)}): ${f.detail}`);
  }
  return lines.join('\n');
}

/**
 * Which clock the figures are read on: modelled time states its virtual span, the wall time it
 * took and the slowdown; host timing says its figures are this machine's.
 */
function timingLine(t: RunResult['timing']): string {
  if (t.mode === 'host') return `timing host: figures are wall-clock time on this machine (wall ${formatNs(t.wallElapsedNs)})`;
  return (
    `timing modelled: figures are virtual time (${formatNs(t.virtualElapsedNs ?? 0)}), simulated in wall ${formatNs(t.wallElapsedNs)}` +
    (t.slowdown !== null ? `, slowdown ${formatRate(t.slowdown)}×` : '')
  );
}

type VmRow = NonNullable<RunResult['guests']>['vms'][number];

/** One VM: its binds, the guest kernel's invalidations and the host's share, nested walks, stage 2. */
function guestLines(v: VmRow): string[] {
  const b = v.binds;
  const head = `vm ${v.name} (${v.pasidTable} PASIDs, ${v.invalidationPath} invalidation; ${v.devices.join(', ') || 'no devices'})`;
  const parts = [
    `binds ${formatCount(b.pasidBinds)} (${formatCount(b.hostAttaches)} host attaches${b.deviceTableBinds > 0 ? `, ${formatCount(b.deviceTableBinds)} PASID-table binds` : ''}, ${formatCount(b.traps)} VM exits, ${formatNs(b.nsPerBind)} each)`,
  ];
  const i = v.invalidation;
  if (i) {
    parts.push(
      `guest invalidation ${formatCount(i.guestSubmissions)} submissions (${formatCount(i.guestDescriptors)} descriptors, ${formatNs(i.totalNs)}) → ` +
        `${formatCount(i.traps)} VM exits (${formatNs(i.trapNs)}), ${formatCount(i.hostSubmissions)} host replays`,
    );
  }
  const n = v.nested;
  if (n.walks > 0) {
    parts.push(`nested walks ${formatCount(n.walks)}, ${n.refsPerWalk.toFixed(1)} references each (stage-2 by step ${n.s2RefsByStep.map(formatCount).join('/')}; ${formatCount(n.s2CacheHits)} stage-2 walk-cache hits)`);
  }
  const s2 = v.stage2;
  if (s2.changes > 0) {
    parts.push(
      `stage 2: ${formatCount(s2.changes)} changes (${formatCount(s2.pages)} pages, ${formatCount(s2.framesFreed)} host frames freed), ${formatCount(s2.flushes)} flushes in ` +
        `${formatCount(s2.submissions)} submissions (${formatCount(s2.iotlbDescriptors)} IOTLB, ${formatCount(s2.devtlbWholeDescriptors)} whole device-TLB descriptors, ${formatNs(s2.totalNs)})`,
    );
  }
  if (s2.deviceFaults > 0 || s2.cpuFaults > 0) parts.push(`guest frames backed on touch: ${formatCount(s2.deviceFaults)} by devices, ${formatCount(s2.cpuFaults)} by the guest CPU`);
  return [`${head}: ${parts.join('; ')}`];
}

type DeviceRow = RunResult['devices'][number];

/** A device with several engines or a shared WQ: its queue, retries and submitters. */
function queueLines(d: DeviceRow): string[] {
  const shared = d.wq?.mode === 'shared';
  if (!shared && (d.engines ?? 1) <= 1) return [];
  const head = `${d.id}: ${d.engines ?? 1} engine(s), ${shared ? `shared WQ of ${d.wq!.entries}` : `dedicated WQ of ${d.wq?.entries ?? '?'}`}`;
  if (!shared) return [head];
  const subs = (d.submitters ?? []).map((s) => `${s.process} (PASID ${s.pasid}) ${formatCount(s.ops)} descriptors, ${formatCount(s.submitRetries)} retries${s.failed > 0 ? `, ${formatCount(s.failed)} failed` : ''}`);
  return [`${head}: ${formatCount(d.submitRetries)} ENQCMD retries; ${subs.join('; ')}`];
}

/** An IAA's compression ratios by op and mode (those that ran). */
function compressionLines(d: DeviceRow): string[] {
  const c = d.compression;
  if (!c) return [];
  const parts: string[] = [];
  const one = (what: string, f: { inputBytes: number; outputBytes: number; ratio: number }): void => {
    if (f.inputBytes > 0) parts.push(`${what} ${f.ratio.toFixed(2)}× (${formatBytes(f.inputBytes)} → ${formatBytes(f.outputBytes)})`);
  };
  one('compress fixed', c.compress.fixed);
  one('compress dynamic', c.compress.dynamic);
  one('compress-verify fixed', c.compressVerify.fixed);
  one('compress-verify dynamic', c.compressVerify.dynamic);
  one('decompress', c.decompress);
  return parts.length > 0 ? [`${d.id} compression: ${parts.join('; ')}`] : [];
}
