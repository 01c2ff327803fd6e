/**
 * The completion record of the descriptor being executed, as a DSA completion record carries
 * it (`struct dsa_completion_record`, include/uapi/linux/idxd.h): status, bytes completed, the
 * faulting address and whether the fault was a write, and the op's result — compare /
 * compare-pattern: offset of the first difference, -1 if equal; crc32c: the CRC. A Float64Array
 * record, written by the page run and the engine, read by the engine, the integrity verifier
 * and tests.
 *
 * Not modelled: the record's write to memory through a translation (it is kept on the device),
 * the `result` bit-field encodings of DSA, delta records.
 */

import { Fault, type FaultCode } from '../layout/pagetable.js';
import { Status, type StatusCode } from '../layout/status.js';

/**
 * `result`: compare's difference offset, crc32c's CRC, an IAA compress or decompress's output
 * bytes, crc64's low 32 bits (`resultHi`: its high 32).
 */
export const C = { status: 0, bytesCompleted: 1, faultAddress: 2, result: 3, faultWrite: 4, resultHi: 5, width: 6 } as const;

export type CompletionRecord = Float64Array;

export function newCompletionRecord(): CompletionRecord {
  return new Float64Array(C.width);
}

/** Clear the record before a descriptor executes. */
export function startCompletion(c: CompletionRecord): void {
  c[C.bytesCompleted] = 0;
  c[C.faultAddress] = 0;
  c[C.result] = -1;
}

/** A fault that ends the descriptor after `doneBytes`, at `address`: its completion status. */
export function standingFault(c: CompletionRecord, fault: FaultCode, address: number, write: boolean, doneBytes: number): StatusCode {
  c[C.faultAddress] = address;
  c[C.faultWrite] = write ? 1 : 0;
  c[C.bytesCompleted] = doneBytes;
  return faultStatus(fault);
}

/** The completion status a standing fault reports. */
export function faultStatus(fault: FaultCode): StatusCode {
  switch (fault) {
    case Fault.permission:
      return Status.permissionFault;
    case Fault.noAttachment:
      return Status.noAttachment;
    case Fault.responseInvalid:
      return Status.faultInvalid;
    case Fault.responseFailure:
      return Status.faultFailure;
    case Fault.partial:
      return Status.pageFault;
    default:
      return Status.translationFault;
  }
}
