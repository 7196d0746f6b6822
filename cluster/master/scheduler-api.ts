// The HTTP edge of `/api/v1/scheduler`: the shared call reading (method, media types, decoding) with the
// master's call validation, then the scheduler-only rules of REFERENCE §1.3/§1.6 (Accept, then no
// Mesos-Stream-Id, on SUBSCRIBE; the stream id of every other call is checked by the master) before
// SUBSCRIBE (a stream) or another call (202/200) on the master.
import type http from 'node:http';
import type { SchedulerCall } from '../../protos/mesos/v1/types.js';
import { negotiateStream, readCall } from '../http/call-request.js';
import { respondAccepted, respondText } from '../http/respond.js';
import { callProblem } from './call-validation.js';
import type { Master } from './master.js';

/** Handles one request to the scheduler endpoint. */
export async function handleSchedulerApi(
  master: Master,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const call = await readCall<SchedulerCall>(req, res, 'mesos.v1.scheduler.Call', callProblem);
  if (!call) return;

  const streamIdHeader = req.headers['mesos-stream-id'];
  const streamId = Array.isArray(streamIdHeader) ? streamIdHeader[0] : streamIdHeader;
  if (call.type === 'SUBSCRIBE') {
    const accepted = negotiateStream(req, res);
    if (!accepted) return;
    if (streamId !== undefined)
      return respondText(res, 400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
    master.subscribe(call, accepted, res);
    return;
  }
  const result = master.handleCall(call, streamId);
  if ('message' in result) return respondText(res, result.status, result.message);
  if (result.status === 202) return respondAccepted(res);
  res.writeHead(200, { 'Content-Length': 0 });
  res.end();
}
