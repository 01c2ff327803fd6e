/**
 * The walls of the house, as dependency-cruiser rules. `npm test` checks them
 * (test/architecture/walls.test.ts), so CI fails when a wall is broken; `npx depcruise src workers`
 * prints the same verdict by hand.
 *
 * Floors, bottom up. A module may import from its own floor (within the rules below) and from
 * floors beneath it, never from a floor above:
 *
 *   0  src/common/ src/platform/ src/metrics/ src/rpc/   ground: each imports nothing of ours
 *   1  src/layout/                                        shared-memory structures, protocols
 *   2  src/profile/                                       input validated once, at the edge
 *   3  src/kernel/  src/device/                           the main thread | the DMA hot path
 *   4  src/run/     workers/                              orchestration | the piscina device task
 *   5  src/report/                                        summaries, exports, HTML
 *   6  src/cli/                                           arguments, exit codes
 *
 * And on the same floor: the kernel and the devices never import each other (they meet only in
 * shared memory, through layout/); the kernel reads only the validated-profile contract
 * (profile/types.ts), the device side nothing of profile/ at all; the worker is device side.
 * No import cycles anywhere. bench/ and test/ may import anything (they are not cruised).
 */

const FLOORS = [
  ['src/common', 'src/platform', 'src/metrics', 'src/rpc'],
  ['src/layout'],
  ['src/profile'],
  ['src/kernel', 'src/device'],
  ['src/run', 'workers'],
  ['src/report'],
  ['src/cli'],
];

const folderRe = (folders) => `^(${folders.join('|')})/`;

/** One rule per floor: nothing from any floor above it. */
const upward = FLOORS.slice(0, -1).map((floor, i) => ({
  name: `no-upward-from-${floor.map((f) => f.replace(/^src\//, '')).join('-')}`,
  comment: `${floor.join(', ')} (floor ${i}) may not import from a higher floor: ${FLOORS.slice(i + 1).flat().join(', ')}`,
  severity: 'error',
  from: { path: folderRe(floor) },
  to: { path: folderRe(FLOORS.slice(i + 1).flat()) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles, type-only imports included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upward,
    {
      name: 'ground-imports-nothing-of-ours',
      comment: 'common/, platform/, metrics/ and rpc/ are the ground: they import no other folder of the project.',
      severity: 'error',
      from: { path: '^src/(common|platform|metrics|rpc)/' },
      to: { path: '^(src|workers)/', pathNot: '^src/$1/' },
    },
    {
      name: 'kernel-not-device',
      comment: 'The kernel (main thread) never imports device code; they meet in shared memory (layout/).',
      severity: 'error',
      from: { path: '^src/kernel/' },
      to: { path: '^(src/device|workers)/' },
    },
    {
      name: 'device-not-kernel',
      comment: 'Device code never imports the kernel; it reads only shared memory (layout/).',
      severity: 'error',
      from: { path: '^(src/device|workers)/' },
      to: { path: '^src/(kernel|run)/' },
    },
    {
      name: 'kernel-reads-only-the-profile-contract',
      comment: 'The kernel trusts the validated profile (profile/types.ts) and never loads or validates one.',
      severity: 'error',
      from: { path: '^src/kernel/' },
      to: { path: '^src/profile/', pathNot: '^src/profile/types\\.ts$' },
    },
    {
      name: 'device-not-profile',
      comment: 'The device side gets its workload through layout/protocol.ts, never from profile/.',
      severity: 'error',
      from: { path: '^(src/device|workers)/' },
      to: { path: '^src/profile/' },
    },
    {
      name: 'report-reads-results-only',
      comment: 'Reports read results (run/ types, metrics/); they never reach into the kernel or the devices.',
      severity: 'error',
      from: { path: '^src/report/' },
      to: { path: '^(src/kernel|src/device|workers)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing is a typo or a missing file.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // TypeScript 7 has no compiler API for dependency-cruiser to parse with; swc parses instead.
    parser: 'swc',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
