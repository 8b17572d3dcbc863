// RGrid dashboard: plain JavaScript, no framework, no build step. Served by api-service at /.
// Authentication: POST /api/v1/session exchanges the key for an HttpOnly, SameSite=Strict cookie;
// every POST/DELETE also sends the session's CSRF token in X-RGrid-CSRF. Live data comes from the
// server-sent event streams /api/v1/events and /api/v1/executions/{id}/logs?follow=true.
'use strict';

const API = '/api/v1';
const STATES = ['QUEUED', 'ASSIGNED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'CANCELLED', 'LOST'];
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'CANCELLED', 'LOST']);
const $ = (id) => document.getElementById(id);

const state = {
  session: null,      // {project, admin, expiresAt, csrfToken}
  events: null,       // EventSource of /api/v1/events
  cluster: null,      // the latest 'cluster' event
  listeners: new Set(), // the current page's handlers: {execution(view), cluster(data)}
  pageTimers: [],
  pageStreams: [],
};

// ---------- small helpers ----------

/** Creates an element; attributes set with setAttribute (never innerHTML), children as text or nodes. */
function h(tag, attrs, ...children) {
  const svg = ['svg', 'path', 'line', 'text', 'rect', 'g', 'polyline', 'circle', 'title'].includes(tag);
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function stateBadge(s) { return h('span', { class: 'state ' + s }, s); }
function shortId(id) { return id ? id.slice(0, 8) + '…' + id.slice(-4) : ''; }
function pad(n) { return String(n).padStart(2, '0'); }

function duration(seconds) {
  if (seconds === null || seconds === undefined || isNaN(seconds)) return '–';
  seconds = Math.max(0, Math.round(seconds));
  const d = Math.floor(seconds / 86400), hr = Math.floor(seconds % 86400 / 3600);
  const m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
  if (d > 0) return `${d}d ${hr}h`;
  if (hr > 0) return `${hr}h ${pad(m)}m`;
  if (m > 0) return `${m}m ${pad(s)}s`;
  return `${s}s`;
}

function when(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  const today = new Date();
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return d.toDateString() === today.toDateString() ? time : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

function eur(v) { return v === null || v === undefined ? '–' : '€' + Number(v).toFixed(v < 1 ? 4 : 2); }

/** Seconds an execution has run (or ran): started → finished (or now). */
function runSeconds(e) {
  if (!e.startedAt) return null;
  const end = e.finishedAt ? new Date(e.finishedAt) : new Date();
  return (end - new Date(e.startedAt)) / 1000;
}

class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.code = problem && problem.code;
  }
}

/** Calls the API with the session cookie; POST/DELETE carry the CSRF token. A 401 goes back to the login. */
async function api(path, options = {}) {
  const method = options.method || 'GET';
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && state.session && state.session.csrfToken) headers['X-RGrid-CSRF'] = state.session.csrfToken;
  let body;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  const response = await fetch(API + path, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    if (response.status === 401 && !options.allow401) {
      showLogin('Your session has ended (logged out, expired, or the key was revoked). Log in again.');
    }
    throw new ApiError(response.status, typeof data === 'object' ? data : null);
  }
  return data;
}

// ---------- login, session, live events ----------

async function boot() {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  window.addEventListener('hashchange', route);
  try {
    state.session = await api('/session', { allow401: true });
    startApp();
  } catch (e) {
    showLogin(e.status === 401 ? null : e.message);
  }
}

async function login(event) {
  event.preventDefault();
  const error = $('login-error');
  error.hidden = true;
  $('login-button').disabled = true;
  try {
    state.session = await api('/session', { method: 'POST', json: { key: $('key').value }, allow401: true });
    $('key').value = '';
    if (!location.hash || location.hash === '#/login') location.hash = '#/executions';
    startApp();
  } catch (e) {
    error.textContent = e.status === 401 ? 'That key is unknown or revoked.' : e.message;
    error.hidden = false;
  } finally {
    $('login-button').disabled = false;
  }
}

async function logout() {
  try { await api('/session', { method: 'DELETE', allow401: true }); } catch (e) { /* ended already */ }
  showLogin('Logged out.');
}

function showLogin(message) {
  stopEvents();
  leavePage();
  state.session = null;
  $('top').hidden = true;
  $('page').hidden = true;
  $('login').hidden = false;
  const error = $('login-error');
  error.hidden = !message;
  error.textContent = message || '';
  $('key').focus();
}

function startApp() {
  $('login').hidden = true;
  $('top').hidden = false;
  $('page').hidden = false;
  const s = state.session;
  $('who').textContent = s.admin ? 'admin · all projects' : 'project ' + s.project;
  startEvents();
  route();
}

function startEvents() {
  stopEvents();
  const source = new EventSource(API + '/events');
  state.events = source;
  source.addEventListener('open', () => $('live').classList.add('on'));
  source.addEventListener('execution', (m) => {
    const view = JSON.parse(m.data);
    state.listeners.forEach((l) => l.execution && l.execution(view));
  });
  source.addEventListener('cluster', (m) => {
    state.cluster = JSON.parse(m.data);
    state.listeners.forEach((l) => l.cluster && l.cluster(state.cluster));
  });
  source.addEventListener('error', async () => {
    $('live').classList.remove('on');
    // EventSource retries by itself; find out whether the session is what failed.
    try { await api('/session', { allow401: false }); } catch (e) { /* showLogin ran on a 401 */ }
  });
}

function stopEvents() {
  if (state.events) state.events.close();
  state.events = null;
  $('live').classList.remove('on');
}

// ---------- routing ----------

function leavePage() {
  state.listeners.clear();
  state.pageTimers.forEach(clearInterval);
  state.pageTimers = [];
  state.pageStreams.forEach((s) => s.close());
  state.pageStreams = [];
}

function route() {
  if (!state.session) return;
  leavePage();
  const hash = location.hash.replace(/^#/, '') || '/executions';
  const parts = hash.split('?')[0].split('/').filter(Boolean);
  const page = $('page');
  page.replaceChildren();
  let name = parts[0] || 'executions';
  if (name === 'executions' && parts[1]) {
    executionPage(page, decodeURIComponent(parts[1]));
  } else if (name === 'workers') {
    workersPage(page);
  } else if (name === 'queue') {
    queuePage(page);
  } else if (name === 'cost') {
    costPage(page);
  } else {
    name = 'executions';
    executionsPage(page, new URLSearchParams(hash.split('?')[1] || ''));
  }
  document.querySelectorAll('#nav a').forEach((a) => a.classList.toggle('active', a.dataset.page === name));
  document.title = 'RGrid · ' + name;
}

function every(ms, fn) { state.pageTimers.push(setInterval(fn, ms)); }
function listen(handlers) { state.listeners.add(handlers); }
function failure(container, e) { container.replaceChildren(h('p', { class: 'error' }, e.message)); }

// ---------- executions ----------

function executionsPage(page, query) {
  const admin = state.session.admin;
  const filter = { state: query.get('state') || '', project: query.get('project') || '', label: query.get('label') || '' };
  const stateSelect = h('select', { id: 'filter-state' }, h('option', { value: '' }, 'all states'),
    STATES.map((s) => h('option', { value: s, selected: s === filter.state }, s)));
  const project = h('input', { id: 'filter-project', value: filter.project, placeholder: 'any project', size: 12 });
  const label = h('input', { id: 'filter-label', value: filter.label, placeholder: 'key=value', size: 14 });
  const apply = () => {
    const q = new URLSearchParams();
    if (stateSelect.value) q.set('state', stateSelect.value);
    if (admin && project.value.trim()) q.set('project', project.value.trim());
    if (label.value.trim()) q.set('label', label.value.trim());
    location.hash = '#/executions' + (q.toString() ? '?' + q : '');
  };
  stateSelect.addEventListener('change', apply);
  const form = h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); apply(); } },
    h('label', {}, 'State', stateSelect),
    admin ? h('label', {}, 'Project', project) : null,
    h('label', {}, 'Label', label),
    h('button', { type: 'submit', class: 'secondary' }, 'Filter'));
  const tbody = h('tbody', { id: 'executions-body' });
  const table = h('table', { class: 'cards', id: 'executions' },
    h('thead', {}, h('tr', {}, ['Execution', 'State', 'Project', 'Script', 'Worker', 'Attempt', 'Created', 'Duration']
      .map((t) => h('th', { class: t === 'Duration' || t === 'Attempt' ? 'num' : null }, t)))),
    tbody);
  const more = h('button', { class: 'secondary', hidden: true, id: 'more' }, 'Load more');
  const status = h('p', { class: 'muted' });
  page.append(h('div', { class: 'head' }, h('h1', {}, 'Executions')), form,
    h('div', { class: 'panel' }, table, status, more));

  const rows = new Map();
  let cursor = null;
  const matches = (e) => (!filter.state || e.state === filter.state)
    && (!filter.project || e.projectId === filter.project)
    && (!filter.label || labelMatches(e, filter.label));
  const render = (e, row) => {
    const cells = [
      h('td', { 'data-label': 'Execution' }, h('a', { href: '#/executions/' + e.id, class: 'mono', title: e.id }, shortId(e.id))),
      h('td', { 'data-label': 'State', class: 'state-cell' }, stateBadge(e.state)),
      h('td', { 'data-label': 'Project' }, e.projectId),
      h('td', { 'data-label': 'Script' }, e.scriptName || ''),
      h('td', { 'data-label': 'Worker', class: 'mono' }, e.workerId || '–'),
      h('td', { 'data-label': 'Attempt', class: 'num' }, e.attempt),
      h('td', { 'data-label': 'Created' }, when(e.createdAt)),
      h('td', { 'data-label': 'Duration', class: 'num duration' }, duration(runSeconds(e))),
    ];
    row.replaceChildren(...cells);
    row.dataset.state = e.state;
    row.execution = e;
  };
  const upsert = (e, prepend) => {
    let row = rows.get(e.id);
    if (!row) {
      row = h('tr', { 'data-id': e.id });
      rows.set(e.id, row);
      if (prepend) tbody.prepend(row); else tbody.append(row);
    } else if (prepend) {
      row.classList.remove('flash');
      void row.offsetWidth; // restart the animation
      row.classList.add('flash');
    }
    render(e, row);
  };
  const load = async () => {
    const q = new URLSearchParams({ limit: '50' });
    if (filter.state) q.set('state', filter.state);
    if (filter.project) q.set('project', filter.project);
    if (filter.label) q.set('label', filter.label);
    if (cursor) q.set('cursor', cursor);
    try {
      const pageData = await api('/executions?' + q);
      pageData.items.forEach((e) => upsert(e, false));
      cursor = pageData.nextCursor;
      more.hidden = !cursor;
      status.textContent = rows.size ? '' : 'No executions yet. Submit one with: rgrid run script.py';
    } catch (e) {
      status.textContent = e.message;
      status.className = 'error';
    }
  };
  more.addEventListener('click', load);
  listen({
    execution: (e) => {
      if (rows.has(e.id) || matches(e)) upsert(e, true);
      status.textContent = '';
    },
  });
  every(1000, () => rows.forEach((row) => {
    const e = row.execution;
    if (e && e.startedAt && !e.finishedAt) row.querySelector('.duration').textContent = duration(runSeconds(e));
  }));
  load();
}

function labelMatches(e, filter) {
  const i = filter.indexOf('=');
  const labels = (e.spec && e.spec.labels) || {};
  return i > 0 && labels[filter.slice(0, i)] === filter.slice(i + 1);
}

// ---------- one execution ----------

function executionPage(page, id) {
  const title = h('h1', { class: 'mono' }, id);
  const badge = h('span', { id: 'execution-state' });
  const cancel = h('button', { id: 'cancel', class: 'danger' }, 'Cancel');
  const retry = h('button', { id: 'retry', class: 'secondary' }, 'Retry');
  const message = h('span', { id: 'action-message', class: 'muted' });
  const details = h('dl', { class: 'kv', id: 'details' });
  const spec = h('dl', { class: 'kv', id: 'spec' });
  const timeline = h('ol', { class: 'timeline', id: 'timeline' });
  const log = h('pre', { class: 'log', id: 'log' });
  const logState = h('span', { id: 'log-state', class: 'muted' });
  const outputs = h('ul', { id: 'outputs' });
  page.append(
    h('p', {}, h('a', { href: '#/executions' }, '← Executions')),
    h('div', { class: 'head' }, h('div', {}, title, badge), h('div', { class: 'actions' }, message, cancel, retry)),
    h('div', { class: 'grid2' },
      h('div', { class: 'panel' }, h('h2', {}, 'Execution'), details),
      h('div', { class: 'panel' }, h('h2', {}, 'Spec'), spec)),
    h('div', { class: 'grid2' },
      h('div', { class: 'panel' }, h('h2', {}, 'Timeline'), timeline),
      h('div', { class: 'panel' }, h('h2', {}, 'Outputs'), outputs)),
    h('div', { class: 'panel' }, h('div', { class: 'head' }, h('h2', {}, 'Log'), logState), log));

  let current = null;
  let following = null;
  const show = (e) => {
    const changed = !current || current.state !== e.state || current.attempt !== e.attempt;
    current = e;
    badge.replaceChildren(stateBadge(e.state));
    const kv = (dl, pairs) => dl.replaceChildren(...pairs.filter((p) => p[1] !== undefined).flatMap(([k, v]) =>
      [h('dt', {}, k), h('dd', {}, v === null || v === '' ? '–' : v)]));
    kv(details, [
      ['Project', e.projectId], ['Script', e.scriptName], ['Inputs', (e.inputs || []).join(', ')],
      ['Attempt', `${e.attempt} of ${e.spec ? e.spec.maxAttempts : '?'}`], ['Worker', e.workerId],
      ['Exit code', e.exitCode], ['Reason', e.reason], ['Message', e.message],
      ['Created', when(e.createdAt)], ['Started', when(e.startedAt)], ['Finished', when(e.finishedAt)],
      ['Duration', duration(runSeconds(e))],
      e.retryOf ? ['Retry of', h('a', { href: '#/executions/' + e.retryOf, class: 'mono' }, e.retryOf)] : ['Retry of', undefined],
    ]);
    const s = e.spec || {};
    kv(spec, [
      ['Image', s.image], ['Arguments', (s.args || []).join(' ')], ['CPUs', s.cpus], ['Memory', s.memoryMb + ' MiB'],
      ['Timeout', duration(s.timeoutSeconds)], ['Network', s.network],
      ['Environment', Object.keys(s.env || {}).join(', ')],
      ['Labels', Object.entries(s.labels || {}).map(([k, v]) => `${k}=${v}`).join(', ')],
    ]);
    const ended = TERMINAL.has(e.state);
    cancel.disabled = ended;
    retry.disabled = !ended;
    if (changed) {
      loadTimeline();
      if (ended) loadOutputs();
      if (!following || following.attempt !== e.attempt) followLog(e.attempt);
    }
  };
  const loadTimeline = async () => {
    try {
      const t = await api(`/executions/${encodeURIComponent(id)}/transitions`);
      const items = [];
      let attempt = 0;
      for (const tr of t.items) {
        if (tr.attempt !== attempt) {
          attempt = tr.attempt;
          items.push(h('li', { class: 'attempt' }, 'Attempt ' + attempt));
        }
        items.push(h('li', { 'data-state': tr.to }, h('span', { class: 'muted' }, when(tr.at)),
          h('span', {}, stateBadge(tr.to), ' ', h('span', { class: 'muted' }, 'by ' + tr.reportedBy))));
      }
      timeline.replaceChildren(...items);
    } catch (e) { failure(timeline, e); }
  };
  const loadOutputs = async () => {
    try {
      const o = await api(`/executions/${encodeURIComponent(id)}/outputs`);
      outputs.replaceChildren(...(o.outputs.length ? o.outputs.map((f) => h('li', {},
        h('a', { href: `${API}/executions/${encodeURIComponent(id)}/outputs/${encodeURIComponent(f.name)}?attempt=${o.attempt}`,
          download: f.name }, f.name), ' ', h('span', { class: 'muted' }, `${f.size} bytes`)))
        : [h('li', { class: 'muted' }, 'No outputs (a script writes them to outputs/).')]));
    } catch (e) { failure(outputs, e); }
  };
  const followLog = (attempt) => {
    if (following) following.source.close();
    log.replaceChildren();
    logState.textContent = 'following…';
    const source = new EventSource(`${API}/executions/${encodeURIComponent(id)}/logs?follow=true`);
    following = { source, attempt };
    state.pageStreams.push(source);
    source.addEventListener('log', (m) => {
      const chunk = JSON.parse(m.data);
      const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 20;
      log.append(h('span', { class: chunk.stream }, chunk.text));
      if (atBottom) log.scrollTop = log.scrollHeight;
    });
    source.addEventListener('end', (m) => {
      const end = JSON.parse(m.data);
      logState.textContent = `ended: ${end.state}` + (end.exitCode !== null ? `, exit code ${end.exitCode}` : '');
      source.close();
      if (!log.textContent) log.append(h('span', { class: 'muted' }, '(no output)'));
    });
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) logState.textContent = 'log stream closed';
    });
  };
  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    try {
      await api(`/executions/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
      message.textContent = 'Cancel requested.';
    } catch (e) {
      message.textContent = e.message;
      cancel.disabled = false;
    }
  });
  retry.addEventListener('click', async () => {
    retry.disabled = true;
    try {
      const created = await api(`/executions/${encodeURIComponent(id)}/retry`, { method: 'POST' });
      location.hash = '#/executions/' + created.id;
    } catch (e) {
      message.textContent = e.message;
      retry.disabled = false;
    }
  });
  listen({ execution: (e) => { if (e.id === current?.id) show(e); } });
  every(1000, () => {
    if (current && current.startedAt && !current.finishedAt) show(current);
  });
  api(`/executions/${encodeURIComponent(id)}`).then(show).catch((e) => {
    page.replaceChildren(h('p', {}, h('a', { href: '#/executions' }, '← Executions')),
      h('p', { class: 'error' }, e.status === 404 ? `No execution ${id}.` : e.message));
  });
}

// ---------- workers ----------

function workersPage(page) {
  const tbody = h('tbody', { id: 'workers-body' });
  const total = h('span', { class: 'big', id: 'cost-total' }, '–');
  const count = h('span', { class: 'big', id: 'worker-count' }, '–');
  const hint = h('p', { class: 'muted' });
  page.append(h('div', { class: 'head' }, h('h1', {}, 'Workers')),
    h('div', { class: 'stats' }, h('div', {}, h('div', { class: 'muted' }, 'Workers'), count),
      h('div', {}, h('div', { class: 'muted' }, 'Cost so far (all workers)'), total)),
    h('div', { class: 'panel' }, h('table', { class: 'cards', id: 'workers' },
      h('thead', {}, h('tr', {}, ['Worker', 'State', 'Type', 'Heartbeat', 'Slots in use', 'Uptime', 'Billing hour', 'Price/h', 'Cost so far']
        .map((t) => h('th', {}, t)))), tbody), hint));
  const show = (data) => {
    const workers = data.workers || [];
    count.textContent = workers.length;
    total.textContent = eur(data.cost ? data.cost.totalEur : 0);
    hint.textContent = workers.length ? '' : 'No workers: the orchestrator starts one when work is queued.';
    tbody.replaceChildren(...workers.map((w) => {
      const hourBar = h('div', { class: 'bar', title: 'minutes into the current paid hour' }, h('span'));
      if (w.billingHourSeconds !== null) hourBar.firstChild.style.width = (w.billingHourSeconds / 36).toFixed(1) + '%';
      return h('tr', { 'data-id': w.id },
        h('td', { 'data-label': 'Worker', class: 'mono' }, w.id),
        h('td', { 'data-label': 'State' }, stateBadge(w.state)),
        h('td', { 'data-label': 'Type' }, `${w.provider || ''} ${w.serverType || ''}`.trim() || '–'),
        h('td', { 'data-label': 'Heartbeat' }, w.heartbeatAgeSeconds === null ? 'none yet' : duration(w.heartbeatAgeSeconds) + ' ago'),
        h('td', { 'data-label': 'Slots in use' }, w.slots === null ? '–' : `${w.slotsInUse} / ${w.slots}`),
        h('td', { 'data-label': 'Uptime' }, duration(w.uptimeSeconds)),
        h('td', { 'data-label': 'Billing hour' }, h('div', {}, w.billingHourSeconds === null ? '–'
          : `${Math.floor(w.billingHourSeconds / 60)} of 60 min`, hourBar)),
        h('td', { 'data-label': 'Price/h' }, eur(w.hourlyPriceEur)),
        h('td', { 'data-label': 'Cost so far' }, eur(w.costEur)));
    }));
  };
  listen({ cluster: show });
  if (state.cluster) show(state.cluster);
  Promise.all([api('/workers'), api('/cost')]).then(([w, c]) => show({ workers: w.items, cost: c }))
    .catch((e) => failure(tbody, e));
}

// ---------- queue ----------

function queuePage(page) {
  const chart = h('div', { id: 'queue-chart' }, h('p', { class: 'muted' }, 'Loading…'));
  const depth = h('div', { class: 'stats', id: 'queue-depth' });
  const oldest = h('p', { id: 'queue-oldest', class: 'muted' });
  page.append(h('div', { class: 'head' }, h('h1', {}, 'Queue')), depth, oldest,
    h('div', { class: 'panel' }, h('h2', {}, 'Queue depth, last hour'),
      h('div', { class: 'legend' }, ['queued', 'assigned', 'running'].map((s) => h('span', {}, h('i', { class: s }), s))),
      chart));
  const showDepth = (q) => {
    depth.replaceChildren(...['QUEUED', 'ASSIGNED', 'RUNNING'].map((s) =>
      h('div', {}, h('div', { class: 'muted' }, s.toLowerCase()), h('span', { class: 'big', 'data-state': s }, q.depth[s] || 0))));
    const o = q.oldest;
    oldest.textContent = o ? `Oldest queued: ${shortId(o.id)}, waiting ${duration(o.waitingSeconds)}`
      + (o.reason ? ` (${o.reason}${o.etaSeconds ? ', about ' + duration(o.etaSeconds) : ''})` : '') : 'Nothing is waiting.';
  };
  const load = async () => {
    try {
      const history = await api('/queue/history?minutes=60');
      chart.replaceChildren(queueChart(history));
    } catch (e) { failure(chart, e); }
  };
  listen({ cluster: (c) => showDepth(c.queue) });
  if (state.cluster) showDepth(state.cluster.queue);
  else api('/queue').then(showDepth).catch(() => {});
  load();
  every(15000, load);
}

/** A line chart of queued/assigned/running over the hour, drawn as SVG. */
function queueChart(history) {
  const W = 800, H = 260, L = 40, R = 12, T = 12, B = 28;
  const from = new Date(history.from).getTime(), to = new Date(history.to).getTime();
  const samples = history.samples.map((s) => ({ t: new Date(s.at).getTime(), q: s.queued, a: s.assigned, r: s.running }));
  const max = Math.max(4, ...samples.map((s) => Math.max(s.q, s.a, s.r)));
  const step = niceStep(max);
  const top = Math.ceil(max / step) * step;
  const x = (t) => L + (t - from) / (to - from) * (W - L - R);
  const y = (v) => T + (1 - v / top) * (H - T - B);
  const svg = h('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'queue depth over the last hour' });
  for (let v = 0; v <= top; v += step) {
    svg.append(h('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }),
      h('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, v));
  }
  for (let m = 60; m >= 0; m -= 10) {
    const t = to - m * 60000;
    svg.append(h('text', { x: x(t), y: H - 8, 'text-anchor': 'middle' }, m === 0 ? 'now' : `-${m}m`));
  }
  svg.append(h('line', { class: 'axis', x1: L, x2: W - R, y1: y(0), y2: y(0) }));
  if (!samples.length) {
    svg.append(h('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'no samples yet (one every ' + history.intervalSeconds + ' s)'));
    return svg;
  }
  const line = (key) => samples.map((s, i) => `${i ? 'L' : 'M'}${x(s.t).toFixed(1)},${y(s[key]).toFixed(1)}`).join(' ');
  const area = line('q') + ` L${x(samples[samples.length - 1].t).toFixed(1)},${y(0)} L${x(samples[0].t).toFixed(1)},${y(0)} Z`;
  svg.append(h('path', { class: 'a-queued', d: area }), h('path', { class: 's-running', d: line('r') }),
    h('path', { class: 's-assigned', d: line('a') }), h('path', { class: 's-queued', d: line('q') }));
  const last = samples[samples.length - 1];
  svg.append(h('circle', { cx: x(last.t), cy: y(last.q), r: 3, class: 's-queued' },
    h('title', {}, `${when(new Date(last.t).toISOString())}: ${last.q} queued, ${last.a} assigned, ${last.r} running`)));
  return svg;
}

function niceStep(max) {
  for (const s of [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]) if (max / s <= 5) return s;
  return Math.ceil(max / 5);
}

// ---------- cost ----------

function costPage(page) {
  const days = h('select', { id: 'cost-days' }, [7, 14, 30, 90].map((d) => h('option', { value: d, selected: d === 14 }, `${d} days`)));
  const chart = h('div', { id: 'cost-chart' });
  const tbody = h('tbody', { id: 'cost-body' });
  const total = h('span', { class: 'big', id: 'cost-range-total' }, '–');
  const now = h('span', { class: 'big', id: 'cost-now' }, '–');
  page.append(h('div', { class: 'head' }, h('h1', {}, 'Cost'), h('label', {}, 'Range ', days)),
    h('div', { class: 'stats' },
      h('div', {}, h('div', { class: 'muted' }, 'In this range'), total),
      h('div', {}, h('div', { class: 'muted' }, 'All time (latest snapshot)'), now)),
    h('div', { class: 'panel' }, h('h2', {}, 'Cost per day (UTC)'), chart),
    h('div', { class: 'panel' }, h('table', { class: 'cards' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Day'), h('th', { class: 'num' }, 'Cost'))), tbody)));
  const load = async () => {
    try {
      const [daily, cost] = await Promise.all([api('/cost/daily?days=' + days.value), api('/cost')]);
      total.textContent = eur(daily.totalEur);
      now.textContent = eur(cost.totalEur);
      chart.replaceChildren(costChart(daily.items));
      tbody.replaceChildren(...daily.items.slice().reverse().map((d) =>
        h('tr', {}, h('td', { 'data-label': 'Day' }, d.day), h('td', { 'data-label': 'Cost', class: 'num' }, eur(d.eur)))));
    } catch (e) { failure(chart, e); }
  };
  days.addEventListener('change', load);
  listen({ cluster: (c) => { now.textContent = eur(c.cost.totalEur); } });
  load();
  every(60000, load);
}

/** Bars per day, drawn as SVG. */
function costChart(items) {
  const W = 800, H = 240, L = 52, R = 12, T = 12, B = 30;
  const max = Math.max(0.01, ...items.map((d) => d.eur));
  const svg = h('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'cost per day' });
  const y = (v) => T + (1 - v / max) * (H - T - B);
  for (let i = 0; i <= 4; i++) {
    const v = max * i / 4;
    svg.append(h('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }),
      h('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, '€' + v.toFixed(max < 1 ? 3 : 2)));
  }
  const slot = (W - L - R) / items.length;
  const labelEvery = Math.ceil(items.length / 10);
  items.forEach((d, i) => {
    const bx = L + i * slot + slot * 0.15;
    const bar = h('rect', { class: 'cost', x: bx.toFixed(1), y: y(d.eur).toFixed(1), width: (slot * 0.7).toFixed(1),
      height: Math.max(0, y(0) - y(d.eur)).toFixed(1) }, h('title', {}, `${d.day}: ${eur(d.eur)}`));
    svg.append(bar);
    if (i % labelEvery === 0 || i === items.length - 1) {
      svg.append(h('text', { x: (bx + slot * 0.35).toFixed(1), y: H - 10, 'text-anchor': 'middle' }, d.day.slice(5)));
    }
  });
  svg.append(h('line', { class: 'axis', x1: L, x2: W - R, y1: y(0), y2: y(0) }));
  return svg;
}

document.addEventListener('DOMContentLoaded', boot);
