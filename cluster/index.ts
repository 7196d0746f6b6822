// The embedded Mesos-compatible local cluster: `const c = await LocalCluster.start(opts)`, point any Mesos
// scheduler at `c.masterUrl`, inspect `c.state()`, inject faults, then `await c.stop()`.
export { LocalCluster, type ClusterAgent } from './local-cluster.js';
export type { AgentSpec, LocalClusterOptions } from './options.js';
export type { MasterEvents } from './master/master.js';
