// Operator commands against a running scheduler: submit, jobs, status, watch, scale, kill, tasks, logs.
// The API address and token come from config, environment (NODAL_API_URL, NODAL_API_TOKEN) or flags.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { NodalError, isNodalError } from '../../config/errors.js';
import { loadConfig } from '../../config/load.js';
import { ApiClient } from '../api-client.js';
import { bar, num, table } from '../format.js';
import type { JobStatus } from '../../scheduler/api/types.js';

interface ApiFlags {
  apiUrl?: string;
  apiToken?: string;
  json?: boolean;
}

function client(flags: ApiFlags): ApiClient {
  const overrides: Record<string, unknown> = {};
  if (flags.apiUrl) overrides['api.url'] = flags.apiUrl;
  if (flags.apiToken) overrides['api.token'] = flags.apiToken;
  const config = loadConfig({ overrides });
  return new ApiClient(config.api.url, config.api.token);
}

const out = (s: string) => process.stdout.write(s + '\n');

function parseWorkers(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new NodalError('VALIDATION', `--workers must be an integer >= 0, got '${v}'`);
  return n;
}

export function renderStatus(job: JobStatus): string {
  const p = job.progress;
  const lines = [
    `job        ${job.id} (${job.name})`,
    `state      ${job.state}${job.reason ? ` — ${job.reason}` : ''}`,
    `step       ${p.step}${p.totalSteps ? ` / ${p.totalSteps}` : ''}   epoch ${p.epoch}   examples ${p.examplesSeen}${p.totalExamples ? ` / ${p.totalExamples}` : ''}`,
    `workers    ${job.workers.running} running, desired ${job.workers.desired} (min ${job.workers.min}, max ${job.workers.max})`,
    `loss       ${num(p.loss) ?? '-'}   images/s ${num(p.imagesPerSec, 1) ?? '-'}   staleness ${p.staleness ? `${num(p.staleness.mean, 2)} mean / ${p.staleness.max} max` : '-'}`,
    `validation accuracy ${num(job.valAccuracy) ?? '-'}   AUC ${num(job.valAuc) ?? '-'}`,
  ];
  if (p.testAccuracy !== undefined)
    lines.push(`test       accuracy ${num(p.testAccuracy)}   AUC ${num(p.testAuc)}`);
  if (p.modelPath) lines.push(`model      ${p.modelPath}`);
  lines.push(`restarts   ${job.restarts}`, '', renderTasks(job));
  return lines.join('\n');
}

function renderTasks(job: JobStatus): string {
  return table(
    ['task', 'role', 'state', 'agent', 'restarts', 'last failure'],
    job.tasks.map((t) => [
      t.taskId,
      `${t.role}-${t.index}`,
      t.state,
      t.hostname ?? t.agentId,
      t.restarts,
      t.lastFailure
        ? `${t.lastFailure.state} ${t.lastFailure.reason ?? ''} ${t.lastFailure.message ?? ''}`.trim()
        : undefined,
    ]),
  );
}

const withApi = (cmd: Command) =>
  cmd
    .option('--api-url <url>', 'scheduler API (default: config api.url / NODAL_API_URL)')
    .option('--api-token <token>', 'bearer token (default: NODAL_API_TOKEN)');

export function register(program: Command): void {
  withApi(
    program
      .command('submit <spec>')
      .description('submit a job spec (JSON file, or - for stdin)')
      .option('--json', 'print the created job as JSON'),
  ).action(async (specPath: string, flags: ApiFlags) => {
    let text: string;
    try {
      text = specPath === '-' ? await readStdin() : await readFile(specPath, 'utf8');
    } catch (e) {
      throw new NodalError('NOT_FOUND', `cannot read ${specPath}: ${(e as Error).message}`);
    }
    let spec: unknown;
    try {
      spec = JSON.parse(text);
    } catch (e) {
      throw new NodalError('VALIDATION', `${specPath} is not valid JSON: ${(e as Error).message}`);
    }
    const job = await client(flags).submitJob(spec);
    out(flags.json ? JSON.stringify(job, null, 2) : `submitted ${job.id}`);
  });

  withApi(program.command('jobs').description('list jobs').option('--json', 'JSON output')).action(
    async (flags: ApiFlags) => {
      const jobs = await client(flags).listJobs();
      if (flags.json) {
        out(JSON.stringify(jobs, null, 2));
        return;
      }
      out(
        table(
          ['job', 'state', 'step', 'workers', 'loss', 'val acc', 'restarts'],
          jobs.map((j) => [
            j.id,
            j.state,
            j.step,
            `${j.workers.running}/${j.workers.desired}`,
            num(j.loss),
            num(j.valAccuracy),
            j.restarts,
          ]),
        ),
      );
    },
  );

  withApi(
    program.command('status <job>').description("a job's status").option('--json', 'JSON output'),
  ).action(async (id: string, flags: ApiFlags) => {
    const job = await client(flags).getJob(id);
    out(flags.json ? JSON.stringify(job, null, 2) : renderStatus(job));
  });

  withApi(program.command('tasks <job>').description("a job's tasks").option('--json', 'JSON output')).action(
    async (id: string, flags: ApiFlags) => {
      const job = await client(flags).getJob(id);
      out(flags.json ? JSON.stringify(job.tasks, null, 2) : renderTasks(job));
    },
  );

  withApi(
    program
      .command('scale <job>')
      .description('set the desired number of workers')
      .requiredOption('--workers <n>', 'desired workers')
      .option('--json', 'JSON output'),
  ).action(async (id: string, flags: ApiFlags & { workers: string }) => {
    const job = await client(flags).scaleJob(id, parseWorkers(flags.workers));
    out(
      flags.json
        ? JSON.stringify(job, null, 2)
        : `${job.id}: desired workers ${job.workers.desired} (running ${job.workers.running})`,
    );
  });

  withApi(program.command('kill <job>').description('kill a job').option('--json', 'JSON output')).action(
    async (id: string, flags: ApiFlags) => {
      const job = await client(flags).killJob(id);
      out(flags.json ? JSON.stringify(job, null, 2) : `${job.id}: ${job.state}`);
    },
  );

  withApi(
    program
      .command('logs <job> <task>')
      .description("print a task's stdout or stderr from its agent's sandbox")
      .option('--stderr', 'stderr instead of stdout')
      .option('-f, --follow', 'keep printing new output'),
  ).action(async (id: string, taskId: string, flags: ApiFlags & { stderr?: boolean; follow?: boolean }) => {
    const api = client(flags);
    const job = await api.getJob(id);
    const task = job.tasks.find((t) => t.taskId === taskId || `${t.role}-${t.index}` === taskId);
    if (!task) throw new NodalError('NOT_FOUND', `no task '${taskId}' in job ${id} (see: nodal tasks ${id})`);
    let offset = 0;
    // Right after a launch the scheduler may still be locating the task's sandbox: retry briefly.
    const read = async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await api.readTaskFile(
            id,
            task.taskId,
            flags.stderr ? 'stderr' : 'stdout',
            offset,
            256 * 1024,
          );
        } catch (e) {
          if (!isNodalError(e, 'UNAVAILABLE') || attempt >= 10) throw e;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    };
    for (;;) {
      const chunk = await read();
      if (chunk.data.length) {
        process.stdout.write(chunk.data);
        offset = chunk.offset + Buffer.byteLength(chunk.data);
        continue;
      }
      if (!flags.follow) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
  });

  withApi(
    program.command('watch <job>').description('live progress until the job ends (exit 0 if it succeeded)'),
  ).action(async (id: string, flags: ApiFlags) => {
    const api = client(flags);
    const ac = new AbortController();
    const tty = process.stdout.isTTY;
    let last = '';
    const draw = (job: JobStatus) => {
      const p = job.progress;
      const frac = p.totalSteps
        ? p.step / p.totalSteps
        : p.totalExamples
          ? p.examplesSeen / p.totalExamples
          : 0;
      const line = `${job.id} ${job.state.padEnd(9)} ${bar(frac)} step ${p.step} loss ${num(p.loss) ?? '-'} acc ${num(job.valAccuracy) ?? '-'} ${num(p.imagesPerSec, 1) ?? '-'} img/s workers ${job.workers.running}/${job.workers.desired} restarts ${job.restarts}`;
      if (line === last) return;
      last = line;
      process.stdout.write(tty ? `\r\x1b[2K${line}` : line + '\n');
    };
    let job = await api.getJob(id);
    draw(job);
    const done = (s: string) => ['succeeded', 'failed', 'killed'].includes(s);
    try {
      if (!done(job.state))
        for await (const ev of api.events(ac.signal)) {
          if ((ev.kind === 'job' && ev.job.id === id) || (ev.kind !== 'job' && ev.jobId === id)) {
            job = await api.getJob(id);
            draw(job);
            // Stop on the event that ended the job, not on the one after it (there may be none).
            if (done(job.state)) break;
          }
        }
    } catch (e) {
      if (!ac.signal.aborted) throw e;
    } finally {
      ac.abort();
    }
    if (tty) process.stdout.write('\n');
    out(`${job.id} ${job.state}${job.reason ? `: ${job.reason}` : ''}`);
    if (job.state !== 'succeeded') process.exitCode = 1;
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
