/**
 * Cross-reference checks of a device's world (called by cross-checks.ts `crossCheck`): guests
 * and IOMMU groups (checkGuests), work queues, engines and submitters (checkQueues), and ops
 * against the device type and the data (checkOps). Same conventions as cross-checks.ts: every
 * problem has its path and a complete message.
 */

import { formatBytes } from '../common/units.js';
import { DSA_OPS, IAA_MAX_TRANSFER_BYTES, IAA_OPS } from '../layout/ops.js';
import { type Add, bytes, field, type Names, PAGE_TABLE_BYTES, type Parts, rawNames, uniqueNames } from './check-parts.js';
import type { Seg } from './problems.js';
import { DEFAULT_TIMING, type DeviceConfig, type ProcessConfig } from './types.js';

/**
 * Guests (design.md §8, kernel/vm.ts) and IOMMU groups:
 *   - VMs: unique names, modelled time, not with the `guest` platform preset (which stands for a
 *     whole system in a VM without nesting); guest processes' regions (and a page-table
 *     allowance each) fit their VM's RAM;
 *   - a guest process and a device assigned to a VM name a declared VM; a device of a VM is
 *     attached sva to a process of the same VM, or none, and has no kernel clients; a host
 *     device is not bound to a guest process; no lifecycle events on guests (not modelled);
 *   - `stealFrom`: on a guest process's region, naming another VM;
 *   - a stage-2 churn: on a guest process, with munmap and migrate only;
 *   - groups: members behind one IOMMU and in one VM (or all the host's); a multi-device group
 *     takes PASID attaches only (sva or none): Linux refuses `iommu_attach_device` of one device
 *     of a multi-device group (drivers/iommu/iommu.c, `list_count_nodes(&group->devices) != 1`);
 *     kernel clients and lifecycle events on its devices are not modelled.
 */
export function checkGuests(p: Parts, add: Add): void {
  const vms = p.vms ?? [];
  const vmNames = uniqueNames(vms.map((v) => v.raw), ['vms'], 'name', 'VM name', add);
  const devices = p.devices ?? [];
  const processes = p.processes ?? [];
  const anyGuest = vms.length > 0 || processes.some((x) => x.value?.vm !== undefined) || devices.some((x) => x.value?.vm !== undefined);
  const known = (name: string): boolean => vmNames.includes(name);
  const expectedVm = vmNames.length > 0 ? `one of: ${vmNames.join(', ')}` : 'the name of a VM listed under vms (there are none)';
  if (anyGuest) {
    if ((p.rawTiming ?? DEFAULT_TIMING) !== 'modelled') add(['vms'], 'a guest needs timing: modelled (nested translation and its traps are modelled costs); expected timing: modelled');
    const preset = typeof p.rawPlatform === 'string' ? p.rawPlatform : field(p.rawPlatform, 'preset');
    if (preset === 'guest') {
      add(['platform'], 'preset guest stands for a whole system inside a VM without nesting; with vms, expected preset native (each VM says its own invalidation path)');
    }
  }
  const procVm = new Map<string, string | undefined>();
  processes.forEach(({ value: proc }, i) => {
    if (!proc) return;
    procVm.set(proc.name, proc.vm);
    if (proc.vm !== undefined && !known(proc.vm)) add(['processes', i, 'vm'], `"${proc.vm}" names no VM; expected ${expectedVm}`);
    proc.regions.forEach((r, j) => {
      if (r.stealFrom === undefined) return;
      const at: Seg[] = ['processes', i, 'regions', j, 'stealFrom'];
      if (proc.vm === undefined) add(at, `region "${r.name}" of host process "${proc.name}"; expected stealFrom only on a guest process's region (processes[${i}].vm)`);
      else if (!known(r.stealFrom)) add(at, `"${r.stealFrom}" names no VM; expected ${expectedVm}`);
      else if (r.stealFrom === proc.vm) add(at, `"${r.stealFrom}" is the process's own VM; expected another VM`);
    });
  });
  vms.forEach(({ value: v }, i) => {
    if (!v) return;
    const guests = processes.map((x) => x.value).filter((x): x is ProcessConfig => x?.vm === v.name);
    const need = guests.reduce((sum, proc) => sum + PAGE_TABLE_BYTES + proc.regions.reduce((s2, r) => s2 + (r.stealFrom ? 0 : r.sizeBytes), 0), 0);
    if (need > v.memoryBytes) {
      add(['vms', i, 'memoryBytes'], `${bytes(v.memoryBytes)} is too small for its processes: they need about ${bytes(need)} (regions + page tables ${formatBytes(PAGE_TABLE_BYTES)} per process); expected at least ${bytes(need)}`);
    }
  });
  devices.forEach(({ value: d }, i) => {
    if (!d) return;
    if (d.vm !== undefined && !known(d.vm)) add(['devices', i, 'vm'], `"${d.vm}" names no VM; expected ${expectedVm}`);
    const attachVm = d.attach.type === 'sva' ? procVm.get(d.attach.process) : undefined;
    // A process of an unknown VM is reported at the process (no cascade here).
    if (attachVm !== undefined && !known(attachVm)) return;
    if (d.vm !== undefined) {
      if (d.attach.type !== 'sva' && d.attach.type !== 'none') {
        add(['devices', i, 'attach', 'type'], `"${d.attach.type}" on device ${d.id}, assigned to vm ${d.vm}; expected sva (a process of ${d.vm}) or none — a guest's other attaches are not modelled`);
      } else if (d.attach.type === 'sva' && procVm.has(d.attach.process) && attachVm !== d.vm) {
        add(['devices', i, 'attach', 'process'], `process "${d.attach.process}" runs ${attachVm ? `in vm ${attachVm}` : 'on the host'}, device ${d.id} is assigned to vm ${d.vm}; expected a process of vm ${d.vm}`);
      }
      if (d.kernelClients.length > 0) add(['devices', i, 'kernelClients'], `device ${d.id} is assigned to vm ${d.vm}; expected no kernel clients (a guest's kernel clients are not modelled)`);
    } else if (attachVm !== undefined) {
      add(['devices', i, 'vm'], `missing; device ${d.id} is bound to process "${d.attach.type === 'sva' ? d.attach.process : ''}" of vm ${attachVm}; expected vm: ${attachVm} (a device reaches a guest's memory only when assigned to its VM)`);
    }
  });
  for (const [i, e] of (p.lifecycle ?? []).entries()) {
    if (!e.value) continue;
    const ev = e.value;
    const d = ev.kind === 'exit' ? undefined : devices.find((x) => x.value?.id === ev.device)?.value;
    const guest = ev.kind === 'exit' ? procVm.get(ev.process) !== undefined : d?.vm !== undefined;
    const grouped = d?.group !== undefined && devices.filter((x) => x.value?.group === d.group).length > 1;
    if (guest) add(['lifecycle', i], 'an event on a guest process or a device assigned to a VM; expected events on the host only (a guest\'s lifecycle is not modelled)');
    else if (grouped) add(['lifecycle', i], `an event on device ${d!.id} of multi-device group "${d!.group}"; expected events on devices alone in their group (not modelled)`);
  }
  const churn = p.churn;
  if (churn?.process.ok && churn.region.ok) {
    const processName = churn.process.value;
    const regionName = churn.region.value;
    const region = processes.find((x) => x.value?.name === processName)?.value?.regions.find((r) => r.name === regionName);
    if (region?.stealFrom !== undefined) add(['churn', 'region'], `"${regionName}" maps another VM's memory (stealFrom); expected a region of the process's own memory`);
  }
  if (churn?.stage.ok && churn.stage.value === 2) {
    const processName = churn.process.ok ? churn.process.value : undefined;
    const proc = processes.find((x) => processName !== undefined && x.value?.name === processName)?.value;
    if (proc && proc.vm === undefined) add(['churn', 'stage'], `2 on host process "${proc.name}"; expected stage 2 only on a guest process (its VM's memory is what the host changes)`);
    if (churn.ops.ok && (churn.ops.value['mprotect'] ?? 0) > 0) add(['churn', 'ops', 'mprotect'], 'a stage-2 churn makes munmap and migrate changes; expected mprotect: 0');
  }
  // Groups.
  const groups = new Map<string, { i: number; d: DeviceConfig }[]>();
  devices.forEach(({ value: d }, i) => {
    if (d?.group !== undefined) groups.set(d.group, [...(groups.get(d.group) ?? []), { i, d }]);
  });
  for (const [name, members] of groups) {
    if (members.length < 2) continue;
    const first = members[0]!.d;
    for (const { i, d } of members.slice(1)) {
      if (d.iommu !== first.iommu) add(['devices', i, 'group'], `"${name}" has device ${first.id} behind iommu ${first.iommu} and ${d.id} behind ${d.iommu}; expected one IOMMU per group`);
      if (d.vm !== first.vm) add(['devices', i, 'group'], `"${name}" has device ${first.id} ${first.vm ? `in vm ${first.vm}` : 'on the host'} and ${d.id} ${d.vm ? `in vm ${d.vm}` : 'on the host'}; expected one owner per group (a group is assigned whole)`);
    }
    for (const { i, d } of members) {
      if (d.attach.type !== 'sva' && d.attach.type !== 'none') {
        add(['devices', i, 'attach', 'type'], `"${d.attach.type}" on device ${d.id} of multi-device group "${name}"; Linux refuses to attach one device of a multi-device group (iommu_attach_device: -EINVAL); expected sva or none`);
      }
      if (d.kernelClients.length > 0) add(['devices', i, 'kernelClients'], `device ${d.id} is in multi-device group "${name}"; expected no kernel clients (not modelled in groups)`);
    }
  }
}

/**
 * Work queues and engines (device/engine.ts `stepQueued`): submitters only on a shared WQ, with
 * the attach's process as the first; each submitter a process with the region its workload
 * names, of the device's VM (or the host, as the device); several engines or a shared WQ in
 * modelled time, with closed-loop process submitters only — kernel clients, open loops and
 * lifecycle events on such a device are not modelled.
 */
export function checkQueues(d: DeviceConfig, i: number, p: Parts, names: Names, add: Add): void {
  const at = (...rest: Seg[]): Seg[] => ['devices', i, ...rest];
  const queued = d.engines > 1 || d.wqMode === 'shared';
  if (d.submitters.length > 0) {
    if (d.wqMode !== 'shared') add(at('submitters'), `${d.submitters.length} submitter(s) on a dedicated WQ; expected wqMode: shared (a dedicated WQ has one submitter, with a fixed PASID)`);
    if (d.attach.type !== 'sva') add(at('submitters'), `with attach.type ${d.attach.type}; expected an sva attach (its process is the first submitter)`);
  }
  d.submitters.forEach((s, j) => {
    const proc = names.processByName.get(s.process);
    if (names.processNames && !proc) {
      add(at('submitters', j, 'process'), `"${s.process}" names no process; expected one of: ${names.processNames.join(', ') || '(none)'}`);
      return;
    }
    if (s.workload.region === undefined) {
      add(at('submitters', j, 'workload', 'region'), `missing; expected a region of process "${s.process}"`);
    } else if (proc) {
      const regions = rawNames(field(proc.raw, 'regions'));
      if (!regions.includes(s.workload.region)) add(at('submitters', j, 'workload', 'region'), `"${s.workload.region}" names no region of process "${s.process}"; expected one of: ${regions.join(', ')}`);
    }
    if (proc?.value && proc.value.vm !== d.vm) {
      add(at('submitters', j, 'process'), `process "${s.process}" runs ${proc.value.vm ? `in vm ${proc.value.vm}` : 'on the host'}, device ${d.id} ${d.vm ? `is assigned to vm ${d.vm}` : 'is the host\'s'}; expected a process where the device is`);
    }
    if (d.attach.type === 'sva' && s.process === d.attach.process) add(at('submitters', j, 'process'), `"${s.process}" is already the device's attach process; expected another process (one submitter per process)`);
    if (s.workload.rateOpsPerSec !== undefined) add(at('submitters', j, 'workload', 'rateOpsPerSec'), 'an open loop on a shared WQ; expected a closed loop (queueDepth), the one modelled with ENQCMD retries');
  });
  if (!queued) return;
  const what = d.engines > 1 ? `engines: ${d.engines}` : 'wqMode: shared';
  if ((p.rawTiming ?? DEFAULT_TIMING) !== 'modelled') add(at(d.engines > 1 ? 'engines' : 'wqMode'), `${what} needs timing: modelled (concurrent engines and ENQCMD retries are modelled in virtual time); expected timing: modelled`);
  // Kernel clients take turns with the attach's process on one engine (engine.ts stepShared), a
  // shared WQ admitting each descriptor; several engines or further submitters beside them are not modelled.
  if ((d.attach.type === 'kernel' || d.kernelClients.length > 0) && (d.engines > 1 || d.submitters.length > 0)) {
    add(at(d.attach.type === 'kernel' ? 'attach' : 'kernelClients'), `kernel clients on a device with ${d.engines > 1 ? `engines: ${d.engines}` : 'submitters'}; expected engines: 1 and no further submitters (kernel clients share a device on one engine)`);
  }
  if (d.workload.rateOpsPerSec !== undefined) add(at('workload', 'rateOpsPerSec'), `an open loop on a device with ${what}; expected a closed loop (queueDepth)`);
  (p.lifecycle ?? []).forEach(({ value: e }, k) => {
    const mine = e && (e.kind === 'exit' ? (d.attach.type === 'sva' && d.attach.process === e.process) || d.submitters.some((s) => s.process === e.process) : e.device === d.id);
    if (mine) add(['lifecycle', k], `an event on device ${d.id} (or a process submitting to it) with ${what}; expected events on devices with one engine and a dedicated WQ (not modelled)`);
  });
}

/**
 * Ops against the device type and the data (device/compound.ts, run/data.ts): a DSA runs the
 * DSA ops, an IAA the IAA ops; IAA transfers fit its buffers and are not completed partially;
 * a workload that decompresses reads the deflate streams its `data` puts in the source half,
 * and nothing else reads that half; `data` needs an sva attach whose region is fully present;
 * kernel clients run the plain DSA ops.
 */
export function checkOps(d: DeviceConfig, i: number, names: Names, add: Add): void {
  const other = d.type === 'iaa' ? DSA_OPS : IAA_OPS;
  const workloads: { at: Seg[]; w: DeviceConfig['workload']; process: string | undefined }[] = [
    { at: ['devices', i, 'workload'], w: d.workload, process: d.attach.type === 'sva' ? d.attach.process : undefined },
    ...d.submitters.map((s, j) => ({ at: ['devices', i, 'submitters', j, 'workload'] as Seg[], w: s.workload, process: s.process })),
  ];
  for (const { at, w, process } of workloads) {
    for (const op of other) {
      if (w.ops[op] > 0) add([...at, 'ops', op], `${w.ops[op]} on ${d.type === 'iaa' ? 'an IAA' : 'a DSA'} device; expected 0 (${op} is ${d.type === 'iaa' ? 'a DSA' : 'an IAA'} op: ${d.type === 'iaa' ? 'type: dsa' : 'type: iaa'} runs it)`);
    }
    const iaaOps = IAA_OPS.filter((op) => w.ops[op] > 0);
    if (d.type === 'iaa' && iaaOps.length > 0) {
      w.transferSizes.forEach((t, k) => {
        if (t.sizeBytes > IAA_MAX_TRANSFER_BYTES) {
          add([...at, 'transferSizeBytes', ...(w.transferSizes.length > 1 ? [k, 'sizeBytes'] : [])], `${bytes(t.sizeBytes)} for IAA ops; expected at most ${bytes(IAA_MAX_TRANSFER_BYTES)} (the engine's buffers)`);
        }
      });
      if (d.pri && !d.blockOnFault) add(['devices', i, 'blockOnFault'], 'false with IAA ops; expected blockOnFault: true or pri: false (a partially completed compress is not modelled: IAA restarts the job)');
    }
    if (w.ops.decompress > 0) {
      if (w.data === undefined) add([...at, 'data'], 'missing; a workload that decompresses needs data (zeros, random, text, corpus): the kernel puts deflate streams of it in the source half');
      const readers = (['compress', 'compressVerify', 'crc64'] as const).filter((op) => w.ops[op] > 0);
      if (readers.length > 0) add([...at, 'ops', 'decompress'], `with ${readers.join(', ')} in one workload; expected decompress alone (its source half holds deflate streams, not data)`);
      w.transferSizes.forEach((t, k) => {
        if (t.sizeBytes < 4096) add([...at, 'transferSizeBytes', ...(w.transferSizes.length > 1 ? [k, 'sizeBytes'] : [])], `${bytes(t.sizeBytes)} with decompress; expected at least 4 KiB (a stream per 4 KiB granule)`);
      });
    }
    if (w.data !== undefined && process !== undefined && w.region !== undefined) {
      const region = names.processByName.get(process)?.value?.regions.find((r) => r.name === w.region);
      if (region && region.populate < 1) add([...at, 'data'], `${w.data} on region "${w.region}" with populate ${region.populate}; expected populate: 1 (the kernel writes the data at boot)`);
    }
    if (w.data !== undefined && d.attach.type !== 'sva') add([...at, 'data'], `${w.data} with attach.type ${d.attach.type}; expected an sva attach (the data is written into the process's region)`);
  }
  [...(d.attach.type === 'kernel' ? [{ at: ['devices', i, 'workload'] as Seg[], w: d.workload }] : []), ...d.kernelClients.map((c, j) => ({ at: ['devices', i, 'kernelClients', j, 'workload'] as Seg[], w: c.workload }))].forEach(({ at, w }) => {
    for (const op of ['dualcast', ...IAA_OPS] as const) {
      if (w.ops[op] > 0) add([...at, 'ops', op], `${w.ops[op]} for a kernel client; expected 0 (kernel clients run memmove, fill, compare, comparePattern, crc32c)`);
    }
  });
}
