// The HTTP edge of `/api/v1/scheduler`: method, media types, decoding and call validation with the status
// codes of REFERENCE §1.6, then SUBSCRIBE (a stream) or another call (202/200) on the master.
import type http from 'node:http';
import { acceptedFormat, formatOfMediaType } from '../../protos/wire/codec.js';
import type { SchedulerCall } from '../../protos/mesos/v1/types.js';
import { decodeCall } from '../http/decode-call.js';
import { readBody, respondAccepted, respondText } from '../http/respond.js';
import { callProblem } from './call-validation.js';
import type { Master } from './master.js';

/** Handles one request to the scheduler endpoint. */
export async function handleSchedulerApi(
  master: Master,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  if (req.method !== 'POST')
    return respondText(res, 405, `Expecting a 'POST' request, received '${req.method}'`, { Allow: 'POST' });
  const contentType = req.headers['content-type'];
  if (contentType === undefined) return respondText(res, 400, "Expecting 'Content-Type' to be present");
  const format = formatOfMediaType(contentType);
  if (!format)
    return respondText(res, 415, "Expecting 'Content-Type' of application/json or application/x-protobuf");
  const body = await readBody(req);
  if (!body) return respondText(res, 413, 'Request body too large');
  const decoded = decodeCall<SchedulerCall>('mesos.v1.scheduler.Call', body, format);
  if ('problem' in decoded) return respondText(res, 400, decoded.problem);
  const call = decoded.call;
  const problem = callProblem(call);
  if (problem) return respondText(res, 400, problem);
  if (call.type === 'UNKNOWN') return respondText(res, 501, "Received 'UNKNOWN' call");

  const streamIdHeader = req.headers['mesos-stream-id'];
  const streamId = Array.isArray(streamIdHeader) ? streamIdHeader[0] : streamIdHeader;
  if (call.type === 'SUBSCRIBE') {
    const accepted = acceptedFormat(req.headers.accept);
    if (!accepted)
      return respondText(res, 406, "Expecting 'Accept' to allow application/json or application/x-protobuf");
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
