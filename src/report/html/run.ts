/**
 * The HTML report of one run (`run --html`, `dmaload report r.json`): summary cards; the device
 * table with a row per op; completion statuses; latency percentile plots (all devices, then one
 * per device with a series per op, corrected and uncorrected for open loop); throughput and p99
 * over time; IOMMUs; invalidation, page faults, integrity and the checker; memory.
 * Renders results written by older dmaload too: without histograms or intervals, the plots that
 * need them are replaced by a note.
 */

import { formatBytes, formatBytesPerSec, formatCount, formatGBps, formatNs, formatPercent, formatRate, NO_VALUE } from '../../common/units.js';
import type { DeviceResult, StoredRunResult } from '../../run/result.js';
import { badIfAny, type Cell, card, escapeHtml, jsonPre, kv, LAT_HEAD, latCells, note, numCell, PCT_NOTE, plotDiv, row, table } from './blocks.js';
import { color, curve } from './curves.js';
import type { PlotSeries, PlotSpec, ReportData } from './data.js';
import { page } from './page.js';

function loopText(d: DeviceResult): string {
  if (d.loop !== 'open') return 'closed';
  const rate = d.targetOpsPerSec !== null ? ` @ ${formatRate(d.targetOpsPerSec)}/s` : '';
  return `open${rate}${d.arrival ? ` ${d.arrival}` : ''}`;
}

/** Percentile plots for a run: a total plot (total + each device), then one per device. */
function runPercentilePlots(r: StoredRunResult, prefix = 'pct'): PlotSpec[] {
  const hs = r.histograms;
  const plots: PlotSpec[] = [];
  const total: PlotSeries[] = [];
  const t = curve(hs?.total);
  if (t) total.push({ name: 'all devices', color: '#1d2330', width: 2.5, dash: false, count: t.count, points: t.points });
  r.devices.forEach((d, i) => {
    const c = curve(hs?.devices?.[d.id]);
    if (c) total.push({ name: d.id, color: color(i), width: 1.5, dash: false, count: c.count, points: c.points });
  });
  plots.push({ id: `${prefix}-total`, kind: 'percentile', title: 'DMA latency by percentile, all devices', yUnit: 'ns', device: null, series: total });

  r.devices.forEach((d, i) => {
    const series: PlotSeries[] = [];
    const all = curve(hs?.devices?.[d.id]);
    const open = d.loop === 'open';
    if (all) {
      series.push({ name: open ? 'all ops (corrected)' : 'all ops', color: color(0), width: 2.5, dash: false, count: all.count, points: all.points });
    }
    if (open) {
      const u = curve(hs?.uncorrected?.[d.id]);
      if (u) series.push({ name: 'all ops (uncorrected)', color: color(0), width: 2, dash: true, count: u.count, points: u.points });
    }
    const ops = hs?.byOp?.[d.id] ?? {};
    const opNames = Object.keys(d.byOp).length > 0 ? Object.keys(d.byOp) : Object.keys(ops);
    opNames.forEach((op, k) => {
      const c = curve(ops[op]);
      if (c) series.push({ name: op, color: color(k + 1), width: 1.5, dash: false, count: c.count, points: c.points });
    });
    plots.push({
      id: `${prefix}-dev-${i}`,
      kind: 'percentile',
      title: `${d.id}: latency by percentile${open ? ' (open loop: corrected and uncorrected)' : ''}`,
      yUnit: 'ns',
      device: d.id,
      series,
    });
  });
  return plots;
}

/** Throughput (ops/s, GB/s) and p99 over time, one series per device. */
function runTimePlots(r: StoredRunResult): PlotSpec[] {
  const points = r.intervals?.points ?? [];
  if (points.length === 0) return [];
  const per = (get: (p: (typeof points)[number]['devices'][number]) => number | null): PlotSeries[] =>
    r.devices.map((d, i) => ({
      name: d.id,
      color: color(i),
      width: 1.75,
      dash: false,
      points: points.map((p): [number, number | null] => {
        const e = p.devices.find((x) => x.id === d.id);
        return [p.tS, e ? get(e) : null];
      }),
    }));
  return [
    { id: 'tp-ops', kind: 'time', title: 'Descriptors per second over time', yUnit: 'perSec', device: null, series: per((e) => e.opsPerSec) },
    { id: 'tp-bytes', kind: 'time', title: 'Throughput (bytes/s) over time', yUnit: 'bytesPerSec', device: null, series: per((e) => e.bytesPerSec) },
    { id: 'tp-p99', kind: 'time', title: 'p99 latency over time', yUnit: 'ns', device: null, series: per((e) => (e.ops > 0 ? e.p99 : null)) },
  ];
}

function statusTable(r: StoredRunResult): string {
  const names = Object.keys(r.totals.statuses);
  const shown = names.filter((n) => n === 'success' || (r.totals.statuses[n] ?? 0) > 0);
  const rows: Cell[][] = shown.map((n) => {
    const bad = n !== 'success' && (r.totals.statuses[n] ?? 0) > 0;
    return [
      n,
      ...r.devices.map((d) => numCell(formatCount(d.statuses[n] ?? 0))),
      numCell(formatCount(r.totals.statuses[n] ?? 0), bad ? 'num bad' : 'num'),
    ];
  });
  const hidden = names.length - shown.length;
  return (
    table(['status', ...r.devices.map((d) => d.id), 'total'], rows) +
    (hidden > 0 ? note(`${hidden} other status(es) with a count of 0 are not shown.`) : '')
  );
}

function deviceTable(r: StoredRunResult): string {
  const rows: string[] = [];
  for (const d of r.devices) {
    const lookups = d.devtlb.hits + d.devtlb.misses;
    rows.push(
      row([
        d.id, loopText(d), d.iommu, numCell(String(d.pasid)), d.attach,
        numCell(formatCount(d.ops)), numCell(formatRate(d.opsPerSec)), numCell(formatGBps(d.bytesPerSec)),
        ...latCells(d.latencyNs),
        numCell(lookups > 0 ? formatPercent(d.devtlb.hits / lookups) : NO_VALUE),
      ]),
    );
    if (d.latencyNsUncorrected) {
      rows.push(row(['uncorrected', '', '', '', '', '', '', '', ...latCells(d.latencyNsUncorrected), ''], 'sub'));
    }
    const secs = d.elapsedNs / 1e9;
    for (const [op, o] of Object.entries(d.byOp)) {
      rows.push(
        row([
          op, '', '', '', '',
          numCell(formatCount(o.ops)), numCell(secs > 0 ? formatRate(o.ops / secs) : NO_VALUE), numCell(secs > 0 ? formatGBps(o.bytes / secs) : NO_VALUE),
          ...latCells(o.latencyNs), '',
        ], 'sub'),
      );
    }
  }
  const t = r.totals;
  rows.push(row(['total', '', '', '', '', numCell(formatCount(t.ops)), numCell(formatRate(t.opsPerSec)), numCell(formatGBps(t.bytesPerSec)), ...latCells(t.latencyNs), ''], 'total'));
  const head = ['device / op', 'loop', 'iommu', 'pasid', 'attach', 'ops', 'ops/s', 'GB/s', ...LAT_HEAD, 'devTLB hit'];
  const thead = `<thead><tr>${head.map((h, i) => `<th${i >= 5 ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
  return `<div class="table-wrap"><table class="devices">${thead}<tbody>${rows.join('')}</tbody></table></div>`;
}

function iommuTable(r: StoredRunResult): string {
  if (r.iommus.length === 0) return note('No IOMMUs.');
  return table(
    ['iommu', 'type', 'IOTLB', 'hits', 'misses', 'hit rate', 'walks', 'walk refs'],
    r.iommus.map((m) => [
      m.id, m.type, numCell(`${m.iotlb.entries}×${m.iotlb.ways > 0 && m.iotlb.entries / m.iotlb.ways === 1 ? 'FA' : `${m.iotlb.ways}w`}`),
      m.iotlb.hits, m.iotlb.misses, numCell(formatPercent(m.iotlb.hitRate)), m.walks, m.walkRefs,
    ]),
  );
}

function invalidationSection(r: StoredRunResult): string {
  const inv = r.invalidation;
  if (!inv) return `<h2 id="invalidation">Invalidation</h2>${note('No churn in this profile: no invalidation.')}`;
  const parts: string[] = ['<h2 id="invalidation">Invalidation</h2>'];
  parts.push('<div class="grid2">');
  parts.push(
    `<div><h3>Summary</h3>${kv([
      ['strategy', inv.strategy],
      ['platform', inv.platform],
      ['range encoding', inv.rangeEncoding],
      ['notifier calls by', inv.arch ?? '—'],
      ['batch size', inv.batchSize],
      ['changes', inv.changes ?? '—'],
      ['notifier events', inv.events],
      ['submissions', inv.submissions],
      ['whole-PASID flushes', inv.wholePasidFlushes],
      ['pages changed', inv.pagesChanged],
      ['frames freed', inv.framesFreed],
      ['total invalidation time', numCell(formatNs(inv.totalNs))],
    ])}</div>`,
  );
  parts.push(
    `<div><h3>Descriptors by type</h3>${table(['type', 'count'], [
      ['IOTLB', inv.descriptors.iotlb],
      ['device-TLB', inv.descriptors.devtlb],
      [{ html: '<b>total</b>' }, inv.descriptors.total],
    ])}<h3>Events by change kind</h3>${
      Object.keys(inv.eventsByOp).length > 0
        ? table(['change', 'events'], Object.entries(inv.eventsByOp).map(([k, v]) => [k, v]))
        : note('none')
    }</div>`,
  );
  parts.push('</div>');
  parts.push('<h3>Latency per notifier event (start to all submissions done)</h3>');
  parts.push(table(['', ...LAT_HEAD], [['all IOMMUs', ...latCells(inv.latencyNs)]]));
  const mm = r.iommus.filter((m) => m.invalidation);
  if (mm.length > 0) {
    parts.push('<h3>Per IOMMU</h3>');
    parts.push(
      table(
        ['iommu', 'submissions', 'IOTLB desc', 'devTLB desc', 'total desc', ...LAT_HEAD],
        mm.map((m) => {
          const mi = m.invalidation!;
          return [m.id, mi.submissions, mi.descriptors.iotlb, mi.descriptors.devtlb, mi.descriptors.total, ...latCells(mi.latencyNs)];
        }),
      ),
    );
  }
  parts.push('<h3>Device-TLB invalidations applied</h3>');
  parts.push(table(['device', 'applied'], r.devices.map((d) => [d.id, d.devtlbInvalidationsApplied])));
  return parts.join('\n');
}

function faultsPresent(r: StoredRunResult): boolean {
  const f = r.faults;
  if (!f) return false;
  return f.pageRequests + f.faultedOps + f.prqOverflows + f.partialCompletions + f.touches.ok + f.touches.failed > 0;
}

function faultsSection(r: StoredRunResult): string {
  const f = r.faults;
  if (!faultsPresent(r)) return `<h2 id="faults">Page faults</h2>${note('No page requests in this run.')}`;
  const parts: string[] = ['<h2 id="faults">Page faults</h2>', '<div class="grid2">'];
  parts.push(
    `<div><h3>Summary</h3>${kv([
      ['page requests', f.pageRequests],
      ['page request groups', f.groups],
      ['pages populated by the kernel', f.pagesPopulated],
      ['descriptors that faulted', f.faultedOps],
      ['partial completions', f.partialCompletions],
      ['PRQ high-water', f.prqHighWater],
      ['PRQ overflows', badIfAny(f.prqOverflows)],
      ['touches ok', f.touches.ok],
      ['touches failed', badIfAny(f.touches.failed)],
    ])}</div>`,
  );
  parts.push(
    `<div><h3>Responses by code</h3>${table(['response', 'count'], [
      ['success', f.responses.success],
      ['invalid', badIfAny(f.responses.invalid)],
      ['failure', badIfAny(f.responses.failure)],
    ])}</div>`,
  );
  parts.push('</div>');
  parts.push('<h3>Latency</h3>');
  parts.push(
    table(
      ['', ...LAT_HEAD],
      [
        ['DMA, descriptors that faulted', ...latCells(f.latencyNs.faulted)],
        ['DMA, clean descriptors', ...latCells(f.latencyNs.clean)],
        ['kernel fault service (request → response)', ...latCells(f.serviceLatencyNs)],
      ],
    ),
  );
  parts.push('<h3>Per device</h3>');
  parts.push(
    table(
      ['device', 'page requests', 'groups', 'success', 'invalid', 'failure', 'PRQ high-water', 'PRQ overflows', 'faulted ops', 'faulted p99', 'clean p99'],
      r.devices.map((d) => [
        d.id, d.faults.pageRequests, d.faults.groups, d.faults.responses.success, d.faults.responses.invalid, d.faults.responses.failure,
        d.faults.prqHighWater, d.faults.prqOverflows, d.faults.faultedOps,
        numCell(formatNs(d.faults.latencyNs.faulted.p99)), numCell(formatNs(d.faults.latencyNs.clean.p99)),
      ]),
    ),
  );
  parts.push('<h3>Per IOMMU</h3>');
  parts.push(
    table(
      ['iommu', 'page requests', 'PRQ entries', 'PRQ high-water', 'PRQ overflows'],
      r.iommus.map((m) => [m.id, m.faults.pageRequests, m.faults.prqEntries, m.faults.prqHighWater, m.faults.prqOverflows]),
    ),
  );
  return parts.join('\n');
}

function integritySection(r: StoredRunResult): string {
  const parts: string[] = ['<h2 id="integrity">Integrity and checker</h2>', '<div class="grid2">'];
  parts.push(
    `<div><h3>Data integrity sampler</h3>${kv([
      ['descriptors checked', r.integrity.checked],
      ['failed', badIfAny(r.integrity.failed)],
      ['skipped', r.integrity.skipped],
    ])}</div>`,
  );
  parts.push(
    `<div><h3>Stale-translation checker</h3>${kv([
      ['enabled', r.checker.enabled ? 'yes' : 'no'],
      ['pages checked', r.checker.pagesChecked],
      ['violations', badIfAny(r.checker.violations)],
    ])}</div>`,
  );
  parts.push('</div>');
  parts.push(
    table(
      ['device', 'integrity checked', 'failed', 'skipped', 'compare mismatches', 'checker pages', 'violations'],
      r.devices.map((d) => [
        d.id, d.integrity.checked,
        badIfAny(d.integrity.failed),
        d.integrity.skipped, d.compareMismatches, d.checker.pagesChecked,
        badIfAny(d.checker.violations),
      ]),
    ),
  );
  if (r.checker.firstViolation) parts.push(`<h3>First checker violation</h3>${jsonPre(r.checker.firstViolation)}`);
  for (const d of r.devices) {
    if (d.integrity.firstFailure) parts.push(`<h3>First integrity failure on ${escapeHtml(d.id)}</h3>${jsonPre(d.integrity.firstFailure)}`);
  }
  return parts.join('\n');
}

function summaryCards(r: StoredRunResult): string {
  const t = r.totals;
  const l = t.latencyNs;
  const bad = Object.entries(t.statuses).filter(([k, v]) => k !== 'success' && v > 0).reduce((s, [, v]) => s + v, 0);
  return `<div class="cards">${[
    card('descriptors', formatCount(t.ops)),
    card('descriptors/s', `${formatRate(t.opsPerSec)}/s`),
    card('throughput', formatBytesPerSec(t.bytesPerSec)),
    card('p50', formatNs(l.p50)),
    card('p99', formatNs(l.p99)),
    card('p99.9', formatNs(l.p999)),
    card('max', formatNs(l.max)),
    card('non-success completions', formatCount(bad), bad > 0 ? 'bad' : ''),
    card('checker violations', formatCount(r.checker.violations), r.checker.violations > 0 ? 'bad' : ''),
    card('integrity failures', formatCount(r.integrity.failed), r.integrity.failed > 0 ? 'bad' : ''),
  ].join('')}</div>`;
}

/**
 * Work queues, engines and compression: per device with several engines or a shared WQ, its
 * submitters (PASID, descriptors, ENQCMD retries); per IAA, the ratio by op and mode. Empty without.
 */
function queuesSection(r: StoredRunResult): string {
  const out: string[] = [];
  const queued = r.devices.filter((d) => d.wq?.mode === 'shared' || (d.engines ?? 1) > 1);
  if (queued.length > 0) {
    out.push('<h2 id="queues">Work queues and engines</h2>');
    for (const d of queued) {
      out.push(`<h3>${escapeHtml(d.id)}: ${escapeHtml(d.engines ?? 1)} engine(s), ${escapeHtml(d.wq?.mode ?? 'dedicated')} WQ of ${escapeHtml(d.wq?.entries ?? '?')} (${formatCount(d.submitRetries)} ENQCMD retries)</h3>`);
      if ((d.submitters ?? []).length > 0) {
        out.push(table(['submitter', 'PASID', 'descriptors', 'bytes', 'retries', 'failed'], d.submitters!.map((s) => [s.process, s.pasid, s.ops, s.bytes, s.submitRetries, badIfAny(s.failed)])));
      }
    }
  }
  const iaa = r.devices.filter((d) => d.compression);
  if (iaa.length > 0) {
    out.push('<h2 id="compression">Compression (IAA)</h2>');
    const rows: Cell[][] = [];
    for (const d of iaa) {
      const c = d.compression!;
      const add = (op: string, f: { inputBytes: number; outputBytes: number; ratio: number }) => {
        if (f.inputBytes > 0) rows.push([d.id, op, f.inputBytes, f.outputBytes, numCell(`${f.ratio.toFixed(2)}×`)]);
      };
      add('compress, fixed', c.compress.fixed);
      add('compress, dynamic', c.compress.dynamic);
      add('compress-verify, fixed', c.compressVerify.fixed);
      add('compress-verify, dynamic', c.compressVerify.dynamic);
      add('decompress', c.decompress);
    }
    out.push(table(['device', 'op and mode', 'source bytes', 'output bytes', 'ratio'], rows));
  }
  return out.join('\n');
}

/**
 * VMs and IOMMU groups (a result with guests): per VM its PASID-table mode and invalidation
 * path, binds, the guest kernel's invalidations and the host's share, nested walks by stage-1
 * step, stage-2 changes and their flushes; per group its shared attachments. Empty without.
 */
function guestsSection(r: StoredRunResult): string {
  const g = r.guests;
  if (!g || (g.vms.length === 0 && g.groups.length === 0)) return '';
  const out: string[] = ['<h2 id="guests">Guests and IOMMU groups</h2>'];
  out.push(
    note(
      'A device assigned to a VM walks the guest\'s stage-1 table with every table access translated by the VM\'s stage-2 table: ' +
        'a cold walk of 4 levels over 4 reads 24 entries (4 stage-1, 5 × 4 stage-2); the stage-2 walk cache makes warm walks cheaper. ' +
        'Guest invalidations trap (a VM exit and the vIOMMU\'s emulation, then the host\'s replay) or go direct (a virtual command queue).',
    ),
  );
  for (const v of g.vms) {
    const rows: [string, string | number][] = [
      ['PASID table · invalidation path', `${v.pasidTable} · ${v.invalidationPath}`],
      ['devices · processes', `${v.devices.join(', ') || '-'} · ${v.processes.join(', ') || '-'}`],
      ['guest RAM · host frames behind it', `${formatBytes(v.memoryBytes)} · ${formatCount(v.hostFramesBacked)}`],
      ['binds (host attaches, PASID-table binds, VM exits)', `${formatCount(v.binds.pasidBinds)} (${formatCount(v.binds.hostAttaches)}, ${formatCount(v.binds.deviceTableBinds)}, ${formatCount(v.binds.traps)}), ${formatNs(v.binds.nsPerBind)} each`],
    ];
    const i = v.invalidation;
    if (i) {
      rows.push(
        ['guest submissions · descriptors · time', `${formatCount(i.guestSubmissions)} · ${formatCount(i.guestDescriptors)} · ${formatNs(i.totalNs)}`],
        ['VM exits · their time', `${formatCount(i.traps)} · ${formatNs(i.trapNs)}`],
        ["host's replayed submissions · descriptors", `${formatCount(i.hostSubmissions)} · ${formatCount(i.hostDescriptors)}`],
      );
    }
    const n = v.nested;
    rows.push(
      ['nested walks · references per walk', `${formatCount(n.walks)} · ${n.refsPerWalk.toFixed(2)}`],
      ['stage-2 references by stage-1 step (L4, L3, L2, L1 tables, page)', n.s2RefsByStep.map(formatCount).join(' · ')],
      ['stage-1 references · stage-2 walk-cache hits', `${formatCount(n.s1Refs)} · ${formatCount(n.s2CacheHits)}`],
    );
    const s2 = v.stage2;
    if (s2.changes > 0) {
      rows.push(
        ['stage-2 changes · pages · host frames freed', `${formatCount(s2.changes)} · ${formatCount(s2.pages)} · ${formatCount(s2.framesFreed)}`],
        ['stage-2 flushes · submissions · time', `${formatCount(s2.flushes)} · ${formatCount(s2.submissions)} · ${formatNs(s2.totalNs)}`],
        ['IOTLB · whole device-TLB descriptors', `${formatCount(s2.iotlbDescriptors)} · ${formatCount(s2.devtlbWholeDescriptors)}`],
      );
    }
    rows.push(['guest frames backed on touch (devices · guest CPU)', `${formatCount(s2.deviceFaults)} · ${formatCount(s2.cpuFaults)}`]);
    out.push(`<h3>VM ${escapeHtml(v.name)}</h3>`, kv(rows));
  }
  if (g.vms.length > 0) {
    out.push(kv([['page requests forwarded to a guest · answered by the host at stage 2', `${formatCount(g.pageRequestsForwarded)} · ${formatCount(g.stage2Faults)}`]]));
  }
  for (const grp of g.groups) {
    out.push(`<h3>IOMMU group ${escapeHtml(grp.name)} (${escapeHtml(grp.devices.join(', '))})</h3>`);
    out.push(table(['PASID', 'domain', 'process', 'bound by', 'attached to'], grp.attachments.map((a) => [a.pasid, a.domain, a.process ?? '-', a.boundBy, a.devices.join(', ')])));
  }
  return out.join('\n');
}

/** The whole report, one self-contained HTML document. */
export function renderRunReport(r: StoredRunResult): string {
  const pctPlots = runPercentilePlots(r);
  const timePlots = runTimePlots(r);
  const hasHist = pctPlots.some((p) => p.series.length > 0);
  const body: string[] = [];
  body.push(`<header><h1>dmaload run report: ${escapeHtml(r.profile)}</h1>`);
  body.push(
    `<p class="meta">seed <b>${escapeHtml(r.seed)}</b> · elapsed <b>${escapeHtml(formatNs(r.elapsedNs))}</b>` +
      (r.durationS !== null ? ` (asked ${escapeHtml(r.durationS)} s)` : '') +
      (r.timing.mode === 'modelled'
        ? ` · timing <b>modelled</b> (virtual time; simulated in ${escapeHtml(formatNs(r.timing.wallElapsedNs))} of wall` +
          (r.timing.slowdown !== null ? `, slowdown ${escapeHtml(r.timing.slowdown.toFixed(1))}×` : '') +
          ')'
        : ' · timing <b>host</b> (wall clock of this machine)') +
      ` · <b>${r.devices.length}</b> device(s) · <b>${r.iommus.length}</b> IOMMU(s)` +
      (r.invalidation ? ` · strategy <b>${escapeHtml(r.invalidation.strategy)}</b> on <b>${escapeHtml(r.invalidation.platform)}</b>` : '') +
      ` · result format ${escapeHtml(r.formatVersion)}</p></header>`,
  );
  body.push(summaryCards(r));
  body.push('<h2 id="devices">Devices</h2>', deviceTable(r));
  body.push('<h3>Completion statuses</h3>', statusTable(r));
  body.push('<h2 id="latency">Latency percentiles</h2>');
  if (hasHist) {
    body.push(PCT_NOTE, ...pctPlots.map(plotDiv));
  } else {
    body.push(note('This result carries no latency histograms (older result format?): no percentile plots.'));
  }
  body.push('<h2 id="time">Over time</h2>');
  if (r.intervals && timePlots.length > 0) {
    body.push(`<p class="plots-note">Per interval of ${escapeHtml(r.intervals.intervalS)} s (merged intervals are longer).</p>`, ...timePlots.map(plotDiv));
  } else {
    body.push(note('This result carries no per-interval data.'));
  }
  body.push('<h2 id="iommus">IOMMUs</h2>', iommuTable(r));
  body.push(invalidationSection(r));
  body.push(faultsSection(r));
  body.push(integritySection(r));
  body.push(queuesSection(r));
  body.push(guestsSection(r));
  for (const k of r.kernelClients ?? []) {
    body.push(
      `<h2 id="kernel-client-${escapeHtml(k.id ?? k.device)}">Kernel client ${k.id === undefined || k.id === k.device ? '' : `${escapeHtml(k.id)} `}on ${escapeHtml(k.device)} (${escapeHtml(k.mode)})</h2>`,
      kv([
        ['buffers', k.buffers],
        ...(k.opsPerSec !== undefined ? [['buffers/s · bytes/s', `${formatRate(k.opsPerSec)} · ${formatBytesPerSec(k.bytesPerSec)}`] as [string, string]] : []),
        ...(k.latencyNs ? [['buffer with map and unmap p50 / p99', `${formatNs(k.latencyNs.p50)} / ${formatNs(k.latencyNs.p99)}`] as [string, string]] : []),
        ...(k.mapLatencyNs && k.maps > 0
          ? [
              ['map mean ± sd', `${formatNs(k.mapLatencyNs.mean)} ± ${formatNs(k.mapLatencyNs.stddev)}`] as [string, string],
              ['unmap mean ± sd', `${formatNs(k.unmapLatencyNs.mean)} ± ${formatNs(k.unmapLatencyNs.stddev)}`] as [string, string],
            ]
          : []),
        ['maps / unmaps', `${formatCount(k.maps)} / ${formatCount(k.unmaps)}`],
        ['invalidation submissions', k.invalidation.submissions],
        ['IOTLB / device-TLB descriptors', `${formatCount(k.invalidation.iotlbDescriptors)} / ${formatCount(k.invalidation.devtlbDescriptors)}`],
        ...(k.flushQueue ? [['flushes when full / by timeout', `${formatCount(k.flushQueue.flushesFull)} / ${formatCount(k.flushQueue.flushesTimeout)}`] as [string, string]] : []),
        ...(k.staleWindowNs ? [['stale window p50 / max', `${formatNs(k.staleWindowNs.p50)} / ${formatNs(k.staleWindowNs.max)}`] as [string, string]] : []),
        ...(k.iova ? [['IOVA magazine hits / misses', `${formatCount(k.iova.hits)} / ${formatCount(k.iova.misses)}`] as [string, string]] : []),
        ['cache syncs', k.syncs],
        ['client CPU time', formatNs(k.cpuNs)],
        ['memory the device could reach', `${formatCount(k.exposure.reachableBytes)} bytes (buffers in flight at most ${formatCount(k.exposure.peakBufferBytes)})`],
      ]),
    );
  }
  if (r.memory) {
    body.push(
      '<h2 id="memory">Memory</h2>',
      kv([
        ['frames', r.memory.frames],
        ['free at end', r.memory.framesFree],
        ['freed', r.memory.framesFreed],
        ['reused', r.memory.framesReused],
        ...(r.memory.framesLeaked !== undefined ? [['leaked (owned, mapped nowhere)', r.memory.framesLeaked] as [string, number]] : []),
      ]),
    );
  }
  const data: ReportData = { kind: 'run', profile: r.profile, plots: hasHist ? [...pctPlots, ...timePlots] : timePlots };
  return page(`dmaload run: ${r.profile}`, body.join('\n'), data);
}
