// One embedded agent: its own HTTP server (executor API, files API, /state), the executor runs of each
// framework, and the status update manager between them and the master.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../config/logger.js';
import type {
  AgentInfo,
  Attribute,
  ExecutorInfo,
  FrameworkInfo,
  KillPolicy,
  Resource,
  TaskStatus,
} from '../../protos/mesos/v1/types.js';
import { startServer, type RunningServer } from '../http/server.js';
import type { AgentLink, LaunchRequest, MasterLink } from '../links.js';
import { hasCapability } from '../capabilities.js';
import { handleAgentRequest } from './agent-http.js';
import { BuiltinExecutorRun } from './builtin-executor.js';
import { describeCommand } from './command-line.js';
import { Containerizer } from './containerizer.js';
import { CustomExecutorRun } from './custom-executor.js';
import { runStatus, type ExecutorHost, type ExecutorRun, type RunTimings } from './executor-run.js';
import { StatusUpdateManager } from './status-update-manager.js';

export interface AgentOptions extends RunTimings {
  host: string;
  hostname: string;
  resources: Resource[];
  attributes: Attribute[];
  /** The cluster's work directory; sandboxes go under `slaves/<agentId>/…`. */
  workDir: string;
  pathPrepend: readonly string[];
  statusUpdateRetryMs: number;
  statusUpdateRetryMaxMs: number;
  logger: Logger;
}

interface AgentFramework {
  info: FrameworkInfo;
  runs: Map<string, ExecutorRun>;
  completedRuns: ExecutorRun[];
}

/** Completed executor runs kept per framework for /state and the files API. */
const MAX_COMPLETED_RUNS = 200;

export class Agent implements AgentLink {
  readonly frameworks = new Map<string, AgentFramework>();
  private readonly removedFrameworks = new Set<string>();
  private readonly containerizer: Containerizer;
  private readonly sum: StatusUpdateManager;
  private readonly log: Logger;
  private master?: MasterLink;
  private agentId = '';
  private server?: RunningServer;
  private stopped = false;

  private constructor(readonly opts: AgentOptions) {
    this.log = opts.logger.child({ component: 'cluster-agent' });
    this.containerizer = new Containerizer(this.log);
    this.sum = new StatusUpdateManager({
      retryInitialMs: opts.statusUpdateRetryMs,
      retryMaxMs: opts.statusUpdateRetryMaxMs,
      forward: (frameworkId, status) => this.master?.forwardStatusUpdate(this.agentId, frameworkId, status),
    });
  }

  /** Starts the agent's HTTP server on an OS-chosen port; `attach` it to the master next. */
  static async start(opts: AgentOptions): Promise<Agent> {
    const agent = new Agent(opts);
    agent.server = await startServer(
      opts.host,
      0,
      (req, res, url) => handleAgentRequest(agent, req, res, url),
      agent.log,
    );
    return agent;
  }

  /** Completes registration with the id the master minted. */
  attach(agentId: string, master: MasterLink): void {
    this.agentId = agentId;
    this.master = master;
  }

  get id(): string {
    return this.agentId;
  }
  get port(): number {
    return this.server!.port;
  }
  get host(): string {
    return this.opts.host;
  }
  get info(): AgentInfo {
    return {
      hostname: this.opts.hostname,
      id: { value: this.agentId },
      port: this.port,
      resources: this.opts.resources,
      attributes: this.opts.attributes,
    };
  }
  /** `<workDir>/slaves/<agentId>`: everything this agent writes lives below. */
  get directory(): string {
    return path.join(this.opts.workDir, 'slaves', this.agentId);
  }

  // ---- AgentLink ------------------------------------------------------------------------------------

  launch(req: LaunchRequest): void {
    const frameworkId = req.framework.id!.value;
    const fw = this.frameworks.get(frameworkId) ?? {
      info: req.framework,
      runs: new Map(),
      completedRuns: [],
    };
    fw.info = req.framework;
    this.frameworks.set(frameworkId, fw);
    this.removedFrameworks.delete(frameworkId);

    const executor = req.executor ?? this.commandExecutorInfo(req);
    const executorId = executor.executor_id.value;
    let run = fw.runs.get(executorId);
    if (run?.closing) {
      // Mesos drops tasks sent to an executor that is already terminating.
      const pa = hasCapability(fw.info, 'PARTITION_AWARE');
      for (const task of req.tasks)
        this.statusUpdate(
          frameworkId,
          runStatus({
            run,
            agentId: this.agentId,
            taskId: task.task_id.value,
            state: pa ? 'TASK_DROPPED' : 'TASK_LOST',
            source: 'SOURCE_AGENT',
            reason: 'REASON_EXECUTOR_TERMINATED',
            message: 'Executor terminating',
          }),
        );
      return;
    }
    if (!run) {
      const containerId = randomUUID();
      const directory = path.join(
        this.directory,
        'frameworks',
        frameworkId,
        'executors',
        executorId,
        'runs',
        containerId,
      );
      mkdirSync(directory, { recursive: true });
      const host = this.executorHost;
      if (!req.executor)
        run = new BuiltinExecutorRun(host, 'command', frameworkId, executor, containerId, directory);
      else if (executor.type === 'DEFAULT')
        run = new BuiltinExecutorRun(host, 'default', frameworkId, executor, containerId, directory);
      else {
        const custom = new CustomExecutorRun(host, frameworkId, executor, containerId, directory);
        run = custom;
        void custom.start();
      }
      fw.runs.set(executorId, run);
    }
    run.launch(req.tasks, req.group);
  }

  /** Mesos runs a command task under a generated executor whose id is the task id. */
  private commandExecutorInfo(req: LaunchRequest): ExecutorInfo {
    const task = req.tasks[0]!;
    return {
      executor_id: { value: task.task_id.value },
      framework_id: req.framework.id,
      name: `Command Executor (Task: ${task.task_id.value}) (Command: ${describeCommand(task.command!)})`,
      command: task.command,
      resources: task.resources,
    };
  }

  private runOfTask(frameworkId: string, taskId: string): ExecutorRun | undefined {
    for (const run of this.frameworks.get(frameworkId)?.runs.values() ?? [])
      if (run.tasks.has(taskId)) return run;
    return undefined;
  }

  killTask(frameworkId: string, taskId: string, killPolicy?: KillPolicy): void {
    const run = this.runOfTask(frameworkId, taskId);
    if (!run) this.log.warn('kill for a task this agent does not run', { frameworkId, taskId });
    run?.kill(taskId, killPolicy);
  }

  shutdownExecutor(frameworkId: string, executorId: string): void {
    this.frameworks.get(frameworkId)?.runs.get(executorId)?.shutdown();
  }

  shutdownFramework(frameworkId: string): void {
    this.removedFrameworks.add(frameworkId);
    this.sum.removeFramework(frameworkId);
    for (const run of this.frameworks.get(frameworkId)?.runs.values() ?? []) run.shutdown();
  }

  acknowledge(frameworkId: string, taskId: string, uuid: Uint8Array): void {
    if (!this.sum.acknowledge(frameworkId, taskId, uuid))
      this.log.debug('unexpected acknowledgement ignored', { frameworkId, taskId });
  }

  frameworkMessage(frameworkId: string, executorId: string, data: Uint8Array): void {
    this.frameworks.get(frameworkId)?.runs.get(executorId)?.message(data);
  }

  resendUpdates(frameworkId: string): void {
    this.sum.resend(frameworkId);
  }

  updateFramework(info: FrameworkInfo): void {
    const fw = this.frameworks.get(info.id!.value);
    if (fw) fw.info = info;
  }

  /** Fault injection: signals the process running `taskId` (any framework); false when none runs it. */
  signalTask(taskId: string, signal: NodeJS.Signals): boolean {
    for (const fw of this.frameworks.values())
      for (const run of fw.runs.values())
        if (run.tasks.has(taskId) && run.signalTask(taskId, signal)) return true;
    return false;
  }

  // ---- executor side --------------------------------------------------------------------------------

  /** The custom executor an executor API call names, or the 400 reason. */
  customRun(frameworkId: string, executorId: string): CustomExecutorRun | string {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return 'Framework cannot be found';
    const run = fw.runs.get(executorId);
    if (!(run instanceof CustomExecutorRun)) return 'Executor cannot be found';
    return run;
  }

  /** An executor MESSAGE call: best-effort to the scheduler. */
  executorMessage(frameworkId: string, executorId: string, data: Uint8Array): void {
    this.master?.executorMessage(this.agentId, frameworkId, executorId, data);
  }

  /** Every new status of a task on this agent goes through here: master bookkeeping, then reliable delivery. */
  private statusUpdate(frameworkId: string, status: TaskStatus): void {
    if (this.stopped || this.removedFrameworks.has(frameworkId)) return;
    if (!this.sum.add(frameworkId, status)) return; // duplicate (e.g. re-sent on executor re-subscription)
    this.log.debug('task status', {
      frameworkId,
      taskId: status.task_id.value,
      state: status.state,
      source: status.source,
    });
    this.master?.taskStatusChanged(this.agentId, frameworkId, status);
  }

  private runTerminated(run: ExecutorRun, waitStatus: number | undefined): void {
    const fw = this.frameworks.get(run.frameworkId);
    if (!fw || this.stopped) return;
    fw.runs.delete(run.executorId);
    fw.completedRuns.push(run);
    if (fw.completedRuns.length > MAX_COMPLETED_RUNS) fw.completedRuns.shift();
    this.master?.executorTerminated(
      this.agentId,
      run.frameworkId,
      run.executorId,
      waitStatus,
      run.kind === 'custom',
    );
  }

  private hostForRuns?: ExecutorHost;

  /** What executor runs see of this agent; built on first launch, after `attach` fixed the id. */
  private get executorHost(): ExecutorHost {
    return (this.hostForRuns ??= {
      agentId: this.agentId,
      agentInfo: this.info,
      host: this.opts.host,
      port: this.port,
      pathPrepend: this.opts.pathPrepend,
      timings: this.opts,
      containerizer: this.containerizer,
      log: this.log,
      frameworkInfo: (frameworkId) => this.frameworks.get(frameworkId)!.info,
      statusUpdate: (frameworkId, status) => this.statusUpdate(frameworkId, status),
      executorMessage: (frameworkId, executorId, data) => this.executorMessage(frameworkId, executorId, data),
      runTerminated: (run, waitStatus) => this.runTerminated(run, waitStatus),
    });
  }

  // ---- lifecycle ------------------------------------------------------------------------------------

  /** The agent goes away: every process is SIGKILLed without status updates and the server closes. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.sum.stop();
    const runs = [...this.frameworks.values()].flatMap((fw) => [...fw.runs.values()]);
    await Promise.all(runs.map((r) => r.destroy()));
    await this.containerizer.destroyAll();
    await this.server?.close();
  }

  /** Synchronous last resort (process exit hook). */
  killAllSync(): void {
    this.containerizer.killAllSync();
  }
}
