'use strict';
// Ferry's console: a page over the server's REST API (/api), redrawn every two seconds.

const view = document.getElementById('view');
const POLL_MILLIS = 2000;
let timer = null;
const seen = {}; // per pipe (and table): earlier observations, for rates and ETAs

function token() { return sessionStorage.getItem('ferry.token') || ''; }

async function api(method, path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (token()) headers.Authorization = 'Bearer ' + token();
  const r = await fetch('/api' + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 401) {
    document.getElementById('token-form').hidden = false;
    throw new Error('this server needs an API token: enter it above');
  }
  const data = await r.json();
  if (!r.ok) throw new Error(data.error || 'HTTP ' + r.status);
  return data;
}

function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}
function num(n) { return n == null ? '–' : Number(n).toLocaleString('en-US', { maximumFractionDigits: 1 }); }
function badge(state) { return `<span class="state state-${esc(state)}">${esc(state || '?')}</span>`; }
function duration(s) {
  if (s == null || !isFinite(s)) return '–';
  s = Math.round(s);
  return s < 90 ? s + ' s' : s < 5400 ? Math.round(s / 60) + ' min' : (s / 3600).toFixed(1) + ' h';
}
function pipePath(name) { return '/pipes/' + encodeURIComponent(name); }

function toast(message, bad) {
  const t = document.getElementById('toast');
  t.textContent = message;
  t.className = bad ? 'bad' : '';
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, bad ? 10000 : 4000);
}

function rowsOf(status) {
  return (status.tables || []).reduce((sum, t) => sum + t.rows_snapshotted + t.inserts + t.updates + t.deletes, 0);
}

/** Rows per second since the previous observation of the same key. */
function rate(key, value) {
  const now = Date.now();
  const before = seen[key];
  seen[key] = { at: now, value };
  return before && now > before.at ? (value - before.value) * 1000 / (now - before.at) : null;
}

/** Draws now and every POLL_MILLIS; a failed round shows its error (by default in place of the view). */
function poll(draw, failed = message => { view.innerHTML = `<div class="error">${esc(message)}</div>`; }) {
  const run = async () => {
    try {
      await draw();
    } catch (e) {
      failed(e.message);
    }
  };
  run();
  timer = setInterval(run, POLL_MILLIS);
}

// --- the list of pipes

function listPage() {
  poll(async () => {
    const pipes = await api('GET', '/pipes');
    const rows = pipes.map(p => {
      const r = rate('list/' + p.name, rowsOf(p));
      const lag = p.replication ? p.replication.lag_seconds : null;
      return `<tr data-pipe="${esc(p.name)}">
        <td><a href="#/pipe/${encodeURIComponent(p.name)}">${esc(p.name)}</a></td>
        <td>${badge(p.state)}</td>
        <td class="num">${lag == null ? '–' : num(lag) + ' s'}</td>
        <td class="num">${r == null ? '–' : num(Math.max(0, r))}</td>
        <td>${esc(p.state === 'Failed' ? p.last_error : p.retrying || '')}</td></tr>`;
    }).join('');
    view.innerHTML = `<h1>Pipes</h1>
      <table id="pipes"><tr><th>pipe</th><th>state</th><th class="num">lag</th><th class="num">rows/s</th><th>last error</th></tr>
      ${rows || '<tr><td colspan="5" class="muted">No pipes yet: <a href="#/create">create one</a>.</td></tr>'}</table>`;
  });
}

// --- one pipe

function chart(title, points, unit) {
  const w = 500, h = 120;
  if (points.length < 2) return `<div class="chart"><div class="label">${esc(title)}</div><p class="muted">collecting…</p></div>`;
  const t0 = points[0][0], t1 = points[points.length - 1][0];
  const max = Math.max(1, ...points.map(p => p[1]));
  const xy = points.map(([t, v]) => `${((t - t0) / Math.max(1, t1 - t0) * w).toFixed(1)},${(h - v / max * h).toFixed(1)}`);
  return `<div class="chart"><div class="label">${esc(title)} — now ${num(points[points.length - 1][1])} ${unit},
    max ${num(max)} ${unit}, last ${duration((t1 - t0) / 1000)}</div>
    <svg viewBox="0 0 ${w} ${h}" preserveAspectRatio="none"><polyline fill="none" stroke="#3a7bd5" stroke-width="2"
    points="${xy.join(' ')}"/></svg></div>`;
}

function charts(series) {
  const samples = series.map(s => [Date.parse(s.at), s.lag_seconds, s.rows]);
  const lag = samples.filter(s => s[1] != null).map(s => [s[0], s[1]]);
  const throughput = [];
  for (let i = 1; i < samples.length; i++) {
    const dt = (samples[i][0] - samples[i - 1][0]) / 1000;
    if (dt > 0) throughput.push([samples[i][0], Math.max(0, (samples[i][2] - samples[i - 1][2]) / dt)]);
  }
  return `<div class="grid">${chart('Replication lag', lag, 's')}${chart('Rows written per second', throughput, 'rows/s')}</div>`;
}

function tables(name, status) {
  const rows = (status.tables || []).map(t => {
    const key = name + '/' + t.table;
    const rowRate = rate('rows/' + key, t.rows_snapshotted);
    const loading = t.partitions_total > 0 && t.partitions_done < t.partitions_total;
    const start = seen['start/' + key] ||= { at: Date.now(), done: t.partitions_done };
    if (!loading) delete seen['start/' + key];
    const elapsed = (Date.now() - start.at) / 1000;
    const eta = loading && t.partitions_done > start.done
      ? (t.partitions_total - t.partitions_done) * elapsed / (t.partitions_done - start.done) : null;
    const pct = t.partitions_total > 0 ? 100 * t.partitions_done / t.partitions_total : 0;
    return `<tr data-table="${esc(t.table)}"><td>${esc(t.table)}</td>
      <td><span class="bar"><span style="width:${pct.toFixed(1)}%"></span></span>
        <span class="partitions">${t.partitions_done}/${t.partitions_total || '?'}</span></td>
      <td class="num">${num(t.rows_snapshotted)}</td>
      <td class="num">${loading && rowRate != null ? num(Math.max(0, rowRate)) : '–'}</td>
      <td class="num">${loading ? duration(eta) : '–'}</td>
      <td class="num">${num(t.inserts)}</td><td class="num">${num(t.updates)}</td><td class="num">${num(t.deletes)}</td></tr>`;
  }).join('');
  return `<table id="tables"><tr><th>table</th><th>initial load</th><th class="num">rows loaded</th>
    <th class="num">rows/s</th><th class="num">ETA</th><th class="num">inserts</th><th class="num">updates</th>
    <th class="num">deletes</th></tr>${rows || '<tr><td colspan="8" class="muted">No progress recorded yet.</td></tr>'}</table>`;
}

async function act(name, what, path, method, body) {
  if (!confirm(`${what} pipe ${name}?`)) return;
  try {
    await api(method, path, body);
    toast(`${what}: done`);
    if (method === 'DELETE') location.hash = '#/';
  } catch (e) {
    toast(`${what}: ${e.message}`, true);
  }
}

function box(id, html) {
  const element = document.getElementById(id);
  if (element) element.innerHTML = html;
}

function pipePage(name) {
  // drawn once, so the buttons stay put while the parts below are redrawn
  view.innerHTML = `<h1>${esc(name)} <span id="pipe-state"></span></h1>
    <div id="alerts"></div><dl id="facts"></dl>
    <h2>Actions</h2>
    <div class="actions">
      <button id="btn-pause">Pause</button><button id="btn-resume">Resume</button>
      <button id="btn-resync">Resync</button><button id="btn-delete" class="danger">Delete</button>
    </div>
    <h2>Tables</h2><div id="tables-box"></div>
    <h2>Over time</h2><div id="charts"></div>
    <h2>State history</h2><div id="history-box"></div>
    <h2>Actions taken</h2><div id="actions-box"></div>`;
  const path = pipePath(name);
  document.getElementById('btn-pause').onclick = () => act(name, 'Pause', path + '/pause', 'POST');
  document.getElementById('btn-resume').onclick = () => act(name, 'Resume', path + '/resume', 'POST');
  document.getElementById('btn-resync').onclick = () => act(name, 'Resync', path + '/resync', 'POST', {});
  document.getElementById('btn-delete').onclick = () => act(name, 'Delete', path, 'DELETE');
  poll(async () => {
    const [s, actions, series] = await Promise.all([api('GET', path), api('GET', path + '/actions'),
      api('GET', path + '/series')]);
    const history = s.history;
    const rep = s.replication;
    box('pipe-state', badge(s.state));
    box('alerts', (s.state === 'Failed' ? `<div class="error" id="root-cause"><b>Failed:</b> ${esc(s.last_error || s.reason)}</div>` : '')
      + (s.retrying ? `<div class="warn" id="retrying">${esc(s.retrying)}</div>` : ''));
    box('facts', `<dt>since</dt><dd>${esc(s.since || '–')}${s.reason ? ' — ' + esc(s.reason) : ''}</dd>
      <dt>Flink job</dt><dd>${s.job_id ? `<a href="${esc(s.job_page)}" target="_blank" rel="noopener">${esc(s.job_id)}</a> (${esc(s.job_state)})` : '–'}</dd>
      ${rep ? `<dt>replication</dt><dd>slot ${esc(rep.slot)} ${rep.active ? 'streaming' : 'idle'}, lag
        ${rep.lag_seconds == null ? 'unknown' : num(rep.lag_seconds) + ' s'} (${num(rep.lag_bytes)} bytes), retains
        ${num(rep.retained_bytes / 1048576)} MB of WAL</dd>` : ''}`);
    box('tables-box', tables(name, s));
    box('charts', charts(series));
    box('history-box', `<table id="history"><tr><th>at</th><th>state</th><th>reason</th></tr>
      ${history.slice().reverse().map(c => `<tr><td>${esc(c.at)}</td><td>${badge(c.state)}</td><td>${esc(c.reason)}</td></tr>`).join('')}
      </table>`);
    box('actions-box', `<table id="actions"><tr><th>at</th><th>who</th><th>action</th><th>outcome</th></tr>
      ${actions.slice().reverse().map(a => `<tr><td>${esc(a.at)}</td><td>${esc(a.who)}</td><td>${esc(a.action)}</td><td>${esc(a.outcome)}</td></tr>`).join('')}
      </table>`);
  }, message => box('alerts', `<div class="error">${esc(message)}</div>`));
}

// --- a new pipe

function createPage() {
  view.innerHTML = `<h1>New pipe</h1>
    <form id="create-form">
      <p><label>Flink REST URL (empty: the server's own Flink)<br><input type="text" id="flink-url"
        placeholder="the server's own Flink" value="${esc(localStorage.getItem('ferry.flink') || '')}"></label></p>
      <p><label>Pipe spec (YAML; write secrets as \${VAR}, resolved from the server's environment)<br>
        <textarea id="spec" spellcheck="false">name: shop
source:
  type: postgres
  host: 127.0.0.1
  port: 15432
  database: shop
  user: postgres
  password: \${FERRY_PG_PASSWORD}
destination:
  url: http://127.0.0.1:18123
  database: shop
tables: [public.customers, public.orders]
</textarea></label></p>
      <button type="submit" id="btn-create">Create and start</button>
    </form>`;
  document.getElementById('create-form').onsubmit = async event => {
    event.preventDefault();
    const flink = document.getElementById('flink-url').value.trim();
    localStorage.setItem('ferry.flink', flink);
    try {
      const body = { spec: document.getElementById('spec').value };
      if (flink) body.flink_url = flink;
      const p = await api('POST', '/pipes', body);
      toast(`pipe ${p.name} created`);
      location.hash = '#/pipe/' + encodeURIComponent(p.name);
    } catch (e) {
      toast(e.message, true);
    }
  };
}

// --- routing

document.getElementById('token-form').onsubmit = event => {
  event.preventDefault();
  sessionStorage.setItem('ferry.token', document.getElementById('token').value.trim());
  document.getElementById('token-form').hidden = true;
  route();
};

function route() {
  clearInterval(timer);
  const hash = location.hash || '#/';
  if (hash.startsWith('#/pipe/')) pipePage(decodeURIComponent(hash.slice(7)));
  else if (hash === '#/create') createPage();
  else listPage();
}

window.addEventListener('hashchange', route);
route();
