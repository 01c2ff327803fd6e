/**
 * comlink over Node's MessagePort: the control plane between the kernel and a device worker
 * (never the hot path — a round trip costs tens of microseconds). comlink expects a DOM-style
 * endpoint (addEventListener with `{ data }` events); Node ports emit the data itself. This is
 * that adapter, typed locally because comlink's own node adapter does not type-check under
 * NodeNext.
 */

import type { MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';

type Listener = (event: { data: unknown }) => void;

export function portEndpoint(port: MessagePort): Comlink.Endpoint {
  const wrapped = new WeakMap<object, (data: unknown) => void>();
  const endpoint = {
    postMessage(message: unknown, transfer?: readonly unknown[]): void {
      port.postMessage(message, transfer as never);
    },
    addEventListener(_type: string, listener: unknown): void {
      const fn: (data: unknown) => void =
        typeof listener === 'function'
          ? (data) => (listener as Listener)({ data })
          : (data) => (listener as { handleEvent: Listener }).handleEvent({ data });
      wrapped.set(listener as object, fn);
      port.on('message', fn);
    },
    removeEventListener(_type: string, listener: unknown): void {
      const fn = wrapped.get(listener as object);
      if (fn) {
        port.off('message', fn);
        wrapped.delete(listener as object);
      }
    },
    start(): void {
      port.start();
    },
  };
  return endpoint as unknown as Comlink.Endpoint;
}

/** One device's interval: its completions in [startMs, endMs) (absolute ms, timeOrigin-based). */
export interface IntervalReport {
  readonly device: number;
  /** 0, 1, 2… from the start barrier. */
  readonly index: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly ops: number;
  readonly bytes: number;
  /** Latency of the interval's completions (open loop: from the intended start), compressed base64; '' if none. */
  readonly histogram: string;
}

/** What a software touch of a page found: 'ok' when the page is now present. */
export type TouchOutcome = 'ok' | 'no-attachment' | 'no-vma' | 'read-only';

/** What a device worker may ask of (or report to) the kernel: control plane only. */
export interface KernelApi {
  /** Once per interval per device: the interval's histogram and counts. */
  interval(report: IntervalReport): void;
  /**
   * The CPU-fault path after a partial completion: touch `address` (read or write) in the
   * address space behind (device, PASID). 'ok' if the page is now present.
   */
  touch(device: number, pasid: number, address: number, write: boolean): TouchOutcome | Promise<TouchOutcome>;
}

export const expose = Comlink.expose;
export const wrap = Comlink.wrap;
export type Remote<T> = Comlink.Remote<T>;
