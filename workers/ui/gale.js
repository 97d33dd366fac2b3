// SPDX-License-Identifier: MIT
// gale.js - the web UI: reads the REST API and draws the cluster, topology
// and component pages, refreshing itself every two seconds.
'use strict';

const REFRESH_MS = 2000;
const HISTORY = 150; // points kept for the charts: five minutes
const history = [];
let token = '';

function el(tag, attrs, ...kids) {
  const ns = ['svg', 'g', 'rect', 'text', 'path', 'polyline', 'line',
    'marker', 'defs', 'title', 'circle'].includes(tag);
  const e = ns ? document.createElementNS('http://www.w3.org/2000/svg', tag)
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    e.setAttribute(k, v);
  }
  for (const k of kids) {
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

async function api(path, opts) {
  const r = await fetch('/api/v1/' + path, opts);
  const body = await r.json();
  if (!r.ok) {
    throw new Error(body.error || r.statusText);
  }
  return body;
}

function num(v) {
  return typeof v === 'number' ? v.toLocaleString('en-US') : v;
}

function table(cols, rows, cls) {
  const t = el('table', cls ? { class: cls } : {});
  t.append(el('tr', {}, ...cols.map(c => el('th', { class: c.l ? 'l' : '' }, c.h))));
  for (const r of rows) {
    t.append(el('tr', {}, ...cols.map(c => {
      const v = c.f(r);
      return el('td', { class: c.l ? 'l' : '' }, v instanceof Node ? v : num(v));
    })));
  }
  return t;
}

function card(title, ...kids) {
  return el('section', { class: 'card' }, el('h2', {}, title), ...kids);
}

function link(href, text) {
  return el('a', { href }, text);
}

function crumbs(...parts) {
  const n = document.getElementById('crumbs');
  n.replaceChildren(...parts);
}

function setStatus(text) {
  document.getElementById('status').textContent = text;
}

// The cluster page: summary and the topology list.
async function indexPage(main) {
  const [c, t] = await Promise.all([api('cluster/summary'), api('topology/summary')]);
  crumbs();
  main.replaceChildren(
    card('Cluster', table([
      { h: 'mode', l: 1, f: r => r.mode }, { h: 'version', l: 1, f: r => r.stormVersion },
      { h: 'supervisors', f: r => r.supervisors }, { h: 'topologies', f: r => r.topologies },
      { h: 'workers', f: r => r.slotsUsed }, { h: 'tasks', f: r => r.tasksTotal }], [c])),
    card('Topologies', t.topologies.length === 0 ? el('p', { class: 'muted' }, 'none')
      : table([
        { h: 'name', l: 1, f: r => link('/topology.html?id=' + encodeURIComponent(r.id), r.name) },
        { h: 'status', l: 1, f: r => r.status }, { h: 'uptime', f: r => r.uptime },
        { h: 'workers', f: r => r.workersTotal }, { h: 'tasks', f: r => r.tasksTotal }],
        t.topologies)));
}

// Lays the components out in columns by their depth from the spouts.
function layout(graph) {
  const depth = {};
  for (const c of graph.components) {
    depth[c.id] = c.type === 'spout' ? 0 : -1;
  }
  for (let i = 0; i < graph.components.length; i++) {
    for (const s of graph.streams) {
      if (depth[s.from] >= 0 && depth[s.to] < depth[s.from] + 1) {
        depth[s.to] = depth[s.from] + 1;
      }
    }
  }
  const cols = {};
  const pos = {};
  for (const c of graph.components) {
    const d = Math.max(0, depth[c.id]);
    cols[d] = (cols[d] || 0) + 1;
    pos[c.id] = { col: d, row: cols[d] - 1 };
  }
  return { pos, ncols: Math.max(...Object.keys(cols).map(Number)) + 1,
    nrows: Math.max(...Object.values(cols)) };
}

// The colour of a capacity: green when idle, red when saturated.
function capColour(cap) {
  const c = Math.max(0, Math.min(1, cap));
  return `hsl(${Math.round(120 - 120 * c)}, 65%, 78%)`;
}

function drawGraph(graph) {
  const W = 170, H = 54, GX = 170, GY = 40;
  const { pos, ncols, nrows } = layout(graph);
  const width = ncols * (W + GX) + 20, height = nrows * (H + GY) + 20;
  const svg = el('svg', { id: 'graph', viewBox: `0 0 ${width} ${height}`,
    width: Math.min(width, 1300), role: 'img' });
  svg.append(el('defs', {}, el('marker', { id: 'arrow', viewBox: '0 0 10 10',
    refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' },
  el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#8892a6' }))));
  const at = id => ({ x: 10 + pos[id].col * (W + GX), y: 10 + pos[id].row * (H + GY) });
  for (const s of graph.streams) {
    if (!pos[s.from] || !pos[s.to]) {
      continue;
    }
    const a = at(s.from), b = at(s.to);
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
    const mx = (x1 + x2) / 2;
    const label = `${s.grouping}${s.fields.length ? '(' + s.fields.join(',') + ')' : ''} ` +
      `${Math.round(s.tuplesPerSec).toLocaleString('en-US')}/s`;
    svg.append(el('g', { class: 'edge', 'data-from': s.from, 'data-to': s.to },
      el('path', { d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`,
        'marker-end': 'url(#arrow)' }),
      el('text', { x: mx, y: (y1 + y2) / 2 - 6, 'text-anchor': 'middle' }, label)));
  }
  for (const c of graph.components) {
    const p = at(c.id);
    svg.append(el('g', { class: 'node', 'data-id': c.id },
      el('title', {}, `${c.id}: capacity ${c.capacity.toFixed(3)}`),
      el('rect', { x: p.x, y: p.y, width: W, height: H, fill: capColour(c.capacity) }),
      el('text', { x: p.x + 10, y: p.y + 20, 'font-weight': 600 }, `${c.id} ×${c.tasks}`),
      el('text', { x: p.x + 10, y: p.y + 40 },
        `${c.type} · acked ${num(c.acked)}`)));
  }
  return svg;
}

// A small line chart of the history: one polyline per series.
function chart(title, series) {
  const W = 600, H = 140, P = 4;
  const pts = history.length;
  let max = 0;
  for (const s of series) {
    for (const h of history) {
      max = Math.max(max, s.f(h) || 0);
    }
  }
  max = max > 0 ? max * 1.1 : 1;
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none' });
  for (const s of series) {
    const xy = history.map((h, i) => {
      const x = pts > 1 ? P + (W - 2 * P) * i / (HISTORY - 1) : P;
      const y = H - P - (H - 2 * P) * (s.f(h) || 0) / max;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    });
    svg.append(el('polyline', { points: xy.join(' '), fill: 'none',
      stroke: s.c, 'stroke-width': 2 }));
  }
  const last = history[history.length - 1];
  return el('div', { class: 'chart' }, el('h2', {}, title), svg,
    el('div', { class: 'legend' }, ...series.map(s => el('span', { style: `color:${s.c}` },
      `${s.n}: ${last ? (s.f(last) || 0).toFixed(s.d || 0) : '-'}`)),
    el('span', { class: 'muted' }, `max ${max.toFixed(1)}`)));
}

function remember(topo) {
  const sum = (k) => topo.spouts.reduce((a, s) => a + (s[k] || 0), 0);
  const rate = (k) => topo.spouts.reduce((a, s) => a + ((s.rates || {})[k] || 0), 0);
  const p = (k) => Math.max(0, ...topo.spouts.map(s => parseFloat(s[k]) || 0));
  history.push({ t: Date.now(), acked: sum('acked'), ackedPerSec: rate('acked'),
    failedPerSec: rate('failed'), replayedPerSec: rate('replayed'),
    emittedPerSec: rate('emitted'), p50: p('completeLatencyP50'), p99: p('completeLatencyP99') });
  if (history.length > HISTORY) {
    history.shift();
  }
}

async function act(id, op) {
  try {
    const r = await api(`topology/${encodeURIComponent(id)}/${op}`, {
      method: 'POST', headers: { 'X-CSRF-Token': token, 'Content-Type': 'application/json' },
      body: '{}' });
    setStatus(`${op}: ${r.status}`);
  } catch (e) {
    setStatus(`${op}: ${e.message}`);
  }
}

const componentCols = (id, spout) => [
  { h: 'component', l: 1, f: r => link(`/component.html?topology_id=${encodeURIComponent(id)}&id=` +
    encodeURIComponent(spout ? r.spoutId : r.boltId), spout ? r.spoutId : r.boltId) },
  { h: 'tasks', f: r => r.tasks }, { h: 'emitted', f: r => r.emitted },
  { h: 'transferred', f: r => r.transferred },
  ...(spout ? [] : [{ h: 'executed', f: r => r.executed }]),
  { h: 'acked', f: r => r.acked }, { h: 'failed', f: r => r.failed },
  ...(spout ? [{ h: 'replayed', f: r => r.replayed }, { h: 'pending', f: r => r.pending },
    { h: 'complete ms (mean)', f: r => r.completeLatency },
    { h: 'p50', f: r => r.completeLatencyP50 }, { h: 'p99', f: r => r.completeLatencyP99 }]
    : [{ h: 'execute ms (mean)', f: r => r.executeLatency },
      { h: 'p50', f: r => r.executeLatencyP50 }, { h: 'p99', f: r => r.executeLatencyP99 }]),
  { h: 'capacity', f: r => r.capacity },
  { h: 'last error', l: 1, f: r => el('span', { class: 'err' }, r.lastError || '') }];

// One sampled tree: a row per step, indented by its depth, with a dot on a
// time axis from the spout's emit to the tree's end, joined to its parent.
function drawTrace(tr) {
  const ROW = 18, LABEL = 300, W = 900, top = 24;
  const span = Math.max(tr.completeMs, 0.001);
  const x = ms => LABEL + 10 + (W - LABEL - 130) * Math.max(ms, 0) / span;
  const kids = [el('text', { x: 4, y: 14, class: 'head' },
    `${tr.spoutId}:${tr.task} msg ${tr.messageId} ${tr.status} after ` +
    `${tr.completeMs.toFixed(3)} ms (root ${tr.root})`)];
  kids.push(el('line', { x1: x(0), y1: top - 4, x2: x(span), y2: top - 4, class: 'axis' }));
  const parents = [];
  tr.steps.forEach((s, i) => {
    const y = top + ROW * i + 12;
    const missing = s.kind === 'missing';
    parents[s.depth] = { x: missing ? null : x(s.offsetMs), y };
    const up = s.depth > 0 ? parents[s.depth - 1] : null;
    const label = missing ? 'edge not acked'
      : `${s.component}:${s.task} ${s.kind}${s.anchored ? `, anchored ${s.anchored}` : ''}`;
    kids.push(el('text', { x: 4 + 14 * s.depth, y: y + 4, class: 'step ' + s.kind }, label));
    if (!missing) {
      if (up && up.x !== null) {
        kids.push(el('path', { d: `M${up.x},${up.y} L${x(s.offsetMs)},${y}`, class: 'link' }));
      }
      kids.push(el('circle', { cx: x(s.offsetMs), cy: y, r: 4, class: 'dot ' + s.kind },
        el('title', {}, `+${s.offsetMs.toFixed(3)} ms`)));
      kids.push(el('text', { x: W - 4, y: y + 4, class: 'at' }, `+${s.offsetMs.toFixed(3)} ms`));
    }
  });
  if (tr.truncated) {
    kids.push(el('text', { x: 4, y: top + ROW * tr.steps.length + 12 }, `… ${tr.truncated} more edges`));
  }
  const h = top + ROW * (tr.steps.length + (tr.truncated ? 1 : 0)) + 8;
  return el('svg', { class: 'trace', viewBox: `0 0 ${W} ${h}`, width: W, height: h }, ...kids);
}

function tracesCard(tc) {
  const list = tc.traces.slice(-5).reverse();
  return card('Sampled traces', list.length === 0
    ? el('p', { class: 'muted' }, 'none: run gale trace NAME, or set topology.trace.sample.rate')
    : el('div', { class: 'traces' }, ...list.map(drawTrace)));
}

async function topologyPage(main, id) {
  const enc = encodeURIComponent(id);
  const [t, g, rp, tc] = await Promise.all([api('topology/' + enc), api(`topology/${enc}/graph`),
    api(`topology/${enc}/replays`), api(`topology/${enc}/traces`)]);
  token = t.antiForgeryToken;
  remember(t);
  crumbs(link('/index.html', 'cluster'), link('/topology.html?id=' + enc, t.name));
  const errors = [...t.spouts, ...t.bolts].filter(c => c.lastError);
  main.replaceChildren(
    card(`Topology ${t.name}`, table([
      { h: 'status', l: 1, f: r => r.status }, { h: 'uptime', f: r => r.uptime },
      { h: 'workers', f: r => r.workersTotal }, { h: 'tasks', f: r => r.tasksTotal },
      { h: 'message timeout s', f: r => r.msgTimeout }], [t]),
    el('p', {}, ...['activate', 'deactivate', 'rebalance/0', 'kill/30'].map(op =>
      el('button', { 'data-op': op }, op.split('/')[0])))),
    card('Graph', drawGraph(g)),
    el('div', { class: 'grid' },
      card('Throughput', chart('tuples/s', [
        { n: 'spout emitted/s', c: '#2563eb', f: h => h.emittedPerSec, d: 1 },
        { n: 'acked/s', c: '#1e8449', f: h => h.ackedPerSec, d: 1 }])),
      card('Complete latency', chart('ms', [
        { n: 'p50', c: '#2563eb', f: h => h.p50, d: 3 },
        { n: 'p99', c: '#c0392b', f: h => h.p99, d: 3 }])),
      card('Acked, failed, replayed', chart('per second', [
        { n: 'acked/s', c: '#1e8449', f: h => h.ackedPerSec, d: 1 },
        { n: 'failed/s', c: '#c0392b', f: h => h.failedPerSec, d: 1 },
        { n: 'replayed/s', c: '#d68910', f: h => h.replayedPerSec, d: 1 }]))),
    card('Spouts', table(componentCols(id, true), t.spouts, 'components')),
    card('Bolts', table(componentCols(id, false), t.bolts, 'components')),
    card('Replays', table([
      { h: 'spout', l: 1, f: r => r.spoutId }, { h: 'acked', f: r => r.acked },
      { h: 'failed', f: r => r.failed }, { h: 'replayed', f: r => r.replayed },
      { h: 'timed out', f: r => r.timedout }, { h: 'pending', f: r => r.pending }], rp.spouts)),
    card('Recent fails', rp.replays.length === 0 ? el('p', { class: 'muted' }, 'none')
      : table([{ h: 'when', l: 1, f: r => new Date(r.time).toISOString() },
        { h: 'spout', l: 1, f: r => `${r.spoutId}:${r.task}` }, { h: 'message', f: r => r.messageId },
        { h: 'reason', l: 1, f: r => r.reason }, { h: 'attempt', f: r => r.attempt }],
        rp.replays.slice(-20).reverse())),
    tracesCard(tc),
    card('Workers', table([
      { h: 'worker', f: r => r.index }, { h: 'host', l: 1, f: r => r.host },
      { h: 'pid', f: r => r.pid }, { h: 'port', f: r => r.port },
      { h: 'RSS MB', f: r => (r.rssBytes / 1048576).toFixed(1) },
      { h: 'uptime', f: r => r.uptime }, { h: 'tasks', f: r => r.executorsTotal },
      { h: 'components', l: 1, f: r => Object.entries(r.componentNumTasks)
        .map(([k, v]) => `${k}×${v}`).join(' ') }], t.workers)),
    card('Errors', errors.length === 0 ? el('p', { class: 'muted' }, 'none')
      : table([{ h: 'component', l: 1, f: r => r.spoutId || r.boltId },
        { h: 'where', l: 1, f: r => `${r.errorHost}:${r.errorPort}` },
        { h: 'when', l: 1, f: r => new Date(r.errorTime * 1000).toISOString() },
        { h: 'error', l: 1, f: r => el('span', { class: 'err' }, r.lastError) }], errors)),
    card('Configuration', table([{ h: 'key', l: 1, f: r => r[0] }, { h: 'value', l: 1, f: r => r[1] }],
      Object.entries(t.configuration), 'kv')));
  for (const b of main.querySelectorAll('button[data-op]')) {
    b.addEventListener('click', () => act(id, b.dataset.op));
  }
}

async function componentPage(main, topo, id) {
  const c = await api(`topology/${encodeURIComponent(topo)}/component/${encodeURIComponent(id)}`);
  const tenc = encodeURIComponent(topo);
  crumbs(link('/index.html', 'cluster'), link('/topology.html?id=' + tenc, topo),
    link(`/component.html?topology_id=${tenc}&id=${encodeURIComponent(id)}`, id));
  const spout = c.componentType === 'spout';
  const summary = spout ? c.spoutSummary : c.boltStats;
  main.replaceChildren(
    card(`${spout ? 'Spout' : 'Bolt'} ${c.id}`, table(componentCols(topo, spout), [summary[summary.length - 1]])),
    card('Executors', table([
      { h: 'id', l: 1, f: r => r.id }, { h: 'host', l: 1, f: r => r.host }, { h: 'port', f: r => r.port },
      { h: 'uptime', f: r => r.uptime }, { h: 'emitted', f: r => r.emitted },
      { h: 'transferred', f: r => r.transferred },
      ...(spout ? [] : [{ h: 'executed', f: r => r.executed }]),
      { h: 'acked', f: r => r.acked }, { h: 'failed', f: r => r.failed },
      { h: spout ? 'complete ms' : 'execute ms', f: r => spout ? r.completeLatency : r.executeLatency }],
    c.executorStats)),
    ...(spout ? [] : [card('Input streams', table([
      { h: 'from', l: 1, f: r => r.component }, { h: 'stream', l: 1, f: r => r.stream },
      { h: 'grouping', l: 1, f: r => r.grouping }, { h: 'executed', f: r => r.executed },
      { h: 'acked', f: r => r.acked }, { h: 'failed', f: r => r.failed }], c.inputStats))]),
    card('Output streams', table([
      { h: 'stream', l: 1, f: r => r.stream }, { h: 'emitted', f: r => r.emitted },
      { h: 'transferred', f: r => r.transferred }], c.outputStats)),
    card('Errors', c.componentErrors.length === 0 ? el('p', { class: 'muted' }, 'none')
      : table([{ h: 'when', l: 1, f: r => new Date(r.errorTime * 1000).toISOString() },
        { h: 'task', f: r => r.task }, { h: 'where', l: 1, f: r => `${r.errorHost}:${r.errorPort}` },
        { h: 'error', l: 1, f: r => el('span', { class: 'err' }, r.error) }], c.componentErrors)));
}

async function refresh() {
  const main = document.getElementById('main');
  const q = new URLSearchParams(location.search);
  const page = location.pathname;
  try {
    if (page === '/topology.html') {
      await topologyPage(main, q.get('id') || '');
    } else if (page === '/component.html') {
      await componentPage(main, q.get('topology_id') || '', q.get('id') || '');
    } else {
      await indexPage(main);
    }
    setStatus('updated ' + new Date().toLocaleTimeString());
  } catch (e) {
    main.replaceChildren(el('p', { class: 'err', id: 'error' }, e.message));
    setStatus('');
  }
  setTimeout(refresh, REFRESH_MS);
}

refresh();
