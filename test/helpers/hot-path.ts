/** The hot-path allocation measurements share one machine, defined with the benchmarks. */
export { hotPathYaml } from '../../bench/machine.js';
