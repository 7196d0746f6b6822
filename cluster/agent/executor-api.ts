// The HTTP edge of the agent's `/api/v1/executor` (REFERENCE §1.6, §3): the shared call reading (method,
// media types, decoding) with the executor call validation, then HEARTBEAT answered without lookups, Accept
// on SUBSCRIBE only, no stream id, and SUBSCRIBE (a stream), UPDATE or MESSAGE on the executor's run.
import type http from 'node:http';
import type { ExecutorCall } from '../../protos/mesos/v1/types.js';
import { negotiateStream, readCall } from '../http/call-request.js';
import { respondAccepted, respondText } from '../http/respond.js';
import type { Agent } from './agent.js';

/** The 400 reason for a malformed executor call, or undefined (validation.cpp, executor::call::validate). */
export function executorCallProblem(call: ExecutorCall): string | undefined {
  const who = `executor ${call.executor_id.value} of framework ${call.framework_id.value}`;
  switch (call.type) {
    case undefined:
      return "Expecting 'type' to be present";
    case 'SUBSCRIBE':
      return call.subscribe ? undefined : "Expecting 'subscribe' to be present";
    case 'MESSAGE':
      return call.message ? undefined : "Expecting 'message' to be present";
    case 'UPDATE': {
      const status = call.update?.status;
      if (!status) return "Expecting 'update' to be present";
      if (!status.uuid) return "Expecting 'uuid' to be present";
      if (status.uuid.length !== 16)
        return `Failed to parse 'uuid': expected 16 bytes, got ${status.uuid.length}`;
      if (status.source !== 'SOURCE_EXECUTOR')
        return `Received Call from ${who} with invalid source, expecting 'SOURCE_EXECUTOR'`;
      if (status.state === 'TASK_STAGING') return `Received TASK_STAGING from ${who} which is not allowed`;
      if (status.executor_id && status.executor_id.value !== call.executor_id.value)
        return `ExecutorID in Call: ${call.executor_id.value} does not match ExecutorID in TaskStatus: ${status.executor_id.value}`;
      return undefined;
    }
    default:
      return undefined;
  }
}

export async function handleExecutorApi(
  agent: Agent,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const call = await readCall<ExecutorCall>(req, res, 'mesos.v1.executor.Call', executorCallProblem);
  if (!call) return;
  if (call.type === 'HEARTBEAT') return respondAccepted(res); // ids are not looked up for heartbeats

  let accepted;
  if (call.type === 'SUBSCRIBE') {
    accepted = negotiateStream(req, res);
    if (!accepted) return;
  }
  const run = agent.customRun(call.framework_id.value, call.executor_id.value);
  if (typeof run === 'string') return respondText(res, 400, run);
  switch (call.type) {
    case 'SUBSCRIBE':
      run.subscribe(call.subscribe!, accepted!, res);
      return;
    case 'UPDATE':
      if (!run.subscribed) return respondText(res, 403, 'Executor is not subscribed');
      run.update(call.update!.status);
      return respondAccepted(res);
    case 'MESSAGE':
      if (!run.subscribed) return respondText(res, 403, 'Executor is not subscribed');
      agent.executorMessage(call.framework_id.value, call.executor_id.value, call.message!.data);
      return respondAccepted(res);
  }
}
