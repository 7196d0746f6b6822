// Renders a MetricsSnapshot in the Prometheus text exposition format (version 0.0.4).
import type { MetricsSnapshot } from './types.js';

type Labels = Record<string, string>;

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const fmtLabels = (l: Labels) => {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};
const fmtValue = (v: number) =>
  Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';

class Exposition {
  private readonly lines: string[] = [];
  metric(name: string, type: 'counter' | 'gauge', help: string, samples: Array<[Labels, number]>): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) this.lines.push(`${name}${fmtLabels(labels)} ${fmtValue(value)}`);
  }
  toString(): string {
    return this.lines.join('\n') + '\n';
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function renderPrometheus(m: MetricsSnapshot): string {
  const e = new Exposition();
  e.metric(
    'nodal_tasks',
    'gauge',
    'Tasks by role and Mesos task state.',
    m.tasksByRoleAndState.map((t) => [{ role: t.role, state: t.state }, t.count]),
  );
  e.metric(
    'nodal_task_restarts_total',
    'counter',
    'Task relaunches after a failure or loss.',
    m.restartsTotal.map((r) => [{ job: r.jobId, role: r.role }, r.count]),
  );
  e.metric('nodal_offers_accepted_total', 'counter', 'Offers used for launches.', [
    [{}, m.offersAcceptedTotal],
  ]);
  e.metric('nodal_offers_declined_total', 'counter', 'Offers declined.', [[{}, m.offersDeclinedTotal]]);
  e.metric(
    'nodal_job_running',
    'gauge',
    '1 while the job is running.',
    m.jobs.map((j) => [{ job: j.jobId, state: j.state }, j.state === 'running' ? 1 : 0]),
  );
  e.metric(
    'nodal_job_global_step',
    'gauge',
    'Global training step.',
    m.jobs.map((j) => [{ job: j.jobId }, j.step]),
  );
  e.metric(
    'nodal_job_step_rate',
    'gauge',
    'Global steps per second.',
    m.jobs.map((j) => [{ job: j.jobId }, j.stepRate]),
  );
  e.metric(
    'nodal_job_images_per_second',
    'gauge',
    'Training images per second, all workers.',
    m.jobs.map((j) => [{ job: j.jobId }, j.imagesPerSec]),
  );
  const withAcc = m.jobs.filter((j) => j.valAccuracy !== undefined);
  e.metric(
    'nodal_job_validation_accuracy',
    'gauge',
    'Latest validation accuracy.',
    withAcc.map((j) => [{ job: j.jobId }, j.valAccuracy!]),
  );
  const withStale = m.jobs.filter((j) => j.stalenessMean !== undefined);
  e.metric(
    'nodal_job_staleness',
    'gauge',
    'Gradient staleness in steps (mean and max over recent pushes).',
    withStale.flatMap((j): Array<[Labels, number]> => [
      [{ job: j.jobId, stat: 'mean' }, j.stalenessMean!],
      [{ job: j.jobId, stat: 'max' }, j.stalenessMax ?? j.stalenessMean!],
    ]),
  );
  return e.toString();
}
