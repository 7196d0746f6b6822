// jobSpec().ps(2).workers(1, 4, 2).evaluator(1).role('worker', { gpus: 1 }).build()
import { parseJobSpec, type JobSpec } from '../../scheduler/core/index.js';

type Raw = Record<string, unknown>;
type RoleName = 'ps' | 'worker' | 'evaluator';

export class JobSpecBuilder {
  private raw: Raw = {
    data: { synthetic: { train: 64, valid: 16, test: 16, seed: 1 } },
    roles: {
      ps: { count: 1, cpus: 1, mem: 512 },
      worker: { min: 1, max: 2, desired: 2, cpus: 1, mem: 512 },
      evaluator: { count: 0, cpus: 1, mem: 512 },
    },
  };

  private roles(): Record<RoleName, Raw> {
    return this.raw.roles as Record<RoleName, Raw>;
  }

  id(id: string): this {
    this.raw.id = id;
    return this;
  }
  ps(count: number): this {
    this.roles().ps.count = count;
    return this;
  }
  workers(min: number, max: number, desired: number): this {
    Object.assign(this.roles().worker, { min, max, desired });
    return this;
  }
  evaluator(count: 0 | 1): this {
    this.roles().evaluator.count = count;
    return this;
  }
  /** Merges fields into one role's spec (cpus, gpus, constraints, restart, image, …). */
  role(name: RoleName, fields: Raw): this {
    Object.assign(this.roles()[name], fields);
    return this;
  }
  constraint(name: RoleName, ...c: string[]): this {
    const r = this.roles()[name];
    r.constraints = [...((r.constraints as unknown[]) ?? []), c];
    return this;
  }
  restart(name: RoleName, restart: Raw): this {
    this.roles()[name].restart = restart;
    return this;
  }
  set(key: string, value: unknown): this {
    this.raw[key] = value;
    return this;
  }

  /** The raw JSON object, as a user would submit it. */
  toRaw(): Raw {
    return structuredClone(this.raw);
  }
  build(): JobSpec {
    return parseJobSpec(this.toRaw());
  }
}

export const jobSpec = (): JobSpecBuilder => new JobSpecBuilder();
