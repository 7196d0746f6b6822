// Call-level validation of the master (src/master/validation.cpp, scheduler::call::validate): a problem here
// is an HTTP 400 with this text, before the framework is even looked up.
import type { SchedulerCall } from '../../protos/mesos/v1/types.js';

type CallType = NonNullable<SchedulerCall['type']>;

/** The sub-message each call type must carry (SUPPRESS/REVIVE/TEARDOWN may omit theirs). */
const BODY_OF: Partial<Record<CallType, keyof SchedulerCall>> = {
  SUBSCRIBE: 'subscribe',
  ACCEPT: 'accept',
  DECLINE: 'decline',
  ACCEPT_INVERSE_OFFERS: 'accept_inverse_offers',
  DECLINE_INVERSE_OFFERS: 'decline_inverse_offers',
  KILL: 'kill',
  SHUTDOWN: 'shutdown',
  ACKNOWLEDGE: 'acknowledge',
  ACKNOWLEDGE_OPERATION_STATUS: 'acknowledge_operation_status',
  RECONCILE: 'reconcile',
  RECONCILE_OPERATIONS: 'reconcile_operations',
  MESSAGE: 'message',
  REQUEST: 'request',
  UPDATE_FRAMEWORK: 'update_framework',
};

/** The 400 reason for a malformed call, or undefined. */
export function callProblem(call: SchedulerCall): string | undefined {
  if (call.type === undefined) return "Expecting 'type' to be present";
  if (call.type === 'UNKNOWN') return undefined; // answered 501 by the endpoint
  const body = BODY_OF[call.type];
  if (body && call[body] === undefined) return `Expecting '${String(body)}' to be present`;
  if (call.type === 'SUBSCRIBE') {
    const infoId = call.subscribe!.framework_info.id?.value;
    if (call.framework_id !== undefined && call.framework_id.value !== infoId)
      return "'framework_id' differs from 'subscribe.framework_info.id'";
    return undefined;
  }
  if (call.framework_id === undefined) return "Expecting 'framework_id' to be present";
  if (call.type === 'ACKNOWLEDGE' && call.acknowledge!.uuid.length !== 16)
    return `Failed to parse 'acknowledge.uuid': expected 16 bytes, got ${call.acknowledge!.uuid.length}`;
  if (
    call.type === 'UPDATE_FRAMEWORK' &&
    call.update_framework!.framework_info.id?.value !== call.framework_id.value
  )
    return "'framework_id' differs from 'update_framework.framework_info.id'";
  return undefined;
}
