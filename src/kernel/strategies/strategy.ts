/**
 * An invalidation strategy: how an SVA domain's attachments are flushed when a range of its
 * process's address space changes. One object per era of Linux, chosen by name from the
 * registry (registry.ts); each file opens with the kernel code and versions it stands for.
 *
 * A strategy only plans: from the domain's attachments (in attach order, with their units'
 * domain ids) and the encoded range, the queued-invalidation submissions, in order. The mm
 * notifier (notifier.ts) executes them (qi.ts) and counts them.
 */

import type { InvalidationConfig } from '../../profile/types.js';
import type { AttachmentInfo } from '../domains.js';
import type { Submission } from '../qi.js';
import type { EncodedRange, RangeEncoding } from '../range.js';

/** The domain to flush: its attachments in attach order. */
export interface FlushTarget {
  readonly attachments: readonly AttachmentInfo[];
}

export interface InvalidationStrategy {
  /** As profiles and the command line name it. */
  readonly name: string;
  /** The Linux code it reproduces (shown in reports and docs). */
  readonly reproduces: string;
  /** How its range is encoded, if its own (SMMUv3); else the profile's `rangeEncoding`. */
  readonly encoding?: RangeEncoding;
  /** The submissions that flush `range` from every cache that may hold the target's translations. */
  plan(target: FlushTarget, range: EncodedRange, config: InvalidationConfig): Submission[];
}
