// The scheduler core's public surface, for the runtime shell, the API and the store.
export type { Input, InputType } from './inputs.js';
export type { Command, CommandType, TaskLaunch, JobEvent, HealthTiming } from './commands.js';
export { createReducer, type Reducer, type Step } from './reducer.js';
export { coreOptions, DEFAULT_CORE_OPTIONS, type CoreOptions } from './options.js';
export { counterIds, taskIdFor, executorIdFor, type IdSource } from './ids.js';
export {
  initialState,
  toStored,
  fromStored,
  type CoreState,
  type StoredState,
  type Job,
  type Slot,
  type TaskRecord,
} from './state.js';
export { parseJobSpec, JOB_ID_PATTERN, ROLES, type JobSpec, type Role } from './job-spec.js';
export {
  phaseOf,
  conditionOf,
  isTerminal,
  type Condition,
  type ConditionType,
  type JobPhase,
} from './conditions.js';
export { clusterSpecJson, type ClusterSpec } from './cluster-spec.js';
export type { DomainOffer, ReservationRef, ReservedResources } from './offer.js';
export type { PortRange, OfferResources, ScalarResources } from './resources.js';
export type { ResourceGrant } from './placement.js';
export {
  TASK_STATES,
  TASK_REASONS,
  isTaskState,
  isTaskReason,
  type TaskState,
  type TaskReason,
} from './task-states.js';
