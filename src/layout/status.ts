/**
 * Descriptor completion statuses (values, not exceptions), modelled on DSA completion records
 * (`include/uapi/linux/idxd.h`: DSA_COMP_SUCCESS, DSA_COMP_PAGE_FAULT_NOBOF, DSA_COMP_BATCH_FAIL…).
 */

export const Status = {
  success: 0,
  /** A page the descriptor touches has no present translation, and no PRI resolved it (or an identity address lies beyond memory). */
  translationFault: 1,
  /** A write to a page whose translation does not permit writes. */
  permissionFault: 2,
  /** The device has no attachment for the PASID, or its domain is blocked: no memory reached. */
  noAttachment: 3,
  /** A batch in which at least one sub-descriptor did not succeed. */
  batchFail: 4,
  /**
   * Partial completion (no block-on-fault): stopped at a non-present page; the completion
   * carries bytes completed and the fault address, and software resubmits the rest.
   */
  pageFault: 5,
  /** A page request answered INVALID (no VMA, no permission, or no attachment): not retried. */
  faultInvalid: 6,
  /** A page request answered FAILURE (the kernel could not service it). */
  faultFailure: 7,
  /** IAA: the output does not fit the destination (a compress that would expand, a decompress of more than it holds). */
  outputOverflow: 8,
  /** IAA decompress: the source is not a valid (or a truncated) deflate stream. */
  corruptStream: 9,
  /** IAA compress-verify: the output did not decompress to the source (a bug, never expected). */
  verifyFailed: 10,
} as const;
export type StatusCode = (typeof Status)[keyof typeof Status];

/** Names used in results, indexed by status code. */
export const STATUS_NAMES = [
  'success',
  'translation-fault',
  'permission-fault',
  'no-attachment',
  'batch-fail',
  'page-fault',
  'fault-invalid',
  'fault-failure',
  'output-overflow',
  'corrupt-stream',
  'verify-failed',
] as const;
export const STATUS_COUNT = STATUS_NAMES.length;
