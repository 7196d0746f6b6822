// The worker's and evaluator's view of all PS shards at once: which variables live where (assignShards
// over the model's specs), seeding uninitialized shards, pulling every shard into one weight map, and
// pushing each shard its share of the gradients in parallel.
import { assignShards, type ShardAssignment } from '../ps/assign.js';
import { PsClient, type GradientDtype, type PushAnswer, type PushLease } from '../ps/client.js';
import type { VariableSpec } from '../ps/specs.js';
import type { RpcClientOptions } from '../rpc/client.js';

export interface GroupPull {
  /** Step of each shard. */
  steps: number[];
  values: Map<string, Float32Array>;
  incarnations: string[];
}

/** Clients of every shard of a job plus the variable assignment. */
export class PsGroup {
  readonly assignment: ShardAssignment;
  private readonly clients: PsClient[];

  /**
   * `pushDeadlineMs` bounds one push (sync pushes wait for their step, so give them longer than the
   * shards' sync timeout); `gradientDtype` is how gradients travel (default float32).
   */
  constructor(
    readonly addresses: readonly string[],
    readonly specs: readonly VariableSpec[],
    rpc: RpcClientOptions,
    private readonly pushDeadlineMs?: number,
    private readonly gradientDtype: GradientDtype = 'float32',
  ) {
    this.assignment = assignShards(specs, addresses.length);
    this.clients = addresses.map((a) => new PsClient(a, rpc));
  }

  get size(): number {
    return this.clients.length;
  }

  /** Seeds every shard that has no values yet with `initial` (a no-op on initialized shards). */
  async initialize(initial: ReadonlyMap<string, Float32Array>): Promise<boolean[]> {
    return Promise.all(
      this.clients.map(
        async (c, i) =>
          (await c.init(this.specs, this.size, this.assignment.shards[i], initial)).initializedNow,
      ),
    );
  }

  /** Every shard's values merged into one map, with each shard's step. */
  async pullAll(): Promise<GroupPull> {
    const pulls = await Promise.all(this.clients.map((c) => c.pull()));
    const values = new Map<string, Float32Array>();
    for (const p of pulls) for (const [k, v] of p.values) values.set(k, v);
    return { steps: pulls.map((p) => p.step), values, incarnations: pulls.map((p) => p.incarnation) };
  }

  /**
   * Pushes each shard in `shards` (default all) its gradients, computed on `baseSteps[i]`, asking for fresh
   * weights back; answers in the order of `shards`. Rejects when any push fails (see pushEach).
   */
  async pushAll(
    workerId: string,
    baseSteps: readonly number[],
    grads: ReadonlyMap<string, Float32Array>,
    examples: number,
    shards: readonly number[] = this.clients.map((_, i) => i),
  ): Promise<PushAnswer[]> {
    return Promise.all(this.pushes(workerId, baseSteps, grads, examples, shards));
  }

  /**
   * Like pushAll, with the batch's data `lease` (ps-0 applies the push only while its coordinator knows
   * it), and one settled result per shard: a shard that failed does not hide the answers of the others,
   * whose pushes were applied and must not be sent again.
   */
  async pushEach(
    workerId: string,
    baseSteps: readonly number[],
    grads: ReadonlyMap<string, Float32Array>,
    examples: number,
    shards: readonly number[],
    lease?: PushLease,
  ): Promise<Array<PromiseSettledResult<PushAnswer>>> {
    return Promise.allSettled(this.pushes(workerId, baseSteps, grads, examples, shards, lease));
  }

  private pushes(
    workerId: string,
    baseSteps: readonly number[],
    grads: ReadonlyMap<string, Float32Array>,
    examples: number,
    shards: readonly number[],
    lease?: PushLease,
  ): Array<Promise<PushAnswer>> {
    const opts = {
      returnWeights: true,
      examples,
      ...(this.pushDeadlineMs ? { deadlineMs: this.pushDeadlineMs } : {}),
      gradientDtype: this.gradientDtype,
      ...(lease ? { lease } : {}),
    };
    return shards.map((i) =>
      this.clients[i].push(workerId, baseSteps[i], this.assignment.shards[i], grads, opts),
    );
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}
