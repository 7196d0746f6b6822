// One test's world: the embedded cluster with compressed timers, our scheduler clients pointed at it, and
// everything else a test starts. `teardown` stops it all and then checks, as the cluster's own harness
// does, that no process carrying one of the test's markers is still alive.
import { randomUUID } from 'node:crypto';
import type { LocalCluster, LocalClusterOptions } from '../../../../cluster/index.js';
import type { SchedulerClientInput } from '../../../../scheduler/mesos/options.js';
import type { Offer, TaskInfo } from '../../../../protos/mesos/v1/types.js';
import { resources } from '../../../fixtures/cluster/builders.js';
import { eventually, processesWith, startCluster } from '../../../fixtures/cluster/harness.js';
import { frameworkInfo, SchedulerSession } from './scheduler-session.js';

export class World {
  private readonly sessions: SchedulerSession[] = [];
  private readonly markers: string[] = [];
  private readonly cleanups: Array<() => Promise<void> | void> = [];

  private constructor(readonly cluster: LocalCluster) {}

  /** A cluster of small agents (one by default) with the harness' compressed timers. */
  static async start(opts: LocalClusterOptions = {}): Promise<World> {
    return new World(await startCluster(opts));
  }

  /** A fresh marker to put in a command line; teardown fails if a process carrying it survives. */
  marker(): string {
    const marker = `nodal-e2e-${randomUUID()}`;
    this.markers.push(marker);
    return marker;
  }

  /** Runs `fn` at teardown, before the cluster stops (servers, proxies). */
  onTeardown(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn);
  }

  /** Starts our scheduler client against the master (test timings, a FrameworkInfo with failover). */
  scheduler(over: Partial<SchedulerClientInput> = {}): SchedulerSession {
    const session = SchedulerSession.start({
      masters: [this.cluster.masterUrl],
      frameworkInfo: frameworkInfo(),
      ...over,
    });
    this.sessions.push(session);
    return session;
  }

  /** A command task on `offer`'s agent whose command line carries a fresh marker. */
  sleeperTask(taskId: string, offer: Offer, seconds = 30): TaskInfo {
    return {
      name: taskId,
      task_id: { value: taskId },
      agent_id: offer.agent_id,
      resources: resources().cpus(0.25).mem(32).build(),
      command: { value: `sleep ${seconds}; : ${this.marker()}` },
    };
  }

  /** Live processes carrying any of this test's markers. */
  leftovers(): string[] {
    return this.markers.flatMap(processesWith);
  }

  /** Closes every client, runs the cleanups, stops the cluster, then checks that no process is left. */
  async teardown(): Promise<void> {
    await Promise.all(this.sessions.splice(0).map((s) => s.close()));
    for (const fn of this.cleanups.splice(0)) await fn();
    await this.cluster.stop();
    try {
      await eventually(() => this.leftovers().length === 0, 2000);
    } catch {
      throw new Error(`processes outlived the test: ${this.leftovers().join('; ')}`);
    }
  }
}
