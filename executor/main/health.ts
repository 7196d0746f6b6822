// The task's health check. Mesos runs none for custom executors, so the executor runs the TaskInfo's
// HealthCheck itself, with Mesos' semantics (src/checks/health_checker.cpp): the first probe after
// `delay_seconds`, then every `interval_seconds`; failures inside `grace_period_seconds` of the start are
// ignored until a probe has succeeded once; after `consecutive_failures` failures in a row the task is to be
// killed. TCP connects to the port, HTTP expects a 2xx/3xx answer, COMMAND expects exit status 0.
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { NodalError } from '../../config/errors.js';
import { silentLogger, type Logger } from '../../config/logger.js';
import type { CommandInfo, HealthCheck } from '../../protos/mesos/v1/types.js';

/** A health check with its timings in milliseconds and Mesos' defaults filled in. */
export type HealthCheckPlan = {
  readonly delayMs: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly consecutiveFailures: number;
  readonly gracePeriodMs: number;
} & (
  | { readonly kind: 'tcp'; readonly port: number }
  | { readonly kind: 'http'; readonly port: number; readonly path: string }
  | { readonly kind: 'command'; readonly command: CommandInfo }
);

/** One probe's outcome. */
export interface ProbeResult {
  readonly ok: boolean;
  readonly detail: string;
}

/** What the checker reports after a probe that changes something. */
export interface HealthResult {
  readonly healthy: boolean;
  /** The failure threshold was reached: kill the task. */
  readonly killTask: boolean;
  readonly consecutiveFailures: number;
  readonly detail: string;
}

const seconds = (v: number | undefined, fallback: number): number => Math.round((v ?? fallback) * 1000);

/**
 * The plan of a TaskInfo health check (defaults: delay 15 s, interval 10 s, timeout 20 s, 3 failures,
 * grace 10 s). Throws VALIDATION for a check without a usable type or its type's fields, or an https check.
 */
export function healthCheckPlan(hc: HealthCheck): HealthCheckPlan {
  const timing = {
    delayMs: seconds(hc.delay_seconds, 15),
    intervalMs: seconds(hc.interval_seconds, 10),
    timeoutMs: seconds(hc.timeout_seconds, 20),
    consecutiveFailures: Math.max(1, hc.consecutive_failures ?? 3),
    gracePeriodMs: seconds(hc.grace_period_seconds, 10),
  };
  switch (hc.type) {
    case 'TCP':
      if (!hc.tcp?.port) throw new NodalError('VALIDATION', 'TCP health check without a port');
      return { ...timing, kind: 'tcp', port: hc.tcp.port };
    case 'HTTP':
      if (!hc.http?.port) throw new NodalError('VALIDATION', 'HTTP health check without a port');
      if ((hc.http.scheme ?? 'http') !== 'http')
        throw new NodalError('VALIDATION', `HTTP health check scheme ${hc.http.scheme} is not supported`);
      return { ...timing, kind: 'http', port: hc.http.port, path: hc.http.path ?? '/' };
    case 'COMMAND':
      if (!hc.command?.value) throw new NodalError('VALIDATION', 'COMMAND health check without a command');
      return { ...timing, kind: 'command', command: hc.command };
    default:
      throw new NodalError('VALIDATION', `health check type ${String(hc.type)} is not supported`);
  }
}

function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (r: ProbeResult) => {
      socket.destroy();
      resolve(r);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, detail: `no connection within ${timeoutMs} ms` }));
    socket.once('connect', () => done({ ok: true, detail: `connected to ${host}:${port}` }));
    socket.once('error', (e) => done({ ok: false, detail: e.message }));
  });
}

function probeHttp(host: string, port: number, path: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve({ ok: status >= 200 && status < 400, detail: `HTTP ${status}` });
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', (e) => resolve({ ok: false, detail: e.message }));
  });
}

function probeCommand(command: CommandInfo, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    for (const v of command.environment?.variables ?? []) if (v.value !== undefined) env[v.name] = v.value;
    const shell = command.shell ?? true;
    // shell false: `value` is the program, `arguments` the full argv (argv[0] first), as in Mesos.
    const child = shell
      ? spawn('/bin/sh', ['-c', command.value ?? ''], { env, stdio: 'ignore' })
      : spawn(command.value ?? '', (command.arguments ?? []).slice(1), { env, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, detail: e.message });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve({ ok: false, detail: `no exit within ${timeoutMs} ms` });
      else resolve({ ok: code === 0, detail: signal ? `killed by ${signal}` : `exit status ${code}` });
    });
  });
}

/** Runs one probe of `plan` against `host` (TCP/HTTP); never rejects. */
export function probe(plan: HealthCheckPlan, host: string): Promise<ProbeResult> {
  switch (plan.kind) {
    case 'tcp':
      return probeTcp(host, plan.port, plan.timeoutMs);
    case 'http':
      return probeHttp(host, plan.port, plan.path, plan.timeoutMs);
    case 'command':
      return probeCommand(plan.command, plan.timeoutMs);
  }
}

/**
 * Runs a plan until stopped and calls `onResult` when the health changes and on every failure past the
 * grace period (each may be the one that reaches the threshold). Lifecycle: `start()` → `stop()`.
 */
export class HealthChecker {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private startedAt = 0;
  private everHealthy = false;
  private failures = 0;
  private healthy: boolean | undefined;
  private readonly log: Logger;

  constructor(
    private readonly plan: HealthCheckPlan,
    private readonly host: string,
    private readonly onResult: (r: HealthResult) => void,
    logger: Logger = silentLogger,
  ) {
    this.log = logger.child({ component: 'health-check' });
  }

  /** Schedules the first probe after the plan's delay. */
  start(): void {
    this.startedAt = Date.now();
    this.schedule(this.plan.delayMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const r = await probe(this.plan, this.host);
    if (this.stopped) return;
    if (r.ok) {
      this.failures = 0;
      this.everHealthy = true;
      if (this.healthy !== true) this.report(true, false, r.detail);
    } else if (!this.everHealthy && Date.now() - this.startedAt < this.plan.gracePeriodMs) {
      this.log.debug('health check failed within the grace period', { detail: r.detail });
    } else {
      this.failures++;
      const kill = this.failures >= this.plan.consecutiveFailures;
      this.log.warn('health check failed', { failures: this.failures, detail: r.detail, kill });
      this.report(false, kill, r.detail);
      if (kill) return this.stop();
    }
    this.schedule(this.plan.intervalMs);
  }

  private report(healthy: boolean, killTask: boolean, detail: string): void {
    this.healthy = healthy;
    this.onResult({ healthy, killTask, consecutiveFailures: this.failures, detail });
  }
}
