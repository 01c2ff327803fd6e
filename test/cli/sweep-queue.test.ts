// `dmaload sweep --queue` and `dmaload worker` (issue 16, points on several machines) against a
// redis-server of the test's own: a sweep served by two workers, one SIGKILLed in the middle of
// a point, ends with every point done exactly once (the dead worker's point retried by the other
// after BullMQ's stalled check) and the same table as the local sweep; a worker stopped by
// SIGTERM puts its point back on the queue at once for another; --resume takes a finished point
// from the queue; a point failing on its worker is a failed point (exit 1); an unreachable Redis or a bad address is exit 2 with one line, before any work.
// The CLI processes are the compiled dist/ (`npm run -s build` first).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, REDIS_SERVER, type RedisServer, startRedis } from '../helpers/redis.js';
import { CLI, looksLikeStackTrace, repoRoot, runCli, TEST_TIMEOUT_MS } from './helpers.js';

interface Point {
  id: string;
  params: Record<string, string>;
  seed: number;
  file: string;
  status: string;
  ranBy?: { workerId: string; hostname: string; pid: number; version: string };
}
interface Sweep {
  points: Point[];
  table: unknown[];
}

const GRID = ['sweep', 'profiles/quickstart.yaml', '--param', 'devices[0].workload.queueDepth=4,16', '--repeat', '2', '--set', 'durationS=0.004'];
const read = (out: string): Sweep => JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as Sweep;
/** How long a CLI process of these tests may take to say something or to end (ms). */
const WAIT_MS = 60_000;

/** A CLI process of the test, its standard error gathered, with waits on what it prints and on its end. */
interface Proc {
  readonly child: ChildProcess;
  stderr(): string;
  /** Resolves with the first match of `re` in its standard error (now or later). */
  waitFor(re: RegExp): Promise<RegExpMatchArray>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const procs: ChildProcess[] = [];
let scratch = '';

function start(args: readonly string[], tmpDir = scratch): Proc {
  // TMPDIR: the workers' temporary profiles land in the test's directory, removed at the end.
  const child = spawn(process.execPath, [CLI, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', TMPDIR: tmpDir } });
  procs.push(child);
  let err = '';
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  child.stdout!.resume();
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
    for (const w of [...waiters]) {
      const m = err.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
  const bounded = <T>(p: Promise<T>, what: string): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      p,
      new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`dmaload ${args.join(' ')}: ${what} within ${WAIT_MS} ms\nstderr:\n${err}`)), WAIT_MS))),
    ]).finally(() => clearTimeout(timer));
  };
  return {
    child,
    stderr: () => err,
    waitFor: (re) =>
      bounded(
        new Promise<RegExpMatchArray>((resolve, reject) => {
          const m = err.match(re);
          if (m) resolve(m);
          else {
            waiters.push({ re, resolve });
            void exit.then(() => reject(new Error(`dmaload ${args.join(' ')} ended without printing ${re}\nstderr:\n${err}`)));
          }
        }),
        `no ${re}`,
      ),
    exit: bounded(exit, 'did not end'),
  };
}

/** A worker on `queueName`, once it waits for points; its id from its first line. */
async function startWorker(url: string, queueName: string, tmpDir?: string): Promise<{ proc: Proc; id: string }> {
  const proc = start(['worker', '--queue', url, '--queue-name', queueName], tmpDir);
  const m = await proc.waitFor(/^worker (\S+): waiting for points/m);
  return { proc, id: m[1]! };
}

async function jobCounts(port: number, queueName: string): Promise<Record<string, number>> {
  const q = new Queue(queueName, { connection: { host: '127.0.0.1', port } });
  try {
    return await q.getJobCounts('completed', 'failed', 'active', 'waiting', 'delayed');
  } finally {
    await q.close();
  }
}

if (!REDIS_SERVER) {
  describe('dmaload sweep --queue and dmaload worker', () => {
    it.skip('needs redis-server (not installed here; .ci/run installs it with apt-get): the queue tests are skipped', () => {});
  });
} else {
  describe('dmaload sweep --queue and dmaload worker', () => {
    let redis: RedisServer;
    beforeAll(async () => {
      scratch = mkdtempSync(join(tmpdir(), 'dmaload-sweep-queue-'));
      redis = await startRedis();
    });
    afterAll(async () => {
      for (const c of procs) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await redis?.stop();
      rmSync(scratch, { recursive: true, force: true });
    });

    it(
      'runs a sweep on two workers, one SIGKILLed mid-point: every point done once, the same table as the local sweep',
      async () => {
        const queueName = 'kill';
        const out = join(scratch, 'queue');
        const a = await startWorker(redis.url, queueName);
        const b = await startWorker(redis.url, queueName);
        const started = Date.now();
        const coordinator = start([...GRID, '--queue', redis.url, '--queue-name', queueName, '--out', out]);
        // Worker a has taken a point (it holds the job's lock): kill it there.
        const taken = await a.proc.waitFor(/: taking (p\d+-r\d+) /);
        const killedId = taken[1]!;
        a.proc.child.kill('SIGKILL');
        const killedAt = Date.now();
        const requeued = coordinator.waitFor(new RegExp(`${killedId}: its worker stopped renewing its lock`)).then(() => (Date.now() - killedAt) / 1000);
        await coordinator.waitFor(new RegExp(`^\\[\\d/4\\] ${killedId} .*: done in .* on ${b.id}$`, 'm'));
        const retriedS = (Date.now() - killedAt) / 1000;
        const end = await coordinator.exit;
        const queueS = (Date.now() - started) / 1000;
        expect(end.code, coordinator.stderr()).toBe(0);
        const requeuedS = await requeued;

        const s = read(out);
        expect(s.points.map((p) => p.id).sort()).toEqual(['p0-r0', 'p0-r1', 'p1-r0', 'p1-r1']);
        expect(s.points.every((p) => p.status === 'done')).toBe(true);
        expect(s.points.find((p) => p.id === killedId)!.ranBy).toMatchObject({ workerId: b.id, pid: b.proc.child.pid });
        expect(s.points.every((p) => p.ranBy && [a.id, b.id].includes(p.ranBy.workerId))).toBe(true);
        // BullMQ ran each point to completion once: the killed attempt never completed.
        expect(await jobCounts(redis.port, queueName)).toEqual({ completed: 4, failed: 0, active: 0, waiting: 0, delayed: 0 });

        // The local sweep of the same grid: the same table, the same counts point by point.
        const localOut = join(scratch, 'local');
        const localStarted = Date.now();
        const local = await runCli([...GRID, '--jobs', '2', '--out', localOut, '--quiet']);
        const localS = (Date.now() - localStarted) / 1000;
        expect(local.status).toBe(0);
        expect(s.table).toEqual(read(localOut).table);
        for (const p of s.points) {
          const totals = (dir: string) => (JSON.parse(readFileSync(join(dir, p.file), 'utf8')) as { totals: { ops: number; bytes: number } }).totals;
          expect(totals(out)).toMatchObject({ ops: totals(localOut).ops, bytes: totals(localOut).bytes });
        }
        console.log(`sweep of 4 points: queue with a worker SIGKILLed ${queueS.toFixed(1)} s (the killed point back on the queue ${requeuedS.toFixed(1)} s and done ${retriedS.toFixed(1)} s after the kill), local --jobs 2 ${localS.toFixed(1)} s`);

        b.proc.child.kill('SIGTERM');
        expect((await b.proc.exit).code).toBe(143);
      },
      3 * TEST_TIMEOUT_MS,
    );

    it(
      '--resume takes a point that finished on the queue from there, without a worker',
      async () => {
        const out = join(scratch, 'queue');
        rmSync(join(out, 'points', 'p1-r0.json'));
        const r = await runCli([...GRID, '--queue', redis.url, '--queue-name', 'kill', '--out', out, '--resume']);
        expect(r.status, r.stderr).toBe(0);
        expect(r.stderr).toMatch(/4 point\(s\), 3 already done, running 1/);
        expect(r.stderr).toMatch(/^\[4\/4\] p1-r0 .*: done in .* \(finished on the queue earlier\)$/m);
        expect(read(out).table).toEqual(read(join(scratch, 'local')).table);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'a worker stopped by SIGTERM puts its point back on the queue at once, and another worker runs it',
      async () => {
        const queueName = 'term';
        const out = join(scratch, 'term');
        const c = await startWorker(redis.url, queueName);
        const coordinator = start(['sweep', 'profiles/quickstart.yaml', '--param', 'devices[0].workload.queueDepth=8', '--set', 'durationS=0.02', '--queue', redis.url, '--queue-name', queueName, '--out', out]);
        await c.proc.waitFor(/: taking p0-r0 /);
        c.proc.child.kill('SIGTERM');
        expect((await c.proc.exit).code).toBe(143);
        expect(c.proc.stderr()).toMatch(/p0-r0: stopped, back on the queue/);
        expect(await jobCounts(redis.port, queueName)).toMatchObject({ waiting: 1, active: 0, completed: 0, failed: 0 });
        const d = await startWorker(redis.url, queueName);
        const end = await coordinator.exit;
        expect(end.code, coordinator.stderr()).toBe(0);
        expect(coordinator.stderr()).not.toMatch(/stopped renewing its lock/);
        expect(read(out).points).toMatchObject([{ id: 'p0-r0', status: 'done', ranBy: { workerId: d.id } }]);
        d.proc.child.kill('SIGTERM');
        expect((await d.proc.exit).code).toBe(143);
      },
      2 * TEST_TIMEOUT_MS,
    );

    it(
      'a point that fails on its worker is listed failed with the error, and the sweep exits 1',
      async () => {
        const queueName = 'fail';
        const out = join(scratch, 'fail');
        // A worker whose temporary directory does not exist cannot write the point's profile.
        const e = await startWorker(redis.url, queueName, join(scratch, 'no-such-dir'));
        const r = await runCli(['sweep', 'profiles/quickstart.yaml', '--param', 'devices[0].workload.queueDepth=8', '--set', 'durationS=0.004', '--queue', redis.url, '--queue-name', queueName, '--out', out]);
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/^\[1\/1\] p0-r0 .*: FAILED \(ENOENT: no such file or directory, mkdtemp .*no-such-dir.*\) in .* on \S+$/m);
        expect(r.stderr).toMatch(/^dmaload: run failed: 1 point\(s\) failed, first p0-r0/m);
        expect(read(out).points).toMatchObject([{ id: 'p0-r0', status: 'failed', error: expect.stringMatching(/^ENOENT/) as unknown }]);
        expect(await jobCounts(redis.port, queueName)).toMatchObject({ failed: 1, completed: 0 });
        e.proc.child.kill('SIGTERM');
        expect((await e.proc.exit).code).toBe(143);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'an unreachable Redis or a bad address: exit 2, one clear line, before any work',
      async () => {
        const closed = await freePort();
        const out = join(scratch, 'unreachable');
        const r = await runCli([...GRID, '--queue', `redis://127.0.0.1:${closed}`, '--out', out]);
        expect(r.status).toBe(2);
        expect(r.stderr.trim()).toBe(`dmaload: --queue redis://127.0.0.1:${closed}: cannot reach Redis: connection refused (is redis-server running there, listening on that address?)`);
        expect(existsSync(out)).toBe(false);
        const w = await runCli(['worker', '--queue', `redis://127.0.0.1:${closed}`]);
        expect(w.status).toBe(2);
        expect(w.stderr).toMatch(/^dmaload: --queue redis:\/\/127\.0\.0\.1:\d+: cannot reach Redis: connection refused/);
        const bad = await runCli([...GRID, '--queue', 'http://127.0.0.1:6379', '--out', out]);
        expect(bad.status).toBe(2);
        expect(bad.stderr).toMatch(/^dmaload: --queue http:\/\/127\.0\.0\.1:6379: the scheme is "http"; expected redis:\/\/host:port\[\/db\]/);
        const jobs = await runCli([...GRID, '--queue', redis.url, '--jobs', '2', '--out', out]);
        expect(jobs.status).toBe(2);
        expect(jobs.stderr).toMatch(/--jobs: not with --queue/);
        for (const x of [r, w, bad, jobs]) expect(looksLikeStackTrace(x.stderr)).toBe(false);
        expect(existsSync(out)).toBe(false);
      },
      TEST_TIMEOUT_MS,
    );
  });
}
