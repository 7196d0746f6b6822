// nodal dashboard: a job list, the selected job's metrics, training curve, tasks per agent and scale/kill
// controls. Live through the API's server-sent events (read with fetch so the bearer token can be sent).
const $ = (id) => document.getElementById(id);
const state = {
  jobs: new Map(),
  selected: null,
  detail: null,
  token: localStorage.getItem('nodal.token') || '',
};

const fmt = (v, digits = 3) =>
  v === undefined || v === null || Number.isNaN(v) ? '–' : Number(v).toFixed(digits);
const fmtInt = (v) => (v === undefined || v === null ? '–' : Number(v).toLocaleString('en-US'));

async function api(path, init = {}) {
  const headers = { ...(init.headers || {}) };
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  const res = await fetch(path, { ...init, headers });
  if (res.status === 401) {
    await askToken();
    return api(path, init);
  }
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
  if (!res.ok) throw new Error(body?.error?.message || `HTTP ${res.status}`);
  return body;
}

function askToken() {
  return new Promise((resolve) => {
    const dialog = $('token-dialog');
    dialog.addEventListener(
      'close',
      () => {
        state.token = $('token-input').value.trim();
        localStorage.setItem('nodal.token', state.token);
        resolve();
      },
      { once: true },
    );
    dialog.showModal();
  });
}

function renderJobs() {
  const body = $('jobs').querySelector('tbody');
  const jobs = [...state.jobs.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  $('no-jobs').hidden = jobs.length > 0;
  body.replaceChildren(
    ...jobs.map((j) => {
      const tr = document.createElement('tr');
      tr.dataset.jobId = j.id;
      if (j.id === state.selected) tr.classList.add('selected');
      const cells = [
        j.id,
        j.state,
        fmtInt(j.step),
        `${j.workers.running}/${j.workers.desired}`,
        fmt(j.loss),
        fmt(j.valAccuracy),
        fmtInt(j.restarts),
      ];
      cells.forEach((c, i) => {
        const td = document.createElement('td');
        td.textContent = c;
        if (i === 1) td.className = `state-${j.state}`;
        tr.append(td);
      });
      tr.addEventListener('click', () => select(j.id));
      return tr;
    }),
  );
  if (!state.selected && jobs.length) select(jobs.find((j) => j.state === 'running')?.id || jobs[0].id);
}

async function select(jobId) {
  state.selected = jobId;
  renderJobs();
  await refreshDetail();
}

let refreshTimer = null;
function scheduleRefresh() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    refreshDetail().catch(() => {});
  }, 250);
}

async function refreshDetail() {
  if (!state.selected) return;
  const job = await api(`/v1/jobs/${encodeURIComponent(state.selected)}`);
  state.detail = job;
  state.jobs.set(job.id, job);
  renderDetail(job);
}

function renderDetail(job) {
  $('job-panel').hidden = false;
  $('job-title').textContent = `${job.name} (${job.id}) — ${job.state}`;
  $('job-title').className = `state-${job.state}`;
  $('job-reason').textContent = job.reason || '';
  const p = job.progress || {};
  $('m-step').textContent = fmtInt(p.step ?? job.step);
  $('m-examples').textContent = fmtInt(p.examplesSeen ?? job.examplesSeen);
  $('m-ips').textContent = fmt(p.imagesPerSec, 1);
  $('m-acc').textContent = fmt(job.valAccuracy);
  $('m-auc').textContent = fmt(job.valAuc);
  $('m-stale').textContent = p.staleness ? `${fmt(p.staleness.mean, 1)} / ${p.staleness.max}` : '–';
  $('m-restarts').textContent = fmtInt(job.restarts);
  $('workers-running').textContent =
    `${job.workers.running} running, desired ${job.workers.desired} (min ${job.workers.min}, max ${job.workers.max})`;
  const input = $('scale-input');
  if (document.activeElement !== input) input.value = job.workers.desired;
  input.min = job.workers.min;
  input.max = job.workers.max;
  const finished = ['succeeded', 'failed', 'killed'].includes(job.state);
  $('scale-button').disabled = finished;
  $('kill-button').disabled = finished;
  renderCurve(job.history || { loss: [], valAccuracy: [] });
  renderAgents(job.tasks || []);
}

function renderCurve(history) {
  const svg = $('curve');
  const W = 640,
    H = 220,
    L = 40,
    R = 40,
    T = 10,
    B = 25;
  const loss = history.loss || [];
  const acc = history.valAccuracy || [];
  const maxStep = Math.max(1, ...loss.map((p) => p[0]), ...acc.map((p) => p[0]));
  const maxLoss = Math.max(0.1, ...loss.map((p) => p[1]));
  const x = (s) => L + ((W - L - R) * s) / maxStep;
  const yLoss = (v) => T + (H - T - B) * (1 - v / maxLoss);
  const yAcc = (v) => T + (H - T - B) * (1 - v);
  const path = (pts, y) =>
    pts.map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('');
  svg.innerHTML = `
    <line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#ccc"/>
    <text x="${L}" y="${H - 6}" font-size="10" fill="#6b7280">0</text>
    <text x="${W - R}" y="${H - 6}" font-size="10" fill="#6b7280" text-anchor="end">step ${maxStep}</text>
    <text x="4" y="${T + 8}" font-size="10" fill="#7b3f9e">${maxLoss.toFixed(2)}</text>
    <text x="${W - 4}" y="${T + 8}" font-size="10" fill="#1f7a4d" text-anchor="end">1.0</text>
    <path d="${path(loss, yLoss)}" fill="none" stroke="#7b3f9e" stroke-width="1.5" data-series="loss" data-points="${loss.length}"/>
    <path d="${path(acc, yAcc)}" fill="none" stroke="#1f7a4d" stroke-width="2" data-series="accuracy" data-points="${acc.length}"/>`;
}

function renderAgents(tasks) {
  const byAgent = new Map();
  for (const t of tasks) {
    const key = t.hostname ? `${t.hostname} · ${t.agentId ?? ''}` : t.agentId || 'unplaced';
    if (!byAgent.has(key)) byAgent.set(key, []);
    byAgent.get(key).push(t);
  }
  $('agents').replaceChildren(
    ...[...byAgent.entries()].map(([agent, list]) => {
      const div = document.createElement('div');
      div.className = 'agent';
      const h = document.createElement('h4');
      h.textContent = agent;
      div.append(h);
      for (const t of list.sort((a, b) => (a.role + a.index < b.role + b.index ? -1 : 1))) {
        const row = document.createElement('div');
        row.className = 'task';
        row.dataset.role = t.role;
        row.dataset.state = t.state;
        const name = document.createElement('span');
        name.textContent = `${t.role}-${t.index}`;
        const st = document.createElement('span');
        st.textContent = t.state.replace('TASK_', '').toLowerCase();
        st.title = t.lastFailure
          ? `last failure: ${t.lastFailure.state} ${t.lastFailure.reason || ''} ${t.lastFailure.message || ''}`
          : '';
        const rs = document.createElement('span');
        rs.className = 'restarts';
        rs.textContent = t.restarts ? `↻${t.restarts}` : '';
        row.append(name, st, rs);
        div.append(row);
      }
      return div;
    }),
  );
}

async function readEvents() {
  for (;;) {
    try {
      const headers = state.token ? { authorization: `Bearer ${state.token}` } : {};
      const res = await fetch('/v1/events', { headers });
      if (res.status === 401) {
        await askToken();
        continue;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      setConnection('live', 'live');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (data) onEvent(JSON.parse(data));
        }
      }
    } catch (e) {
      setConnection('error', `disconnected (${e.message}); retrying`);
    }
    setConnection('error', 'reconnecting…');
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function onEvent(ev) {
  if (ev.kind === 'job') {
    state.jobs.set(ev.job.id, { ...(state.jobs.get(ev.job.id) || {}), ...ev.job });
    renderJobs();
    if (ev.job.id === state.selected) scheduleRefresh();
  } else if ((ev.kind === 'task' || ev.kind === 'progress') && ev.jobId === state.selected) {
    scheduleRefresh();
  }
}

function setConnection(kind, text) {
  const el = $('connection');
  el.dataset.state = kind;
  el.textContent = text;
}

$('scale-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const workers = Number($('scale-input').value);
  try {
    const job = await api(`/v1/jobs/${encodeURIComponent(state.selected)}/scale`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workers }),
    });
    $('action-message').textContent = `desired workers: ${job.workers.desired}`;
    renderDetail(job);
  } catch (err) {
    $('action-message').textContent = `scale failed: ${err.message}`;
  }
});

$('kill-button').addEventListener('click', async () => {
  if (!confirm(`Kill job ${state.selected}?`)) return;
  try {
    renderDetail(await api(`/v1/jobs/${encodeURIComponent(state.selected)}`, { method: 'DELETE' }));
  } catch (err) {
    $('action-message').textContent = `kill failed: ${err.message}`;
  }
});

async function pollHealth() {
  try {
    const h = await fetch('/health').then((r) => r.json());
    $('health').textContent =
      `${h.leader ? 'leader' : 'standby'} · framework ${h.frameworkId || '–'} · ${h.subscribed ? 'subscribed' : 'not subscribed'}`;
  } catch {
    $('health').textContent = 'scheduler unreachable';
  }
}

setInterval(pollHealth, 5000);
pollHealth();
api('/v1/jobs')
  .then(({ jobs }) => {
    for (const j of jobs) state.jobs.set(j.id, j);
    renderJobs();
  })
  .catch((e) => setConnection('error', e.message));
readEvents();
