// Routes of an agent's HTTP server: the executor API (also under the libprocess delegate `/slave(1)`),
// the files API, `/state` (executors with their sandbox directories, as `nodal logs` needs) and `/health`.
import type http from 'node:http';
import { respondJson, respondText } from '../http/respond.js';
import { bagOf, summaryOf } from '../resources.js';
import type { Agent } from './agent.js';
import type { ExecutorRun } from './executor-run.js';
import { handleExecutorApi } from './executor-api.js';
import { handleFilesApi } from './files-api.js';

function runJson(agent: Agent, run: ExecutorRun): Record<string, unknown> {
  const tasks = [...run.tasks.values()].map((t) => ({
    id: t.info.task_id.value,
    name: t.info.name,
    framework_id: run.frameworkId,
    executor_id: run.executorId,
    slave_id: agent.id,
    state: t.state,
    resources: summaryOf(bagOf(t.info.resources)),
  }));
  return {
    id: run.executorId,
    name: run.info.name ?? '',
    type: run.kind,
    container: run.containerId,
    directory: run.directory,
    tasks: tasks.filter((t) => t.state !== 'TASK_STAGING' || run.kind !== 'custom'),
    queued_tasks: tasks.filter((t) => t.state === 'TASK_STAGING' && run.kind === 'custom'),
  };
}

/** The agent's `/state`, in the shape of Mesos' agent endpoint (the parts tools read). */
export function agentState(agent: Agent): Record<string, unknown> {
  const info = agent.info;
  return {
    id: agent.id,
    pid: `slave(1)@${agent.host}:${agent.port}`,
    hostname: info.hostname,
    port: agent.port,
    resources: summaryOf(bagOf(info.resources)),
    attributes: Object.fromEntries(
      (info.attributes ?? []).map((a) => [a.name, a.text?.value ?? a.scalar?.value ?? '']),
    ),
    flags: { work_dir: agent.opts.workDir },
    frameworks: [...agent.frameworks.entries()].map(([id, fw]) => ({
      id,
      name: fw.info.name,
      executors: [...fw.runs.values()].map((r) => runJson(agent, r)),
      completed_executors: fw.completedRuns.map((r) => runJson(agent, r)),
    })),
  };
}

export async function handleAgentRequest(
  agent: Agent,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): Promise<void> {
  const p = decodeURIComponent(url.pathname);
  if (p === '/api/v1/executor' || p === '/slave(1)/api/v1/executor')
    return handleExecutorApi(agent, req, res);
  if (/^\/files\/(read|browse|download)(\.json)?$/.test(p))
    return handleFilesApi(agent.directory, req, res, url);
  if (p === '/state' || p === '/state.json' || p === '/slave(1)/state' || p === '/slave(1)/state.json')
    return respondJson(res, 200, agentState(agent));
  if (p === '/health' || p === '/slave(1)/health') return respondText(res, 200, 'OK');
  respondText(res, 404, 'Not found');
}
