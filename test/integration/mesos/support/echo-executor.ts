// How the tests launch the echo executor (test/fixtures/executors/echo-executor.ts) and read back what it
// printed: the agent's `/state` names its sandbox, the agent's files API serves the sandbox's `stdout`.
import { fileURLToPath } from 'node:url';
import type { ClusterAgent } from '../../../../cluster/index.js';
import type { ExecutorInfo, Offer, TaskInfo } from '../../../../protos/mesos/v1/types.js';
import { resources } from '../../../fixtures/cluster/builders.js';

/** The compiled echo executor, beside this build's other fixtures. */
export const ECHO_EXECUTOR = fileURLToPath(
  new URL('../../../fixtures/executors/echo-executor.js', import.meta.url),
);

/** ExecutorInfo running `node echo-executor.js <marker>` with `env` added to the agent's environment. */
export function echoExecutor(
  executorId: string,
  marker: string,
  env: Record<string, string> = {},
): ExecutorInfo {
  return {
    executor_id: { value: executorId },
    type: 'CUSTOM',
    name: 'echo executor',
    command: {
      shell: false,
      value: process.execPath,
      arguments: ['node', ECHO_EXECUTOR, marker],
      environment: { variables: Object.entries(env).map(([name, value]) => ({ name, value })) },
    },
    resources: resources().cpus(0.1).mem(64).build(),
  };
}

/** A task for the echo executor on `offer`'s agent. */
export function echoTask(taskId: string, offer: Offer, executor: ExecutorInfo): TaskInfo {
  return {
    name: taskId,
    task_id: { value: taskId },
    agent_id: offer.agent_id,
    resources: resources().cpus(0.25).mem(32).build(),
    executor,
  };
}

interface AgentState {
  frameworks: Array<{
    executors: Array<{ id: string; directory: string }>;
    completed_executors: Array<{ id: string; directory: string }>;
  }>;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The sandbox directory of `executorId` on `agent` (running or completed), from the agent's `/state`. */
export async function sandboxOf(agent: ClusterAgent, executorId: string): Promise<string> {
  const state = await getJson<AgentState>(`${agent.url}/state`);
  const run = state.frameworks
    .flatMap((f) => [...f.executors, ...f.completed_executors])
    .find((e) => e.id === executorId);
  if (run === undefined) throw new Error(`agent ${agent.id} knows no executor ${executorId}`);
  return run.directory;
}

/** The lines of a sandbox file, read through the agent's files API (`/files/read`). */
export async function sandboxLines(agent: ClusterAgent, file: string): Promise<string[]> {
  const url = new URL('/files/read', agent.url);
  url.searchParams.set('path', file);
  url.searchParams.set('offset', '0');
  url.searchParams.set('length', '-1');
  const { data } = await getJson<{ data: string }>(url.href);
  return data.split('\n').filter((line) => line !== '');
}
