/**
 * Descriptor completion statuses (values, not exceptions), modelled on DSA completion records
 * (`include/uapi/linux/idxd.h`: DSA_COMP_SUCCESS, DSA_COMP_PAGE_FAULT_NOBOF, DSA_COMP_BATCH_FAIL…).
 */

export const Status = {
  success: 0,
  /** A page the descriptor touches has no present translation (demand paging comes later). */
  translationFault: 1,
  /** A write to a page whose translation does not permit writes. */
  permissionFault: 2,
  /** The device has no attachment for the PASID, or its domain is blocked: no memory reached. */
  noAttachment: 3,
  /** A batch in which at least one sub-descriptor did not succeed. */
  batchFail: 4,
} as const;
export type StatusCode = (typeof Status)[keyof typeof Status];

/** Names used in results, indexed by status code. */
export const STATUS_NAMES = [
  'success',
  'translation-fault',
  'permission-fault',
  'no-attachment',
  'batch-fail',
] as const;
export const STATUS_COUNT = STATUS_NAMES.length;
