// A small typed client of the scheduler's /v1 API for the CLI (and tests). Errors become NodalErrors with
// the API's own code, so the CLI's exit codes follow the server's answer.
import { NodalError, type ErrorCode } from '../config/errors.js';
import type {
  ClusterSpecView,
  JobStatus,
  JobSummary,
  SchedulerEvent,
  TaskView,
} from '../scheduler/api/types.js';

const KNOWN_CODES = new Set<ErrorCode>([
  'VALIDATION',
  'NOT_FOUND',
  'CONFLICT',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'UNAVAILABLE',
  'TIMEOUT',
]);

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 30_000,
  ) {}

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new NodalError(
        'UNAVAILABLE',
        `cannot reach the scheduler at ${this.baseUrl}: ${(e as Error).cause ?? (e as Error).message}`,
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const err = (
        json as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined
      )?.error;
      const code = (
        KNOWN_CODES.has(err?.code as ErrorCode)
          ? err!.code
          : res.status === 401
            ? 'UNAUTHORIZED'
            : res.status >= 500
              ? 'UNAVAILABLE'
              : 'VALIDATION'
      ) as ErrorCode;
      throw new NodalError(code, err?.message ?? `HTTP ${res.status}`, err?.details);
    }
    return json as T;
  }

  listJobs = async () => (await this.request<{ jobs: JobSummary[] }>('GET', '/v1/jobs')).jobs;
  getJob = (id: string) => this.request<JobStatus>('GET', `/v1/jobs/${encodeURIComponent(id)}`);
  submitJob = (spec: unknown) => this.request<JobStatus>('POST', '/v1/jobs', spec);
  scaleJob = (id: string, workers: number) =>
    this.request<JobStatus>('POST', `/v1/jobs/${encodeURIComponent(id)}/scale`, { workers });
  killJob = (id: string) => this.request<JobStatus>('DELETE', `/v1/jobs/${encodeURIComponent(id)}`);
  tasks = async (id: string) =>
    (await this.request<{ tasks: TaskView[] }>('GET', `/v1/jobs/${encodeURIComponent(id)}/tasks`)).tasks;
  clusterSpec = (id: string) =>
    this.request<ClusterSpecView>('GET', `/v1/jobs/${encodeURIComponent(id)}/cluster-spec`);
  readTaskFile = (id: string, taskId: string, file: 'stdout' | 'stderr', offset: number, length: number) =>
    this.request<{ data: string; offset: number }>(
      'GET',
      `/v1/jobs/${encodeURIComponent(id)}/tasks/${encodeURIComponent(taskId)}/files/${file}?offset=${offset}&length=${length}`,
    );

  /** Server-sent events until `signal` aborts. */
  async *events(signal: AbortSignal): AsyncGenerator<SchedulerEvent> {
    const headers: Record<string, string> = this.token ? { authorization: `Bearer ${this.token}` } : {};
    const res = await fetch(new URL('/v1/events', this.baseUrl), { headers, signal });
    if (!res.ok || !res.body)
      throw new NodalError(
        res.status === 401 ? 'UNAUTHORIZED' : 'UNAVAILABLE',
        `event stream: HTTP ${res.status}`,
      );
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .map((l) => l.slice(6))
          .join('\n');
        if (data) yield JSON.parse(data) as SchedulerEvent;
      }
    }
  }
}
