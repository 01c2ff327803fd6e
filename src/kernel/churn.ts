/**
 * CPU-side churn: the kernel changes a region of a process while devices run, at a paced rate
 * (a schedule of intended times, not bursts) or for a fixed count. Each change:
 *
 * - munmap + remap: clear the PTEs → notifier → free the old frames → map fresh frames with the
 *   region's initial contents (so the source area keeps its bytes) — or, for a demand-paged
 *   region (populate < 1), leave the range non-present so devices fault it back in;
 * - mprotect: drop write on the PTEs → notifier → restore write → notifier (x86, arm64);
 * - migrate: clear the PTEs (a migration entry: devices touching the range meanwhile see a
 *   non-present page) → notifier → copy each old frame into a new one → map it → free the old.
 *
 * The invariant: a frame is freed — its generation bumped and its number back on the free
 * list, where the next allocation reuses it — only after the notifier's invalidation has
 * completed. The schedule (op, range) comes from its own seeded stream, so with a fixed count
 * the same changes happen in every run, whatever the timing.
 *
 * Modelled time (`runModelled`): event i is due at virtual time startS + i ÷ rate; it starts at the later
 * of that and the end of the previous change (a change that is still running makes the next one
 * late: counted, with the lateness, so a report can say the strategy could not keep pace). A
 * change holds the mm lock (sequencer.ts: faults into the process wait), its notifier advances
 * the kernel context's clock, and the old frames are freed at the notifier's completion time.
 *
 * A churn on a process that exits (the lifecycle schedule) ends there.
 *
 * Guests (kernel/vm.ts). A guest process's churn is its guest kernel's: the guest's frames and
 * its own notifier (the VM's, whose submissions trap or go direct). A stage-2 churn
 * (`stage: 2`) is the host's instead: it changes the host frames behind the guest frames of the
 * range (munmap: reclaimed; migrate: moved), flushes the VM's nested translations
 * (`stage2Flush`, kernel/vm-flush.ts), and frees the old host frames at its completion.
 *
 * Not modelled: VMA removal (an munmap keeps its VMA: the range is remapped at once, or, demand
 * paged, left to fault back in), THP, KSM.
 */

import { PAGE_SIZE } from '../layout/constants.js';
import { CHURN_STREAM, nextBelow, Rng, WeightedChoice } from '../common/rng.js';
import { CHURN_OPS, type ChurnConfig, type ChurnOp } from '../profile/types.js';
import { KernelContext } from './context.js';
import { KernelError } from './errors.js';
import type { Kernel } from './kernel.js';
import type { MmNotifier } from './notifier.js';
import type { Process, Vma } from './objects.js';
import type { FrameSource } from './pagetables.js';
import type { Vm } from './vm.js';

export interface ChurnStats {
  changes: number;
  pagesChanged: number;
  framesFreed: number;
  /** Modelled time: changes that started after their scheduled time, and by how much in total. */
  lateChanges: number;
  lateNs: number;
}

/** What churn needs of the sequencer in modelled time (kernel/sequencer.ts). */
export interface ChurnSequencing {
  at(timeNs: number): Promise<void>;
  lockMm(space: Process): void;
  unlockMm(space: Process, timeNs: number): void;
}

export class Churn {
  readonly stats: ChurnStats = { changes: 0, pagesChanged: 0, framesFreed: 0, lateChanges: 0, lateNs: 0 };
  private modelled: { seq: ChurnSequencing; clock: { nowNs: number } } | undefined;
  private readonly rng: Rng;
  private readonly ops: WeightedChoice;
  private readonly pages: number;
  private readonly firstVpn: number;
  private readonly slots: number;
  private readonly span: number;
  private readonly intervalMs: number;

  constructor(
    private readonly kernel: Kernel,
    private readonly notifier: MmNotifier,
    private readonly cfg: ChurnConfig,
    private readonly proc: Process,
    vma: Vma,
    seed: number,
    durationS: number | undefined,
    /** Remap munmapped ranges populated (prefaulted regions) or leave them to demand faults. */
    private readonly repopulate = true,
    /** A stage-2 churn's flush of the VM (modelled time; kernel/vm-flush.ts). */
    private readonly stage2Flush: ((vm: Vm) => Promise<void>) | undefined = undefined,
  ) {
    this.rng = new Rng(seed, CHURN_STREAM);
    this.ops = new WeightedChoice(CHURN_OPS.map((o) => cfg.ops[o]));
    this.pages = cfg.rangeBytes / PAGE_SIZE;
    const vmaFirst = vma.start / PAGE_SIZE;
    const vmaPages = vma.sizeBytes / PAGE_SIZE;
    if (cfg.aligned) {
      let span = 1;
      while (span < this.pages) span *= 2;
      this.span = span;
      this.firstVpn = Math.ceil(vmaFirst / span) * span;
      this.slots = Math.floor((vmaFirst + vmaPages - this.firstVpn) / span);
    } else {
      this.span = 1;
      this.firstVpn = vmaFirst;
      this.slots = vmaPages - this.pages + 1;
    }
    if (this.slots < 1) {
      throw new KernelError(
        `churn.rangeBytes: ${cfg.rangeBytes} bytes aligned to a ${this.span}-page span fit nowhere in region ` +
          `${cfg.region} (${vma.sizeBytes} bytes); use a smaller range or aligned: false`,
      );
    }
    const rate = cfg.ratePerSec ?? (cfg.count !== undefined && durationS ? cfg.count / durationS : undefined);
    if (rate === undefined) throw new Error('bug: churn without a rate (the profile loader checks this)');
    this.intervalMs = 1000 / rate;
  }

  /**
   * Make changes on schedule until `count` is reached or `shouldStop()` says so. Resolves
   * after the change in progress (and its invalidation) has completed.
   */
  async run(shouldStop: () => boolean): Promise<void> {
    const startMs = performance.now();
    const limit = this.cfg.count ?? Infinity;
    for (let i = 0; i < limit; i++) {
      const dueMs = startMs + this.cfg.startS * 1000 + i * this.intervalMs;
      for (;;) {
        if (shouldStop()) return;
        const waitMs = dueMs - performance.now();
        if (waitMs <= 0) break;
        // A timer, never a spin: an event may start up to a timer tick (~1 ms) late, but the
        // schedule is absolute, so lateness does not accumulate and a late loop catches up.
        await new Promise((r) => setTimeout(r, Math.min(waitMs, 50)));
      }
      const op = CHURN_OPS[this.ops.pick(this.rng)]!;
      const startVpn = this.firstVpn + nextBelow(this.rng, this.slots) * this.span;
      await this.change(op, startVpn);
    }
  }

  /**
   * Modelled time: make the changes on their virtual schedule (counted: all of them; rate only:
   * those due before `durationNs`). `clock` is the kernel context's clock, which the notifier
   * advances.
   */
  async runModelled(seq: ChurnSequencing, clock: { nowNs: number }, durationNs: number | undefined, context = new KernelContext()): Promise<void> {
    this.modelled = { seq, clock };
    const limit = this.cfg.count ?? Infinity;
    const intervalNs = this.intervalMs * 1e6;
    for (let i = 0; i < limit; i++) {
      const dueNs = this.cfg.startS * 1e9 + i * intervalNs;
      if (this.cfg.count === undefined && durationNs !== undefined && dueNs >= durationNs) return;
      await seq.at(dueNs);
      const exited = await context.exclusive(async () => {
        // The process exited (the lifecycle schedule): its mm is gone, the churn ends.
        if (this.proc.exited) return true;
        if (clock.nowNs > dueNs) {
          this.stats.lateChanges++;
          this.stats.lateNs += clock.nowNs - dueNs;
        } else {
          clock.nowNs = dueNs;
        }
        const op = CHURN_OPS[this.ops.pick(this.rng)]!;
        const startVpn = this.firstVpn + nextBelow(this.rng, this.slots) * this.span;
        await this.change(op, startVpn);
        return false;
      });
      if (exited) return;
    }
  }

  /** One change of `pages` pages at `startVpn`. */
  async change(op: ChurnOp, startVpn: number): Promise<void> {
    const m = this.modelled;
    let unlock: (() => void) | undefined;
    if (m) m.seq.lockMm(this.proc);
    else this.proc.changeDone = new Promise<void>((resolve) => (unlock = resolve));
    try {
      await this.changeLocked(op, startVpn);
    } finally {
      if (m) m.seq.unlockMm(this.proc, m.clock.nowNs);
      else {
        this.proc.changeDone = undefined;
        unlock!();
      }
    }
  }

  /** Modelled time: frames are freed at the notifier's completion, in virtual time. */
  private async atCompletion(): Promise<void> {
    const m = this.modelled;
    if (m) await m.seq.at(m.clock.nowNs);
  }

  private async changeLocked(op: ChurnOp, startVpn: number): Promise<void> {
    const proc = this.proc;
    const endVpn = startVpn + this.pages;
    this.kernel.domains.mappingChange(proc, 'begin');
    try {
      if (this.cfg.stage === 2) await this.changeGuestMemory(op, startVpn, endVpn);
      else await this.changeMemory(op, startVpn, endVpn);
    } finally {
      this.kernel.domains.mappingChange(proc, 'end');
    }
    this.stats.changes++;
    this.stats.pagesChanged += this.pages;
  }

  /**
   * Stage 2: the host reclaims or moves the guest memory behind the range, flushes the VM's
   * nested translations, then frees the old host frames.
   */
  private async changeGuestMemory(op: ChurnOp, startVpn: number, endVpn: number): Promise<void> {
    const vm = this.kernel.vmOf(this.proc);
    if (!vm || !this.stage2Flush || op === 'mprotect') throw new Error('bug: a stage-2 churn needs a guest process, a flush, munmap or migrate');
    const old = vm.changeStage2(op, vm.guestFramesOf(this.proc, startVpn, endVpn));
    await this.stage2Flush(vm);
    await this.atCompletion();
    vm.freeHost(old);
    this.stats.framesFreed += old.length;
  }

  /** The process's own change of the range (its kernel's: the host's, or its VM's guest kernel's). */
  private async changeMemory(op: ChurnOp, startVpn: number, endVpn: number): Promise<void> {
    const proc = this.proc;
    const mm = this.kernel.mmOf(proc);
    switch (op) {
      case 'munmap': {
        const old = mm.unmapRange(proc, startVpn, this.pages);
        await this.notifier.change(proc, op, startVpn, endVpn);
        await this.atCompletion();
        this.free(old);
        // A prefaulted region is remapped populated; a demand-paged one faults back in.
        if (this.repopulate) for (let v = startVpn; v < endVpn; v++) mm.populatePage(proc, v);
        break;
      }
      case 'mprotect': {
        // mprotect(PROT_READ), then mprotect(PROT_READ | PROT_WRITE) once the flush is done: in
        // between, a write fault into the range is refused (permission), as for a VMA without
        // VM_WRITE — never answered "present, retry" while the PTE stays read-only.
        const range = { startVpn, endVpn };
        proc.writeProtected.push(range);
        mm.protectRange(proc, startVpn, this.pages, false);
        try {
          await this.notifier.change(proc, op, startVpn, endVpn);
          await this.atCompletion();
          mm.protectRange(proc, startVpn, this.pages, true);
          // Giving write back changes the PTEs too: x86 and arm64 flush (arch.ts).
          await this.notifier.change(proc, 'restore', startVpn, endVpn);
        } finally {
          proc.writeProtected.splice(proc.writeProtected.indexOf(range), 1);
        }
        break;
      }
      case 'migrate': {
        const old = mm.unmapRange(proc, startVpn, this.pages);
        await this.notifier.change(proc, op, startVpn, endVpn);
        await this.atCompletion();
        old.forEach((pfn, i) => {
          if (pfn !== 0) mm.mapFrame(proc, startVpn + i, mm.copyToNewFrame(proc, pfn));
        });
        this.free(old);
        break;
      }
    }
  }

  private free(frames: readonly number[]): void {
    const vm = this.kernel.vmOf(this.proc);
    const source: FrameSource = vm ? vm.frames : this.kernel.frames;
    for (const pfn of frames) {
      if (pfn !== 0) {
        source.free(pfn);
        this.stats.framesFreed++;
      }
    }
  }
}
