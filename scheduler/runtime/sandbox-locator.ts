// Finds an executor's sandbox directory in its agent's `/state` (frameworks[].executors[].directory, the
// same in Mesos and in the embedded cluster) when the executor did not report it itself. Lookups are
// deduplicated and bounded in time; a failed one may be retried by the next request.
import type { Logger } from '../../config/logger.js';

const LOOKUP_TIMEOUT_MS = 5_000;

interface AgentState {
  frameworks?: Array<{
    executors?: Array<{ id?: string; directory?: string }>;
    completed_executors?: Array<{ id?: string; directory?: string }>;
  }>;
}

/** The directory of `executorId` in an agent `/state` document, if listed. */
export function directoryIn(state: unknown, executorId: string): string | undefined {
  const frameworks = (state as AgentState | null)?.frameworks;
  if (!Array.isArray(frameworks)) return undefined;
  for (const fw of frameworks)
    for (const ex of [...(fw.executors ?? []), ...(fw.completed_executors ?? [])])
      if (ex.id === executorId && typeof ex.directory === 'string') return ex.directory;
  return undefined;
}

export class SandboxLocator {
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly logger: Logger,
    /** Where found directories go (executor id → directory). */
    private readonly found: Map<string, string>,
  ) {}

  /** Looks `executorId` up on the agent at `agentUrl` unless known or already being looked up. */
  locate(agentUrl: string, executorId: string): void {
    if (this.found.has(executorId) || this.inFlight.has(executorId)) return;
    this.inFlight.add(executorId);
    void this.lookup(agentUrl, executorId).finally(() => this.inFlight.delete(executorId));
  }

  private async lookup(agentUrl: string, executorId: string): Promise<void> {
    try {
      const res = await fetch(new URL('/state', agentUrl), {
        signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS),
      });
      if (!res.ok) throw new Error(`agent answered ${res.status}`);
      const dir = directoryIn(await res.json(), executorId);
      if (dir) this.found.set(executorId, dir);
    } catch (e) {
      this.logger.debug('sandbox lookup failed', { agentUrl, executorId, error: e });
    }
  }
}
