// Routes of the master's HTTP server: the scheduler API (also under `/master`), `/master/state`,
// `/master/redirect` (307 to itself: it is always the leader) and `/health`.
import type http from 'node:http';
import { respondJson, respondText } from '../http/respond.js';
import type { Master } from './master.js';
import { handleSchedulerApi } from './scheduler-api.js';

export async function handleMasterRequest(
  master: Master,
  state: () => Record<string, unknown>,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): Promise<void> {
  const p = url.pathname.replace(/\/+$/, '') || '/';
  if (p === '/api/v1/scheduler' || p === '/master/api/v1/scheduler')
    return handleSchedulerApi(master, req, res);
  if (['/master/state', '/master/state.json', '/state', '/state.json'].includes(p))
    return respondJson(res, 200, state());
  if (p === '/master/redirect' || p === '/redirect') {
    const info = master.masterInfo;
    res.writeHead(307, { Location: `//${info.hostname}:${info.port}`, 'Content-Length': 0 });
    res.end();
    return;
  }
  if (p === '/health' || p === '/master/health') return respondText(res, 200, 'OK');
  respondText(res, 404, 'Not found');
}
