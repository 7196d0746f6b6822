// Identifiers the way a Mesos master mints them (framework `<masterId>-0000`, agent `<masterId>-S0`, offer
// `<masterId>-O0`) and the id rules it enforces on framework-chosen ids (tasks, executors).
import { randomBytes, randomUUID } from 'node:crypto';

/** Mints master-scoped ids; one instance per master. */
export class IdMinter {
  private frameworks = 0;
  private agents = 0;
  private offers = 0;

  constructor(readonly masterId: string = randomUUID()) {}

  framework(): string {
    return `${this.masterId}-${String(this.frameworks++).padStart(4, '0')}`;
  }
  /** `suffix` lets tests name agents; the default is Mesos' `S<n>`. */
  agent(suffix?: string): string {
    const n = this.agents++;
    return `${this.masterId}-${suffix ?? `S${n}`}`;
  }
  offer(): string {
    return `${this.masterId}-O${this.offers++}`;
  }
}

/** Why `id` is not a valid task/executor/framework id (Mesos' common rules), or undefined. */
export function idProblem(kind: string, id: string | undefined): string | undefined {
  if (id === undefined || id.length === 0) return `${kind} ID must not be empty`;
  if (id.length > 255) return `${kind} ID must not be longer than 255 characters`;
  if (id === '.' || id === '..') return `${kind} ID must not be '.' or '..'`;
  if (id.includes('/') || id.includes('\\')) return `${kind} ID must not contain slashes`;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(id)) return `${kind} ID must not contain control characters`;
  return undefined;
}

/** A fresh 16-byte status update uuid. */
export const statusUuid = (): Buffer => randomBytes(16);

/** Seconds since the epoch as a double, the unit of `TaskStatus.timestamp`. */
export const nowSeconds = (): number => Date.now() / 1000;
