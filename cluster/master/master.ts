// The embedded Mesos master: framework subscriptions and failover, the allocator loop, calls, status update
// forwarding and agent loss. The HTTP edge (scheduler-api.ts) decodes and checks calls before they get here.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { Logger } from '../../config/logger.js';
import type { WireFormat } from '../../protos/wire/codec.js';
import type {
  AgentInfo,
  ExecutorInfo,
  MasterInfo,
  Offer,
  SchedulerCall,
  SchedulerEvent,
  TaskInfo,
  TaskStatus,
} from '../../protos/mesos/v1/types.js';
import { EventStream } from '../http/event-stream.js';
import { IdMinter } from '../ids.js';
import type { AgentLink, MasterLink } from '../links.js';
import { bagOf, scalarOf, type ResourceBag } from '../resources.js';
import { isTerminal } from '../task-states.js';
import { processAccept, type AcceptHost } from './accept.js';
import { hasCapability } from '../capabilities.js';
import { failoverTimeoutMs, rolesOf, subscribeProblem } from './framework-info.js';
import { normaliseExecutor } from './launch-validation.js';
import { reconcile, type AgentStanding } from './reconcile.js';
import { OfferBook } from './offer-book.js';
import {
  completeTask,
  taskView,
  usedOn,
  type AgentRecord,
  type FrameworkRecord,
  type OfferRecord,
  type TaskRecord,
} from './registry.js';
import { masterStatus } from './statuses.js';

export interface MasterOptions {
  host: string;
  heartbeatIntervalMs: number;
  allocationIntervalMs: number;
  offerRefuseDefaultMs: number;
  masterId?: string;
  logger: Logger;
}

/** Result of a non-SUBSCRIBE call, turned into an HTTP response by the endpoint. */
export type CallResult = { status: 200 | 202 } | { status: 400 | 403; message: string };

/** Events tests (and `nodal local`) can observe. */
export interface MasterEvents {
  'task-status': [{ frameworkId: string; agentId?: string; status: TaskStatus }];
  framework: [{ frameworkId: string; change: 'subscribed' | 'resubscribed' | 'disconnected' | 'removed' }];
  agent: [{ agentId: string; change: 'added' | 'lost' }];
  offers: [{ frameworkId: string; offers: Offer[] }];
}

export interface AgentRegistration {
  idSuffix?: string;
  hostname: string;
  port: number;
  resources: AgentInfo['resources'];
  attributes: AgentInfo['attributes'];
  link: AgentLink;
}

/** IPv4 in network byte order read as a host-order uint32 (MasterInfo.ip); 0 for anything else. */
function ipAsUint32(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return 0;
  return (parts[0]! | (parts[1]! << 8) | (parts[2]! << 16) | (parts[3]! << 24)) >>> 0;
}

export class Master extends EventEmitter<MasterEvents> implements MasterLink {
  readonly ids: IdMinter;
  readonly agents = new Map<string, AgentRecord>();
  readonly frameworks = new Map<string, FrameworkRecord>();
  readonly completedFrameworks: FrameworkRecord[] = [];
  readonly book: OfferBook;
  readonly startTimeMs = Date.now();
  private readonly removedFrameworkIds = new Set<string>();
  private readonly log: Logger;
  private allocationTimer?: NodeJS.Timeout;
  private port = 0;

  constructor(private readonly opts: MasterOptions) {
    super();
    this.ids = new IdMinter(opts.masterId);
    this.book = new OfferBook(this.ids, opts.host, opts.offerRefuseDefaultMs);
    this.log = opts.logger.child({ component: 'cluster-master' });
  }

  /** Starts the allocation loop once the HTTP server knows its port. */
  start(port: number): void {
    this.port = port;
    this.allocationTimer = setInterval(() => this.allocateNow(), this.opts.allocationIntervalMs);
  }

  /** Stops timers and ends every subscription stream (frameworks are not failed over or removed). */
  stop(): void {
    clearInterval(this.allocationTimer);
    for (const fw of this.frameworks.values()) {
      clearTimeout(fw.failoverTimer);
      const stream = fw.stream;
      this.detachStream(fw);
      stream?.end();
    }
  }

  get masterInfo(): MasterInfo {
    const host = this.opts.host;
    return {
      id: this.ids.masterId,
      ip: ipAsUint32(host),
      port: this.port,
      pid: `master@${host}:${this.port}`,
      hostname: host,
      version: '1.11.0',
      address: { hostname: host, ip: host, port: this.port },
      capabilities: [{ type: 'AGENT_UPDATE' }],
    };
  }

  // ---- agents ---------------------------------------------------------------------------------------

  registerAgent(reg: AgentRegistration): AgentRecord {
    const id = this.ids.agent(reg.idSuffix);
    const info: AgentInfo = {
      hostname: reg.hostname,
      id: { value: id },
      port: reg.port,
      resources: reg.resources,
      attributes: reg.attributes,
    };
    const total = bagOf(reg.resources);
    const agent: AgentRecord = {
      id,
      info,
      total,
      hasGpus: scalarOf(total, 'gpus') > 0,
      port: reg.port,
      pid: `slave(1)@${this.opts.host}:${reg.port}`,
      link: reg.link,
      registeredTimeMs: Date.now(),
      executors: new Map(),
    };
    this.agents.set(id, agent);
    this.log.info('agent registered', { agentId: id, hostname: reg.hostname, port: reg.port });
    this.emit('agent', { agentId: id, change: 'added' });
    return agent;
  }

  /**
   * The agent stopped answering: its offers are rescinded, its tasks become TASK_UNREACHABLE (PARTITION_AWARE)
   * or TASK_LOST, and every framework gets a FAILURE naming the agent.
   */
  loseAgent(agentId: string): void {
    const agent = this.agents.get(agentId);
    if (!agent || agent.unreachableSinceMs !== undefined) return;
    const now = Date.now();
    agent.unreachableSinceMs = now;
    for (const offer of this.book.remove((o) => o.agentId === agentId)) this.rescind(offer);
    for (const fw of this.frameworks.values()) {
      const pa = hasCapability(fw.info, 'PARTITION_AWARE');
      for (const t of [...fw.tasks.values()]) {
        if (t.agentId !== agentId) continue;
        if (isTerminal(t.state)) {
          completeTask(fw, t); // its acknowledgement can no longer reach the agent
          continue;
        }
        const status = masterStatus({
          taskId: t.info.task_id.value,
          agentId,
          executorId: t.executorId,
          state: pa ? 'TASK_UNREACHABLE' : 'TASK_LOST',
          reason: 'REASON_AGENT_REMOVED',
          message: `Agent ${agent.info.hostname} is unreachable`,
          unreachableTimeMs: pa ? now : undefined,
        });
        this.applyStatus(t, status);
        if (pa) {
          t.unreachableSinceMs = now;
          fw.tasks.delete(t.info.task_id.value);
          fw.unreachableTasks.set(t.info.task_id.value, t);
        } else completeTask(fw, t);
        this.sendMasterUpdate(fw, status);
      }
      this.send(fw, { type: 'FAILURE', failure: { agent_id: { value: agentId } } });
    }
    agent.executors.clear();
    this.log.warn('agent lost', { agentId });
    this.emit('agent', { agentId, change: 'lost' });
  }

  private activeAgent(agentId: string | undefined): AgentRecord | undefined {
    const agent = agentId === undefined ? undefined : this.agents.get(agentId);
    return agent && agent.unreachableSinceMs === undefined ? agent : undefined;
  }

  // ---- subscriptions --------------------------------------------------------------------------------

  /** SUBSCRIBE: always a 200 stream; FrameworkInfo problems become one ERROR event and the stream ends. */
  subscribe(call: SchedulerCall, format: WireFormat, res: http.ServerResponse): void {
    const sub = call.subscribe!;
    const info = sub.framework_info;
    const streamId = randomUUID();
    let fw: FrameworkRecord | undefined;
    const stream: EventStream<SchedulerEvent> = new EventStream<SchedulerEvent>(
      res,
      'mesos.v1.scheduler.Event',
      format,
      { 'Mesos-Stream-Id': streamId },
      () => this.onStreamClosed(fw, stream),
    );
    const refuse = (message: string) => {
      this.log.warn('subscription refused', { framework: info.id?.value, reason: message });
      stream.send({ type: 'ERROR', error: { message } });
      stream.end();
    };
    const problem = subscribeProblem(info, sub.suppressed_roles);
    if (problem) return refuse(problem);
    const requestedId = info.id?.value;
    if (requestedId !== undefined && this.removedFrameworkIds.has(requestedId))
      return refuse('Framework has been removed');

    const existing = requestedId === undefined ? undefined : this.frameworks.get(requestedId);
    if (existing && (existing.info.principal ?? '') !== (info.principal ?? ''))
      return refuse(
        `Changing framework's principal is not allowed (from '${existing.info.principal ?? ''}' to '${info.principal ?? ''}')`,
      );

    if (existing) {
      fw = existing;
      const previous = fw.stream;
      this.detachStream(fw);
      if (previous) {
        previous.send({ type: 'ERROR', error: { message: 'Framework failed over' } });
        previous.end();
      }
      clearTimeout(fw.failoverTimer);
      fw.failoverTimer = undefined;
      // user and checkpoint cannot change on re-subscription; new values are ignored, as Mesos does.
      fw.info = { ...info, id: { value: fw.id }, user: fw.info.user, checkpoint: fw.info.checkpoint };
      fw.reregisteredTimeMs = Date.now();
      fw.unregisteredTimeMs = undefined;
    } else {
      const id = requestedId ?? this.ids.framework();
      fw = {
        id,
        info: { ...info, id: { value: id } },
        roles: [],
        suppressedRoles: new Set(),
        filters: [],
        connected: false,
        registeredTimeMs: Date.now(),
        tasks: new Map(),
        unreachableTasks: new Map(),
        completedTasks: [],
      };
      this.frameworks.set(id, fw);
    }
    this.applyRolesAndSuppression(fw, sub.suppressed_roles ?? [], true);
    // Offers never survive a re-subscription; the master forgets them without RESCIND.
    this.book.remove((o) => o.frameworkId === fw.id);

    fw.stream = stream;
    fw.streamId = streamId;
    fw.connected = true;
    stream.send({
      type: 'SUBSCRIBED',
      subscribed: {
        framework_id: { value: fw.id },
        heartbeat_interval_seconds: this.opts.heartbeatIntervalMs / 1000,
        master_info: this.masterInfo,
      },
    });
    stream.send({ type: 'HEARTBEAT' });
    const subscribed = fw;
    fw.heartbeat = setInterval(
      () => subscribed.stream?.send({ type: 'HEARTBEAT' }),
      this.opts.heartbeatIntervalMs,
    );
    this.log.info('framework subscribed', {
      frameworkId: fw.id,
      name: info.name,
      resubscribed: Boolean(existing),
    });
    this.emit('framework', { frameworkId: fw.id, change: existing ? 'resubscribed' : 'subscribed' });
    if (existing)
      for (const agent of this.agents.values())
        if (!agent.unreachableSinceMs) {
          agent.link.updateFramework(fw.info);
          agent.link.resendUpdates(fw.id);
        }
  }

  /** Replaces roles and the suppressed set; roles that end up unsuppressed get their decline filters cleared. */
  private applyRolesAndSuppression(
    fw: FrameworkRecord,
    suppressed: readonly string[],
    clearUnsuppressed: boolean,
  ): void {
    fw.roles = rolesOf(fw.info);
    fw.suppressedRoles = new Set(suppressed);
    if (clearUnsuppressed) fw.filters = fw.filters.filter((f) => fw.suppressedRoles.has(f.role));
  }

  private detachStream(fw: FrameworkRecord): void {
    clearInterval(fw.heartbeat);
    fw.heartbeat = undefined;
    fw.stream = undefined;
    fw.streamId = undefined;
    fw.connected = false;
  }

  private onStreamClosed(fw: FrameworkRecord | undefined, stream: EventStream<SchedulerEvent>): void {
    if (!fw || fw.stream !== stream) return; // refused subscriptions and failed-over streams
    this.detachStream(fw);
    fw.unregisteredTimeMs = Date.now();
    this.book.remove((o) => o.frameworkId === fw.id);
    const timeoutMs = failoverTimeoutMs(fw.info);
    // Info, as the Mesos master logs it: a scheduler restarting or stopping disconnects on purpose.
    this.log.info('framework disconnected', { frameworkId: fw.id, failoverTimeoutMs: timeoutMs });
    this.emit('framework', { frameworkId: fw.id, change: 'disconnected' });
    const disconnected = fw;
    fw.failoverTimer = setTimeout(
      () => this.removeFramework(disconnected, 'failover timeout expired'),
      timeoutMs,
    );
  }

  /** Fault injection: breaks the framework's subscription connection. False when it has none. */
  dropStream(frameworkId: string): boolean {
    const fw = this.frameworks.get(frameworkId);
    if (!fw?.stream) return false;
    fw.stream.destroy();
    return true;
  }

  /** TEARDOWN or failover expiry: every task is killed (TASK_KILLED, REASON_FRAMEWORK_REMOVED). */
  removeFramework(fw: FrameworkRecord, why: string): void {
    if (!this.frameworks.has(fw.id)) return;
    clearTimeout(fw.failoverTimer);
    const stream = fw.stream;
    this.detachStream(fw);
    stream?.end();
    this.book.remove((o) => o.frameworkId === fw.id);
    for (const agent of this.agents.values()) {
      if (!agent.unreachableSinceMs) agent.link.shutdownFramework(fw.id);
      agent.executors.delete(fw.id);
    }
    for (const t of [...fw.tasks.values(), ...fw.unreachableTasks.values()]) {
      if (!isTerminal(t.state))
        this.applyStatus(
          t,
          masterStatus({
            taskId: t.info.task_id.value,
            agentId: t.agentId,
            executorId: t.executorId,
            state: 'TASK_KILLED',
            reason: 'REASON_FRAMEWORK_REMOVED',
            message: 'Framework removed',
          }),
        );
      completeTask(fw, t);
    }
    fw.unregisteredTimeMs ??= Date.now();
    this.frameworks.delete(fw.id);
    this.completedFrameworks.push(fw);
    this.removedFrameworkIds.add(fw.id);
    this.log.info('framework removed', { frameworkId: fw.id, why });
    this.emit('framework', { frameworkId: fw.id, change: 'removed' });
  }

  // ---- calls ----------------------------------------------------------------------------------------

  /** A non-SUBSCRIBE call that passed call validation; `streamId` is the request's Mesos-Stream-Id. */
  handleCall(call: SchedulerCall, streamId: string | undefined): CallResult {
    const frameworkId = call.framework_id!.value;
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return { status: 400, message: 'Framework cannot be found' };
    if (!fw.connected) return { status: 403, message: 'Framework is not subscribed' };
    if (streamId === undefined)
      return { status: 400, message: "All non-subscribe calls should include the 'Mesos-Stream-Id' header" };
    if (streamId !== fw.streamId)
      return {
        status: 400,
        message: `The stream ID '${streamId}' included in this request didn't match the stream ID currently associated with framework ID ${fw.id}`,
      };
    switch (call.type) {
      case 'TEARDOWN':
        this.removeFramework(fw, 'teardown');
        break;
      case 'ACCEPT':
        processAccept(this.acceptHost, fw, call.accept!);
        break;
      case 'DECLINE':
        this.book.decline(
          fw,
          (call.decline!.offer_ids ?? []).map((o) => o.value),
          call.decline!.filters ?? {},
        );
        break;
      case 'REVIVE': {
        const roles = this.rolesArg(fw, call.revive?.roles);
        for (const r of roles) fw.suppressedRoles.delete(r);
        fw.filters = fw.filters.filter((f) => !roles.includes(f.role));
        break;
      }
      case 'SUPPRESS':
        for (const r of this.rolesArg(fw, call.suppress?.roles)) fw.suppressedRoles.add(r);
        break;
      case 'KILL':
        this.kill(fw, call.kill!);
        break;
      case 'SHUTDOWN':
        this.activeAgent(call.shutdown!.agent_id.value)?.link.shutdownExecutor(
          fw.id,
          call.shutdown!.executor_id.value,
        );
        break;
      case 'ACKNOWLEDGE':
        this.acknowledge(fw, call.acknowledge!);
        break;
      case 'RECONCILE':
        this.reconcile(
          fw,
          (call.reconcile!.tasks ?? []).map((t) => ({ taskId: t.task_id.value, agentId: t.agent_id?.value })),
        );
        break;
      case 'MESSAGE': {
        const m = call.message!;
        this.activeAgent(m.agent_id.value)?.link.frameworkMessage(fw.id, m.executor_id.value, m.data);
        break;
      }
      case 'UPDATE_FRAMEWORK':
        return this.updateFramework(fw, call.update_framework!);
      default:
        // REQUEST, inverse offers, operation feedback: nothing in this cluster produces or consumes them.
        this.log.debug('call ignored', { frameworkId: fw.id, type: call.type });
    }
    return { status: 202 };
  }

  private rolesArg(fw: FrameworkRecord, roles: readonly string[] | undefined): string[] {
    return roles?.length ? roles.filter((r) => fw.roles.includes(r)) : fw.roles;
  }

  private updateFramework(
    fw: FrameworkRecord,
    upd: NonNullable<SchedulerCall['update_framework']>,
  ): CallResult {
    const info = upd.framework_info;
    const changed =
      info.user !== fw.info.user
        ? 'user'
        : Boolean(info.checkpoint) !== Boolean(fw.info.checkpoint)
          ? 'checkpoint'
          : (info.principal ?? '') !== (fw.info.principal ?? '')
            ? 'principal'
            : undefined;
    if (changed) return { status: 400, message: `Updating 'FrameworkInfo.${changed}' is unsupported` };
    const problem = subscribeProblem(info, upd.suppressed_roles);
    if (problem) return { status: 400, message: problem };
    fw.info = { ...info, id: { value: fw.id } };
    const before = fw.roles;
    this.applyRolesAndSuppression(fw, upd.suppressed_roles ?? [], true);
    const dropped = (o: OfferRecord) =>
      o.frameworkId === fw.id && before.includes(o.role) && !fw.roles.includes(o.role);
    for (const offer of this.book.remove(dropped)) this.rescind(offer);
    for (const agent of this.agents.values())
      if (!agent.unreachableSinceMs) agent.link.updateFramework(fw.info);
    return { status: 200 };
  }

  private kill(fw: FrameworkRecord, kill: NonNullable<SchedulerCall['kill']>): void {
    const taskId = kill.task_id.value;
    const task = fw.tasks.get(taskId);
    if (!task) {
      // A kill for a task the master does not know becomes an explicit reconciliation of it.
      this.reconcile(fw, [{ taskId, agentId: kill.agent_id?.value }]);
      return;
    }
    this.activeAgent(task.agentId)?.link.killTask(fw.id, taskId, kill.kill_policy);
  }

  private acknowledge(fw: FrameworkRecord, ack: NonNullable<SchedulerCall['acknowledge']>): void {
    const agent = this.activeAgent(ack.agent_id.value);
    if (!agent) {
      this.log.warn('acknowledgement for an unknown or unreachable agent dropped', {
        frameworkId: fw.id,
        agentId: ack.agent_id.value,
      });
      return;
    }
    const taskId = ack.task_id.value;
    agent.link.acknowledge(fw.id, taskId, ack.uuid);
    const task = fw.tasks.get(taskId);
    if (task && isTerminal(task.state) && task.terminalUuid === Buffer.from(ack.uuid).toString('hex'))
      completeTask(fw, task);
  }

  private reconcile(fw: FrameworkRecord, requested: Array<{ taskId: string; agentId?: string }>): void {
    const statuses = reconcile({
      partitionAware: hasCapability(fw.info, 'PARTITION_AWARE'),
      requested,
      knownTask: (id) => {
        const t = fw.tasks.get(id) ?? fw.unreachableTasks.get(id);
        return t && taskView(t);
      },
      allTasks: () => [...fw.tasks.values(), ...fw.unreachableTasks.values()].map(taskView),
      agentStanding: (id): AgentStanding => {
        const agent = this.agents.get(id);
        if (!agent) return { kind: 'unknown' };
        return agent.unreachableSinceMs !== undefined
          ? { kind: 'unreachable', sinceMs: agent.unreachableSinceMs }
          : { kind: 'active' };
      },
    });
    for (const status of statuses) this.sendMasterUpdate(fw, status);
  }

  // ---- offers ---------------------------------------------------------------------------------------

  private readonly acceptHost: AcceptHost = {
    takeOffers: (fw, offerIds) => this.book.take(fw, offerIds, (id) => this.activeAgent(id)),
    recover: (fw, agentId, role, resources, filters) =>
      this.book.recover(fw, agentId, role, resources, filters ?? {}),
    launch: (fw, agent, role, tasks, executor, newExecutor, group) =>
      this.launch(fw, agent, role, tasks, executor, newExecutor, group),
    sendMasterUpdate: (fw, status) => this.sendMasterUpdate(fw, status, true),
    warn: (message, meta) => this.log.warn(message, meta),
  };

  private rescind(offer: OfferRecord): void {
    const fw = this.frameworks.get(offer.frameworkId);
    if (fw) this.send(fw, { type: 'RESCIND', rescind: { offer_id: { value: offer.id } } });
  }

  /** One allocation cycle: offers every agent's free resources to the framework the allocator picks. */
  private allocateNow(): void {
    for (const [frameworkId, offers] of this.book.allocate(
      this.frameworks,
      this.agents.values(),
      Date.now(),
    )) {
      this.send(this.frameworks.get(frameworkId)!, { type: 'OFFERS', offers: { offers } });
      this.emit('offers', { frameworkId, offers });
    }
  }

  private launch(
    fw: FrameworkRecord,
    agent: AgentRecord,
    role: string,
    tasks: TaskInfo[],
    executor: ExecutorInfo | undefined,
    newExecutor: boolean,
    group: boolean,
  ): void {
    const normalised = executor && normaliseExecutor(executor, fw.id);
    if (normalised && newExecutor) {
      const perFramework = agent.executors.get(fw.id) ?? new Map();
      perFramework.set(normalised.executor_id.value, {
        info: normalised,
        resources: bagOf(executor!.resources, role),
      });
      agent.executors.set(fw.id, perFramework);
    }
    for (const task of tasks) {
      const image = imageOf(task) ?? (normalised && imageOfContainer(normalised.container));
      const record: TaskRecord = {
        info: task,
        frameworkId: fw.id,
        agentId: agent.id,
        executorId: normalised?.executor_id.value,
        role,
        resources: bagOf(task.resources, role),
        state: 'TASK_STAGING',
        statuses: [],
        imageNotApplied: image,
      };
      fw.tasks.set(task.task_id.value, record);
      this.log.info('launching task', {
        frameworkId: fw.id,
        taskId: task.task_id.value,
        agentId: agent.id,
        group,
      });
    }
    agent.link.launch({ framework: fw.info, executor: normalised, tasks, group });
  }

  // ---- status updates (MasterLink) ------------------------------------------------------------------

  private applyStatus(task: TaskRecord, status: TaskStatus): void {
    const wasTerminal = isTerminal(task.state);
    task.state = status.state;
    if (status.healthy !== undefined) task.healthy = status.healthy;
    task.statuses.push(status);
    if (!wasTerminal && isTerminal(status.state) && status.uuid)
      task.terminalUuid = Buffer.from(status.uuid).toString('hex');
    this.emit('task-status', { frameworkId: task.frameworkId, agentId: task.agentId, status });
  }

  taskStatusChanged(agentId: string, frameworkId: string, status: TaskStatus): void {
    const fw = this.frameworks.get(frameworkId);
    const task = fw?.tasks.get(status.task_id.value);
    if (!task || task.agentId !== agentId) {
      this.emit('task-status', { frameworkId, agentId, status });
      return;
    }
    const uuid = status.uuid && Buffer.from(status.uuid).toString('hex');
    if (uuid && task.statuses.some((s) => s.uuid && Buffer.from(s.uuid).toString('hex') === uuid)) return;
    this.applyStatus(task, status);
  }

  forwardStatusUpdate(_agentId: string, frameworkId: string, status: TaskStatus): void {
    const fw = this.frameworks.get(frameworkId);
    if (fw) this.send(fw, { type: 'UPDATE', update: { status } });
  }

  executorMessage(agentId: string, frameworkId: string, executorId: string, data: Uint8Array): void {
    const fw = this.frameworks.get(frameworkId);
    if (fw)
      this.send(fw, {
        type: 'MESSAGE',
        message: { agent_id: { value: agentId }, executor_id: { value: executorId }, data },
      });
  }

  executorTerminated(
    agentId: string,
    frameworkId: string,
    executorId: string,
    waitStatus: number | undefined,
    custom: boolean,
  ): void {
    this.agents.get(agentId)?.executors.get(frameworkId)?.delete(executorId);
    const fw = this.frameworks.get(frameworkId);
    if (!fw || !custom) return;
    const failure: NonNullable<SchedulerEvent['failure']> = {
      agent_id: { value: agentId },
      executor_id: { value: executorId },
    };
    if (waitStatus !== undefined) failure.status = waitStatus;
    this.send(fw, { type: 'FAILURE', failure });
  }

  /**
   * Sends a master-generated update (dropped when the framework is disconnected, as Mesos drops it).
   * `observe` also reports it to listeners, for verdicts on tasks the master never recorded.
   */
  private sendMasterUpdate(fw: FrameworkRecord, status: TaskStatus, observe = false): void {
    if (observe) this.emit('task-status', { frameworkId: fw.id, agentId: status.agent_id?.value, status });
    this.send(fw, { type: 'UPDATE', update: { status } });
  }

  private send(fw: FrameworkRecord, event: SchedulerEvent): void {
    fw.stream?.send(event);
  }

  // ---- inspection -----------------------------------------------------------------------------------

  /** Resources held on the agent (tasks, executors) and outstanding in offers. */
  agentUsage(agent: AgentRecord): { used: ResourceBag; offered: ResourceBag } {
    return { used: usedOn(agent, this.frameworks.values()), offered: this.book.offeredOn(agent.id) };
  }
}

function imageOfContainer(container: TaskInfo['container']): string | undefined {
  if (!container) return undefined;
  if (container.type === 'DOCKER') return container.docker?.image;
  return container.mesos?.image?.docker?.name ?? container.mesos?.image?.appc?.name;
}

function imageOf(task: TaskInfo): string | undefined {
  return imageOfContainer(task.container);
}
