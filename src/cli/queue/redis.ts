/**
 * Where a sweep's job queue is (`dmaload sweep --queue`, `dmaload worker --queue`): the
 * `redis://host:port[/db]` address and the queue's name, parsed once on the command line (this
 * module is light: the command modules import it at parse time), the connection options
 * BullMQ gets, and a connectivity probe with a short timeout that both commands run before any
 * work, so an unreachable or refusing Redis is one line of bad input (exit 2), not a hang or a
 * stack trace; and `within`, the bounded wait both sides put around closing their connections.
 *
 * Leaves out: Redis Cluster and Sentinel (one server only), TLS client certificates (`rediss://`
 * uses the system's trust store), and any check of the server's configuration beyond its version
 * (BullMQ itself warns when `maxmemory-policy` is not `noeviction`).
 */

import type { RedisOptions } from 'bullmq';
import { UsageError } from '../options.js';

/** The queue both sides use unless told otherwise (`--queue-name`). */
export const DEFAULT_QUEUE_NAME = 'dmaload-sweep';

/** `--queue-name`: letters, digits, `.`, `_`, `-` (BullMQ builds Redis keys with `:`), at most 100. */
export function parseQueueName(raw: string): string {
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(raw)) throw new UsageError(`--queue-name: expected 1 to 100 letters, digits, ".", "_" or "-", got "${raw}"`);
  return raw;
}

/** A parsed `--queue` address. */
export interface RedisAddress {
  /** The address as given. */
  readonly url: string;
  /** The address for messages and records: the password, if any, replaced by `***`. */
  readonly display: string;
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly tls: boolean;
}

/** How long the probe may take to connect and get an answer to PING (ms). */
export const PROBE_TIMEOUT_MS = 3_000;

/** How long a queue connection may take to (re)connect before ioredis gives that attempt up (ms). */
export const CONNECT_TIMEOUT_MS = 5_000;

const DEFAULT_PORT = 6379;
/** The oldest Redis BullMQ supports. */
const MIN_REDIS_VERSION = [6, 2, 0] as const;

/** `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS) → its parts; else a UsageError. */
export function parseRedisUrl(option: string, raw: string): RedisAddress {
  const expected = 'expected redis://host:port[/db], e.g. redis://127.0.0.1:6379 or redis://queue.lab:6379/2';
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`--${option} ${raw}: not a URL; ${expected}`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UsageError(`--${option} ${raw}: the scheme is "${u.protocol.replace(/:$/, '')}"; ${expected}`);
  if (u.hostname === '') throw new UsageError(`--${option} ${raw}: no host; ${expected}`);
  if (u.search !== '' || u.hash !== '') throw new UsageError(`--${option} ${raw}: a query or fragment is not understood; ${expected}`);
  const port = u.port === '' ? DEFAULT_PORT : Number(u.port);
  const path = u.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,5}$/.test(path)) throw new UsageError(`--${option} ${raw}: the database "${path}" is not a number; ${expected}`);
  const db = path === '' ? 0 : Number(path);
  const password = u.password === '' ? undefined : decodeURIComponent(u.password);
  const display = password === undefined ? raw : raw.replace(`:${u.password}@`, ':***@');
  return {
    url: raw,
    display,
    // IPv6 literals come bracketed from URL; ioredis wants them bare.
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    db,
    username: u.username === '' ? undefined : decodeURIComponent(u.username),
    password,
    tls: u.protocol === 'rediss:',
  };
}

/**
 * The options of a long-lived queue connection (BullMQ opens its own from these): reconnects
 * with a capped back-off, never gives up a command while reconnecting (`maxRetriesPerRequest:
 * null`, which BullMQ's blocking worker connections require).
 */
export function connectionOptions(a: RedisAddress): RedisOptions {
  return {
    host: a.host,
    port: a.port,
    db: a.db,
    ...(a.username !== undefined ? { username: a.username } : {}),
    ...(a.password !== undefined ? { password: a.password } : {}),
    ...(a.tls ? { tls: {} } : {}),
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: null,
    retryStrategy: (attempt: number) => Math.min(200 * attempt, 5_000),
  };
}

/**
 * Connect once, PING, and read the server's version, within PROBE_TIMEOUT_MS; resolve with the
 * version, or reject with an Error whose message says why in words (refused, timed out,
 * authentication, a database out of range, too old for BullMQ).
 */
export async function probeRedis(a: RedisAddress): Promise<string> {
  const { Redis } = await import('ioredis');
  const client = new Redis({
    ...connectionOptions(a),
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    // ioredis keeps a timer of this length after disconnecting a socket that already closed (a
    // refused connection): it would hold the process up for its default 2 s.
    disconnectTimeout: 100,
  });
  // The connection's own error (ECONNREFUSED, …) says more than the rejected command's
  // "Connection is closed"; without a listener ioredis would print it.
  let connectionError: unknown;
  client.on('error', (e) => (connectionError ??= e));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS);
  });
  try {
    const version = await Promise.race([
      (async () => {
        await client.connect();
        await client.ping();
        // A SELECT of a database out of range comes only as an error event, not as a rejection.
        if (connectionError !== undefined) throw connectionError;
        const info = await client.info('server');
        return /^redis_version:(\S+)/m.exec(info)?.[1] ?? 'unknown';
      })(),
      timeout,
    ]);
    const parts = version.split('.').map(Number);
    const tooOld = parts.length >= 2 && parts.every(Number.isFinite) && compareVersions(parts, MIN_REDIS_VERSION) < 0;
    if (tooOld) throw new Error(`Redis ${version} is too old for the job queue (BullMQ needs ${MIN_REDIS_VERSION.join('.')} or later)`);
    return version;
  } catch (e) {
    throw new Error(probeFailure(connectionError ?? e));
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** A connection error in words: the system's code when there is one, else the message's first line. */
function probeFailure(e: unknown): string {
  const code = (e as { code?: unknown } | undefined)?.code;
  const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is redis-server running there, listening on that address?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'no such host';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ETIMEDOUT':
      return `no answer within ${PROBE_TIMEOUT_MS / 1000} s`;
    default:
      if (/ETIMEDOUT/.test(message)) return `no answer within ${PROBE_TIMEOUT_MS / 1000} s`;
      if (/NOAUTH|WRONGPASS|invalid password|AUTH/i.test(message)) return `authentication failed (${message})`;
      if (/DB index is out of range/i.test(message)) return `no such database (${message})`;
      return message;
  }
}

/** Resolve with `p`'s value, or with `fallback` after `timeoutMs`. */
export function within<T>(p: Promise<T>, timeoutMs: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((r) => (timer = setTimeout(() => r(fallback), timeoutMs)))]).finally(() => clearTimeout(timer));
}
