// Regenerates the golden summaries from cases.json with k6's own renderer:
//   git clone --branch v1.8.1 https://github.com/grafana/k6 /tmp/k6
//   node tests/unit/loadgen/golden/render_with_k6.js /tmp/k6/internal/js/summary.js
// It builds the report object k6's Go side hands to summary.js (metrics grouped into sections,
// thresholds with their percentile values, the checks block), calls textSummary() and writes
// "\n" + summary + "\n\n" as k6 prints it. Nothing of k6 is stored in this repository.
'use strict';
const fs = require('fs');
const path = require('path');

const summaryJs = process.argv[2];
if (!summaryJs) {
  console.error('usage: node render_with_k6.js <k6 checkout>/internal/js/summary.js');
  process.exit(2);
}
const summary = require(path.resolve(summaryJs));
const here = __dirname;

// k6's TrendSink.P: sorted values, rank p·(n−1), linear between neighbours.
function percentile(values, p) {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return 0;
  if (v.length === 1) return v[0];
  const i = p * (v.length - 1);
  const lo = v[Math.floor(i)];
  const hi = v[Math.ceil(i)];
  return lo + (hi - lo) * (i - Math.floor(i));
}

function trendValues(values, stats) {
  const out = {};
  for (const s of stats) {
    if (s === 'avg') out[s] = values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
    else if (s === 'min') out[s] = values.length ? Math.min(...values) : 0;
    else if (s === 'max') out[s] = values.length ? Math.max(...values) : 0;
    else if (s === 'med') out[s] = percentile(values, 0.5);
    else if (s === 'count') out[s] = values.length;
    else out[s] = percentile(values, parseFloat(s.slice(2, -1)) / 100);
  }
  return out;
}

// k6's metricValueGetter per sink type (a gauge's max starts at 0, as GaugeSink's does).
function values(m, stats, seconds) {
  const s = m.samples;
  switch (m.type) {
    case 'counter': {
      const c = s.reduce((a, b) => a + b, 0);
      return {count: c, rate: c / seconds};
    }
    case 'gauge':
      return {value: s[s.length - 1], min: Math.min(...s), max: Math.max(0, ...s)};
    case 'rate': {
      const t = s.filter((x) => x !== 0).length;
      return {rate: s.length ? t / s.length : 0, passes: t, fails: s.length - t};
    }
    default:
      return trendValues(s, stats);
  }
}

// k6's output/summary classification (by name prefix), compact mode.
function section(name) {
  const has = (list) => list.some((p) => name.startsWith(p));
  if (has(['checks', 'group_duration'])) return null;
  if (has(['http_req_blocked', 'http_req_connecting', 'http_req_receiving', 'http_req_sending',
           'http_req_tls_handshaking', 'http_req_waiting'])) return null;
  if (has(['http_reqs', 'http_req_failed', 'http_req_duration'])) return 'http';
  if (has(['vus', 'vus_max', 'iterations', 'iteration_duration', 'dropped_iterations'])) return 'execution';
  if (has(['data_sent', 'data_received'])) return 'network';
  return 'custom';
}

function flatten(c) {
  const thresholded = (name) => (c.thresholds || []).some((t) => t.metric === name || t.metric.split('{')[0] === name);
  const metrics = c.metrics.map((m) => ({...m}));
  for (const sub of c.submetrics) {
    const parent = sub.split('{')[0];
    const filter = Object.fromEntries(sub.slice(sub.indexOf('{') + 1, -1).split(',').map((kv) => kv.split(':')));
    const p = c.metrics.find((m) => m.name === parent);
    const samples = p.samples.filter((s) => Object.entries(filter).every(([k, v]) => s.tags[k] === v));
    if (samples.length || (c.thresholds || []).some((t) => t.metric === sub)) {
      metrics.push({name: sub, type: p.type, contains: p.contains, samples});
    }
  }
  return metrics
    .filter((m) => m.samples.length || thresholded(m.name))
    .map((m) => ({...m, samples: m.samples.map((s) => (typeof s === 'number' ? s : s.v))}));
}

function render(c) {
  const metricsList = flatten(c);
  const metrics = {http: {}, execution: {}, network: {}, browser: {}, webvitals: {}, grpc: {}, websocket: {}, custom: {}};
  for (const m of metricsList) {
    const sec = section(m.name);
    if (sec) metrics[sec][m.name] = {name: m.name, type: m.type, contains: m.contains, values: values(m, c.stats, c.seconds)};
  }
  const thresholds = {};
  for (const t of c.thresholds || []) {
    const m = metricsList.find((x) => x.name === t.metric);
    const v = values(m, c.stats, c.seconds);
    for (const th of t.list) {
      const match = /^p\((\d+(?:\.\d+)?)\)\s*([<>=])/.exec(th.source.trim());
      if (match && m.type === 'trend') v['p(' + match[1] + ')'] = percentile(m.samples, parseFloat(match[1]) / 100);
    }
    thresholds[t.metric] = {metric: {name: m.name, type: m.type, contains: m.contains, values: v}, thresholds: t.list};
  }
  let checks = null;
  if (c.checks) {
    let total = 0;
    let ok = 0;
    for (const ch of c.checks) {
      total += ch.passes + ch.fails;
      ok += ch.passes;
    }
    checks = {
      metrics: {
        checks_total: {name: 'checks_total', type: 'counter', contains: 'default', values: {count: total, rate: total / c.seconds}},
        checks_succeeded: {name: 'checks_succeeded', type: 'rate', contains: 'default',
                           values: {rate: total ? ok / total : 0, passes: ok, fails: total - ok}},
        checks_failed: {name: 'checks_failed', type: 'rate', contains: 'default',
                        values: {passes: total - ok, fails: ok, rate: total ? (total - ok) / total : 0}},
      },
      ordered_checks: c.checks,
    };
  }
  const report = {thresholds, checks, metrics, groups: {}, scenarios: {}};
  const options = {enableColors: !!c.colors, summaryTrendStats: c.stats, summaryTimeUnit: c.timeUnit || null};
  return '\n' + summary.textSummary(report, options) + '\n\n';
}

for (const c of JSON.parse(fs.readFileSync(path.join(here, 'cases.json'), 'utf8'))) {
  fs.writeFileSync(path.join(here, c.file), render(c));
  console.log('wrote', c.file);
}
