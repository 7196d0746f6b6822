// Decoding of a call body on the master and agent endpoints: any problem is the text of an HTTP 400.
import { isNodalError } from '../../config/errors.js';
import { checkRequired, decodeMessage, type WireFormat } from '../../protos/wire/codec.js';

/** Decodes and checks required fields; `problem` is the 400 reason when the body is not a valid Call. */
export function decodeCall<T>(
  type: 'mesos.v1.scheduler.Call' | 'mesos.v1.executor.Call',
  body: Buffer,
  format: WireFormat,
): { call: T } | { problem: string } {
  try {
    const call = decodeMessage<T>(type, body, format);
    checkRequired(type, call);
    return { call };
  } catch (e) {
    if (isNodalError(e, 'WIRE_DECODE'))
      return { problem: `Failed to parse body into Call protobuf: ${e.message}` };
    if (isNodalError(e, 'VALIDATION')) return { problem: e.message };
    throw e;
  }
}
