#!/usr/bin/env node
// Verdict and report of one soak run (tools/reliability/soak.sh): reads OUT/meta.json,
// OUT/samples.ndjson, OUT/load.ndjson, OUT/load-summary.json and OUT/audit.json; prints the
// verdict table, writes OUT/summary.json and OUT/report.html (self-contained: inline SVG and CSS,
// no script, nothing fetched). Exit 0 when every criterion passes, 1 when one fails, 2 when the
// input is missing or unreadable. Node's standard library only.
//
//   node tools/reliability/soak_report.js OUT [--max-rss-growth P] [--fd-tolerance N]
//        [--clients-tolerance N] [--db-tolerance N] [--no-html]
//   node tools/reliability/soak_report.js --plan DURATION_S WARMUP_S INTERVAL_S
//        prints the fewest post-warm-up samples a run with these parameters must have (see
//        minPostWarmupSamples); exit 2 when they cannot give enough (soak.sh asks before its run)
//
// Re-running it on a finished run's directory judges the same samples again (e.g. with another
// tolerance) without a new load run.
'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');

// --- criteria ------------------------------------------------------------------------------------------
// RSS: the issue's pass mark, growth after warm-up ≤ 5 %.
const kDefaultMaxRssGrowthPct = 5;
// RSS is judged on the retained memory: per sample the app's RSS without the Argon2 buffers in
// flight at that instant (rss_retained_kib: their resident pages are subtracted, see hashBuffers
// in soak_sampler.js; up to 2 × 19 MiB that a leak has nothing to do with), and per window the
// smallest sample. Windows: the first and the last quarter of the post-warm-up samples actually
// taken, at least kRssWindowMinSamples (a 10-minute run at 10 s: 54 samples → windows of 14
// samples = 140 s). Runs recorded before the sampler subtracted buffers have rss_min_kib (the
// smallest reading of a burst) instead, judged the same way.
const kRssWindowFraction = 0.25;
const kRssWindowMinSamples = 3;
// ... and at least this long, so that the smallest sample of a window is not one reading's
// accident: the allocator returns free pages to the OS now and then (ASan every 5 s at most), and
// a buffer the sampler could not recognise (merged with another mapping) counts as retained for
// that reading. (With the old estimator, windows of 3 samples of a 60 s release run judged +197 %
// on an app whose floor never moved.) A window never exceeds half of the judged samples.
const kRssWindowMinSeconds = 20;
// Chunks for the slope of the retained RSS (reported, not judged): 10 points on a line.
const kSlopeChunks = 10;
// How many post-warm-up samples a run must have. Never fewer than kMinPostWarmupSamples: below
// that nothing can be said about growth (two windows of kRssWindowMinSamples), and the run fails
// rather than pass on no evidence. Above it, what the sampler can always deliver, whatever the
// machine's pace: soak_sampler.js takes a pass on every slot of the t0 + k × interval grid and
// skips the slots a pass overran. A pass costs ~30 ms of CPU; with both cores saturated (the run,
// other test runs, stress-ng: load average 21-31) it took 0.36-0.67 s of wall time in the median,
// 2.2 s at most (docs/reliability.md). The budget below lets every pass, late start included,
// take up to kSamplerBudgetIntervals intervals (4 s at CI's 2 s: 6-11 × the median, and the one
// long pass that overruns it costs one sample, not the run), so samples are at most 2 intervals
// apart and a judged span of L s holds at least ⌊L / (2 × interval)⌋ of them; one less for where
// the grid and the span's edges fall and for the passes' start jitter. CI's soak_e2e
// (L = 90 − 45 s, 2 s): 10 (the sampler takes 22); soak_10m (540 s, 10 s): 26 (it takes 54).
// So a slow machine cannot fail the count, and a sampler that stops keeping its interval (the
// first one, ~10 s per pass at 2 s, left 3-5) fails it whatever else the run shows.
const kMinPostWarmupSamples = 6;
const kSamplerBudgetIntervals = 2;
function minPostWarmupSamples(durationS, warmupS, intervalS) {
  const reachable = Math.floor((durationS - warmupS) / (kSamplerBudgetIntervals * intervalS)) - 1;
  return {reachable, need: Math.max(kMinPostWarmupSamples, reachable)};
}
// Flat: max − min over the post-warm-up samples ≤ tolerance.
// fds per app, not counting its MariaDB connections (db_conns: its pool opens them on demand up to
// DB_POOL_SIZE and keeps them, so they step up now and then in a long run: a 10-minute run on 10
// apps went 22 → 26; they are judged by the pool bound below instead). The rest is fixed under
// steady load (listener, epoll/event fds, 4 Redis connections) except nginx's keep-alive
// connections to the app, which nginx opens when a request finds none idle; 50 VUs over N apps
// make that vary by a few at most. 4 tolerates that and still flags a leak of one fd per ~750
// requests in a 10-minute run (≈ 3,000 requests per app at 25 iterations/s × 2 requests / 10 apps
// × 600 s → ≥ 4 leaked fds).
const kDefaultFdTolerance = 4;
// Redis connected_clients per role: the apps' connections are fixed after warm-up; the sampler's
// own connection is open for the whole run (one, in every sample); the only moving client is the
// load generator's INFO connection, which may or may not be open at a sample: 2 leaves room for it
// and one more.
const kDefaultClientsTolerance = 2;
// MariaDB's established connections (server_conns: rows of /proc/net/tcp with its port as the
// local port) minus the apps' pooled connections (their fds' sockets in the same table read, with
// the DB port as the remote port) is what nobody pooled: the stage's exporter, and whatever leaks.
// It must stay flat within 2: a pool connection closed between reading the table and reading that
// app's fds shows as +1 for one sample, pools rarely close one, and a leak grows beyond that.
// The pools themselves are bounded: each app ≤ DB_POOL_SIZE. (Runs before soak_sampler.js
// recorded Threads_connected, with our `mariadb` client among them: db_sampler_clients 1.)
const kDefaultDbTolerance = 2;
// "The lock is exercised the whole time": at least one issue answered 201 in every window of this
// length after the warm-up. 10 s, not the sampling interval: a loaded CI machine may stall a
// process for a second or two (at 2 s sampling an empty interval would not be a finding), while
// 50 VUs without a single issue for 10 s would be.
const kBusyWindowS = 10;
// Load generator exits that leave the run valid: 0, and 99 (a latency threshold of the seed's
// options failed: speed, which this test does not judge). 111 is a broken invariant.
const kAcceptedLoadExits = [0, 99];
// The contended request of each scenario soak.sh runs: its http_req_duration name tag, the status
// that means it went through, and the words for the report. Runs recorded before meta.json named
// its scenario were issue-coupon runs.
const kHotRequests = {
  'issue-coupon': {tag: 'issue', okStatus: '201', label: 'issue (POST /api/coupons/{id}/issue)',
                   short: 'issue', done: 'issues answered 201', what: 'the lock busy throughout',
                   all: 'sign-up + issue'},
  'order-rush': {tag: 'payment', okStatus: '200', label: 'payment (POST /api/orders/{id}/payment)',
                 short: 'payment', done: 'payments answered 200', what: 'the hot option ordered and paid throughout',
                 all: 'order + payment'},
};
function hotRequestOf(meta) {
  const hot = kHotRequests[meta.scenario || 'issue-coupon'];
  if (!hot) throw new Error(`meta.json: unknown scenario '${meta.scenario}'`);
  return hot;
}

function usage() {
  return 'usage: node tools/reliability/soak_report.js OUT_DIR [--max-rss-growth P] [--fd-tolerance N]\n' +
      '       [--clients-tolerance N] [--db-tolerance N] [--no-html]\n' +
      '       node tools/reliability/soak_report.js --plan DURATION_S WARMUP_S INTERVAL_S\n';
}

function parseArgs(argv) {
  const opts = {dir: null, html: true};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v)) throw new Error(`${a} needs a number`);
      return v;
    };
    if (a === '--max-rss-growth') opts.maxRssGrowthPct = num();
    else if (a === '--fd-tolerance') opts.fdTolerance = num();
    else if (a === '--clients-tolerance') opts.clientsTolerance = num();
    else if (a === '--db-tolerance') opts.dbTolerance = num();
    else if (a === '--no-html') opts.html = false;
    else if (a === '-h' || a === '--help') { process.stdout.write(usage()); process.exit(0); }
    else if (!opts.dir && !a.startsWith('-')) opts.dir = a;
    else throw new Error(`unknown argument '${a}'`);
  }
  if (!opts.dir) throw new Error('no run directory given');
  return opts;
}

// --- small statistics ------------------------------------------------------------------------------
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (!n) return null;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const min = (xs) => (xs.length ? Math.min(...xs) : null);
const max = (xs) => (xs.length ? Math.max(...xs) : null);
// Least-squares slope of y over x.
function slope(xs, ys) {
  const n = xs.length;
  if (n < 2) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) { sxy += (xs[i] - mx) * (ys[i] - my); sxx += (xs[i] - mx) ** 2; }
  return sxx > 0 ? sxy / sxx : null;
}
// Percentile as k6 computes it: linear interpolation between closest ranks of the sorted samples.
function percentile(sorted, p) {
  if (!sorted.length) return null;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank), hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}
const fmt = (v, digits = 1) => (v === null || v === undefined || Number.isNaN(v) ? '–' : Number(v).toFixed(digits));

// --- reading ---------------------------------------------------------------------------------------------
function readJson(file, fallback) {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) {
    if (fallback !== undefined) return fallback;
    throw new Error(`cannot read ${file}: ${e.message}`);
  }
}

function readSamples(file) {
  const text = fs.readFileSync(file, 'utf8');
  const out = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try { out.push(JSON.parse(line)); } catch (e) { throw new Error(`${file}: bad line: ${line.slice(0, 80)}`); }
  }
  return out;
}

// http_req_duration of every request, bucketed by the sampling interval from t0: per interval the
// p99 of the scenario's contended requests (`hot`: issues take the lock, sign-ups are Argon2
// hashing; payments follow orders on the hot option) and of all requests, and how many of the
// contended ones went through.
async function readLatency(file, t0Ms, intervalS, hot) {
  const buckets = new Map();
  if (!fs.existsSync(file)) return {intervals: [], found: false};
  const rl = readline.createInterface({input: fs.createReadStream(file), crlfDelay: Infinity});
  for await (const line of rl) {
    if (!line.includes('"metric":"http_req_duration"') || !line.includes('"Point"')) continue;
    let p;
    try { p = JSON.parse(line); } catch (e) { continue; }
    const d = p.data;
    const t = Date.parse(d.time);
    if (!Number.isFinite(t)) continue;
    const k = Math.max(0, Math.floor((t - t0Ms) / (intervalS * 1000)));
    let b = buckets.get(k);
    if (!b) { b = {hot: [], all: [], ok: 0, notOk: 0}; buckets.set(k, b); }
    b.all.push(d.value);
    if (d.tags && d.tags.name === hot.tag) {
      b.hot.push(d.value);
      if (d.tags.status === hot.okStatus) b.ok++; else b.notOk++;
    }
  }
  const keys = [...buckets.keys()].sort((a, b) => a - b);
  const intervals = [];
  if (keys.length) {
    for (let k = keys[0]; k <= keys[keys.length - 1]; k++) {
      const b = buckets.get(k) || {hot: [], all: [], ok: 0, notOk: 0};
      b.hot.sort((x, y) => x - y);
      b.all.sort((x, y) => x - y);
      intervals.push({
        start_s: k * intervalS, end_s: (k + 1) * intervalS,
        hot_requests: b.hot.length, hot_ok: b.ok, hot_not_ok: b.notOk,
        p99_hot_ms: percentile(b.hot, 99), p99_all_ms: percentile(b.all, 99),
        requests: b.all.length,
      });
    }
  }
  return {intervals, found: true};
}

// --- evaluation --------------------------------------------------------------------------------------
// An app's retained RSS in one sample (see kDefaultMaxRssGrowthPct), null when not read.
function retainedKib(a) {
  if (a.rss_retained_kib !== undefined) return a.rss_retained_kib;
  const v = [a.rss_min_kib, a.rss_kib].filter((x) => typeof x === 'number');
  return v.length ? Math.min(...v) : null;
}

// issue-coupon: the coupon's audit (GET /api/admin/coupons/{id}/audit) against the 201s counted.
// Returns the 201s (null when the summary has none).
function checkCouponAudit(check, meta, audit, metrics) {
  const created201 = metrics.success_coupon_issue_rate ? metrics.success_coupon_issue_rate.passes : null;
  const soldOut = metrics.coupon_sold_out_count ? metrics.coupon_sold_out_count.count : 0;
  check('load', 'never sold out (the coupon of 10,000,000 outlasts the run)', soldOut === 0, `C001 answers: ${soldOut}`);
  const au = audit || {};
  const auditOk = meta.audit_http_status === 200 && Number.isInteger(au.issuedQuantity) &&
      au.issuedQuantity === au.holderRows && au.holderRows === au.distinctHolders &&
      au.distinctHolders <= au.totalQuantity;
  check('audit', 'audit: issuedQuantity == holderRows == distinctHolders ≤ totalQuantity', auditOk,
        audit ? `HTTP ${meta.audit_http_status}: issued=${au.issuedQuantity} rows=${au.holderRows} holders=${au.distinctHolders} total=${au.totalQuantity}`
              : `no audit (HTTP ${meta.audit_http_status}, coupon ${meta.coupon_id})`);
  check('audit', 'audit: 201s ≤ issuedQuantity (every 201 is a row)',
        created201 !== null && Number.isInteger(au.issuedQuantity) && created201 <= au.issuedQuantity,
        `201s=${created201} issued=${au.issuedQuantity}`);
  return created201;
}

// order-rush: the hot option's audit (GET /api/admin/product-options/{id}/audit) against the paid
// orders counted. The load generator itself judges the same option and a sample of the users'
// balances after the run (exit 111 when one breaks, checked above); this is the judge's own
// reading of the stock identities, so a run whose generator did not report still gets one.
// Returns the 200 payments (null when the summary has none).
function checkOrderAudit(check, meta, audit, metrics) {
  const rate = metrics.success_order_rate;
  const paid = rate ? rate.passes : null;
  const soldOut = metrics.order_sold_out_count ? metrics.order_sold_out_count.count : 0;
  check('load', `never sold out (the stock of ${meta.order_stock} outlasts the run)`, soldOut === 0, `P003 answers: ${soldOut}`);
  const au = audit || {};
  const read = meta.audit_http_status === 200 && ['initialStock', 'addedStock', 'stock', 'reserved', 'soldUnits',
    'pendingUnits'].every((k) => Number.isInteger(au[k]));
  check('audit', 'audit: initialStock + addedStock − soldUnits == stock, reserved == pendingUnits ≤ stock',
        read && au.initialStock + au.addedStock - au.soldUnits === au.stock && au.reserved === au.pendingUnits &&
          au.reserved <= au.stock,
        audit ? `HTTP ${meta.audit_http_status}: initial=${au.initialStock} added=${au.addedStock} sold=${au.soldUnits} ` +
                `stock=${au.stock} reserved=${au.reserved} pending=${au.pendingUnits}`
              : `no audit (HTTP ${meta.audit_http_status}, option ${meta.option_id})`);
  check('audit', 'audit: 200 payments ≤ soldUnits (every paid order sold its unit)',
        paid !== null && read && paid <= au.soldUnits, `200s=${paid} soldUnits=${au.soldUnits}`);
  return paid;
}

async function evaluate(dir, opts) {
  const meta = readJson(path.join(dir, 'meta.json'));
  const hot = hotRequestOf(meta);
  const samples = readSamples(path.join(dir, 'samples.ndjson'));
  const audit = readJson(path.join(dir, 'audit.json'), null);
  const exported = readJson(path.join(dir, 'load-summary.json'), null);
  const lim = {
    maxRssGrowthPct: opts.maxRssGrowthPct ?? meta.max_rss_growth_pct ?? kDefaultMaxRssGrowthPct,
    fdTolerance: opts.fdTolerance ?? kDefaultFdTolerance,
    clientsTolerance: opts.clientsTolerance ?? kDefaultClientsTolerance,
    dbTolerance: opts.dbTolerance ?? kDefaultDbTolerance,
  };
  const checks = [];
  const check = (group, name, pass, detail) => checks.push({group, name, pass: !!pass, detail});

  const load = samples.filter((s) => s.phase === 'load');
  // Judged: from the end of the warm-up to the end of the load's duration (samples taken while the
  // load generator stops and reports see idle apps, which would bias the end window downwards).
  const post = load.filter((s) => s.elapsed_s >= meta.warmup_s && s.elapsed_s < meta.duration_s);
  const after = samples.filter((s) => s.phase === 'after').pop() || null;
  const plan = minPostWarmupSamples(meta.duration_s, meta.warmup_s, meta.interval_s);
  // The sampler's own cost, from the samples (every pass records its wall time).
  const passMs = load.map((s) => s.pass_ms).filter((v) => typeof v === 'number');
  const passCpuMs = load.map((s) => s.pass_cpu_ms).filter((v) => typeof v === 'number');
  const gaps = post.slice(1).map((s, i) => s.elapsed_s - post[i].elapsed_s);
  const sampler = {passes: load.length, pass_ms_min: min(passMs), pass_ms_median: median(passMs), pass_ms_max: max(passMs),
                   pass_cpu_ms_min: min(passCpuMs), pass_cpu_ms_median: median(passCpuMs), pass_cpu_ms_max: max(passCpuMs),
                   max_gap_s: gaps.length ? Math.round(max(gaps) * 1000) / 1000 : null,
                   // How often a judged reading had a hash buffer subtracted (the old estimator's weak spot).
                   hash_readings: post.flatMap((s) => s.apps).filter((a) => a.hash_kib > 0).length,
                   readings: post.flatMap((s) => s.apps).filter((a) => typeof a.hash_kib === 'number').length,
                   // Readings whose two RSS readings never agreed (no retained RSS, left out).
                   retained_missing: post.flatMap((s) => s.apps).filter((a) => a.alive && a.retained_tries !== undefined &&
                                                                                 a.rss_retained_kib === null).length,
                   ...(meta.sampler ? {slots_missed: meta.sampler.slots_missed, cpu_ms: meta.sampler.cpu_ms,
                                       wall_s: meta.sampler.wall_s} : {})};
  check('samples', 'enough post-warm-up samples', post.length >= plan.need,
        `${post.length} in the ${meta.duration_s - meta.warmup_s} s after the ${meta.warmup_s} s warm-up ` +
          `(${load.length} in all), need ≥ ${plan.need} = ⌊${meta.duration_s - meta.warmup_s} / (${kSamplerBudgetIntervals} × ${meta.interval_s})⌋ − 1 ` +
          `(≥ ${kMinPostWarmupSamples}); largest gap ${fmt(sampler.max_gap_s, 3)} s; ` +
          `sampler wall ms per pass min/median/max ${fmt(sampler.pass_ms_min)}/${fmt(sampler.pass_ms_median)}/${fmt(sampler.pass_ms_max)}`);

  // Apps: alive throughout with one PID; RSS growth and slope; fds flat.
  const appNames = [];
  for (const s of samples) for (const a of s.apps) if (!appNames.includes(a.name)) appNames.push(a.name);
  const apps = [];
  const windowN = Math.max(kRssWindowMinSamples, Math.ceil(post.length * kRssWindowFraction));
  for (const name of appNames) {
    const rows = post.map((s) => ({t: s.elapsed_s, a: s.apps.find((x) => x.name === name)}));
    const all = samples.map((s) => s.apps.find((x) => x.name === name));
    const pids = new Set(all.filter((a) => a && a.pid !== null).map((a) => a.pid));
    const dead = all.filter((a) => !a || !a.alive).length;
    const r = {name, pids: [...pids], dead_samples: dead};
    // A reading may be missing (null) when /proc could not be read at that instant.
    const valid = rows.filter((x) => x.a && x.a.alive && retainedKib(x.a) !== null);
    const retained = valid.map((x) => retainedKib(x.a));
    const withRaw = valid.filter((x) => x.a.rss_kib !== null);
    const raw = withRaw.map((x) => x.a.rss_kib);
    const rawMinutes = withRaw.map((x) => x.t / 60);
    const minutes = valid.map((x) => x.t / 60);
    if (valid.length >= 2) {
      const spacing = (valid[valid.length - 1].t - valid[0].t) / (valid.length - 1);
      const bySeconds = spacing > 0 ? Math.ceil(kRssWindowMinSeconds / spacing) : windowN;
      const w = Math.min(Math.max(windowN, bySeconds), Math.floor(valid.length / 2)) || 1;
      r.rss_window_samples = w;
      r.rss_base_kib = min(retained.slice(0, w));
      r.rss_end_kib = min(retained.slice(-w));
      r.rss_growth_pct = ((r.rss_end_kib - r.rss_base_kib) / r.rss_base_kib) * 100;
      r.rss_slope_kib_per_min = slope(rawMinutes, raw);
      // Slope of the retained RSS: least squares over the minima of consecutive chunks of the
      // post-warm-up samples (kSlopeChunks chunks, at least kRssWindowMinSamples samples each),
      // against each chunk's middle, for the same reason as the windows' minima.
      const chunk = Math.max(kRssWindowMinSamples, Math.ceil(retained.length / kSlopeChunks));
      const cx = [], cy = [];
      for (let i = 0; i + chunk <= retained.length; i += chunk) {
        cx.push((minutes[i] + minutes[i + chunk - 1]) / 2);
        cy.push(min(retained.slice(i, i + chunk)));
      }
      r.rss_retained_slope_kib_per_min = slope(cx, cy);
      // The brief's first idea, for comparison: median of the first 3 vs the last 3 raw readings.
      r.rss_median_growth_pct = ((median(raw.slice(-3)) - median(raw.slice(0, 3))) / median(raw.slice(0, 3))) * 100;
      r.rss_min_kib = min(raw);
      r.rss_max_kib = max(raw);
    }
    const fdRows = rows.filter((x) => x.a && x.a.fds !== null);
    const fds = fdRows.map((x) => x.a.fds);
    r.fds_min = min(fds);
    r.fds_max = max(fds);
    // Without db_conns (an older samples file) the raw count is judged.
    r.has_db_conns = fdRows.length > 0 && fdRows.every((x) => Number.isInteger(x.a.db_conns));
    const nonDb = r.has_db_conns ? fdRows.map((x) => x.a.fds - x.a.db_conns) : fds;
    r.fds_non_db_min = min(nonDb);
    r.fds_non_db_max = max(nonDb);
    r.fds_range = nonDb.length ? r.fds_non_db_max - r.fds_non_db_min : null;
    const pool = all.filter((a) => a && Number.isInteger(a.db_conns)).map((a) => a.db_conns);
    r.db_conns_min = min(pool);
    r.db_conns_max = max(pool);
    const threads = rows.filter((x) => x.a && x.a.threads !== null).map((x) => x.a.threads);
    r.threads_min = min(threads);
    r.threads_max = max(threads);
    r.fds_after = after ? (after.apps.find((x) => x.name === name) || {}).fds ?? null : null;
    apps.push(r);

    check('apps', `${name} alive, one PID`, dead === 0 && pids.size === 1,
          dead ? `${dead} sample(s) found it dead` : `pid ${[...pids].join(', ')}`);
    check('rss', `${name} RSS growth ≤ ${lim.maxRssGrowthPct} %`,
          r.rss_growth_pct !== undefined && r.rss_growth_pct <= lim.maxRssGrowthPct,
          r.rss_growth_pct === undefined ? 'no samples' :
            `${r.rss_base_kib} → ${r.rss_end_kib} KiB = ${fmt(r.rss_growth_pct, 2)} % ` +
            `(min of first/last ${r.rss_window_samples} samples; slope ${fmt(r.rss_retained_slope_kib_per_min)} KiB/min retained, ` +
            `${fmt(r.rss_slope_kib_per_min)} KiB/min raw)`);
    check('fds', `${name} fds flat (range ≤ ${lim.fdTolerance}${r.has_db_conns ? ', MariaDB connections aside' : ''})`,
          r.fds_range !== null && r.fds_range <= lim.fdTolerance,
          r.fds_range === null ? 'no samples' :
            `${r.fds_non_db_min}..${r.fds_non_db_max}: range ${r.fds_range}` +
            (r.has_db_conns ? ` (all fds ${r.fds_min}..${r.fds_max}, MariaDB connections ${r.db_conns_min}..${r.db_conns_max})` : ''));
    if (pool.length) {
      check('db', `${name} MariaDB connections ≤ DB_POOL_SIZE ${meta.db_pool_size || 8}`,
            r.db_conns_max <= (meta.db_pool_size || 8), `${r.db_conns_min}..${r.db_conns_max}`);
    }
    check('threads', `${name} threads constant`, r.threads_min !== null && r.threads_min === r.threads_max,
          `${r.threads_min}..${r.threads_max}`);
  }

  // Redis per role.
  const roles = [];
  const roleNames = samples.length ? Object.keys(samples[0].redis) : [];
  for (const role of roleNames) {
    const vals = post.map((s) => s.redis[role]).filter((v) => v && v.connected_clients !== null);
    const cc = vals.map((v) => v.connected_clients);
    const ch = load.map((s) => s.redis[role]).filter((v) => v && v.pubsub_channels !== null).map((v) => v.pubsub_channels);
    const r = {
      role,
      clients_min: min(cc), clients_max: max(cc),
      clients_range: cc.length ? max(cc) - min(cc) : null,
      pubsub_channels_max_during: max(ch),
      used_memory_first: vals.length ? vals[0].used_memory : null,
      used_memory_last: vals.length ? vals[vals.length - 1].used_memory : null,
      pubsub_channels_after: after && after.redis[role] ? after.redis[role].pubsub_channels : null,
      pubsub_patterns_after: after && after.redis[role] ? after.redis[role].pubsub_patterns : null,
      clients_after: after && after.redis[role] ? after.redis[role].connected_clients : null,
      channels_left: (meta.pubsub_channels_left || {})[role] || [],
    };
    roles.push(r);
    check('redis', `${role}: connected_clients flat (range ≤ ${lim.clientsTolerance})`,
          r.clients_range !== null && r.clients_range <= lim.clientsTolerance,
          r.clients_range === null ? 'no samples' : `${r.clients_min}..${r.clients_max}: range ${r.clients_range}`);
    check('pubsub', `${role}: no Pub/Sub channel or pattern left after the run`,
          r.pubsub_channels_after === 0 && r.pubsub_patterns_after === 0 && r.channels_left.length === 0,
          `pubsub_channels=${r.pubsub_channels_after} pubsub_patterns=${r.pubsub_patterns_after}` +
            (r.channels_left.length ? ` left: ${r.channels_left.join(' ')}` : '') +
            ` (max during the run: ${r.pubsub_channels_max_during})`);
  }

  // MariaDB.
  const dbConns = (s) => s.db.server_conns ?? s.db.threads_connected ?? null;
  const dbOwnClients = meta.db_sampler_clients ?? 1;
  const db = post.map(dbConns).filter((v) => v !== null);
  // MariaDB's connections − Σ pooled connections, where every app's count is known.
  const unpooled = post.filter((s) => dbConns(s) !== null && s.apps.every((a) => Number.isInteger(a.db_conns)))
      .map((s) => dbConns(s) - s.apps.reduce((n, a) => n + a.db_conns, 0));
  const pooled = post.filter((s) => s.apps.every((a) => Number.isInteger(a.db_conns)))
      .map((s) => s.apps.reduce((n, a) => n + a.db_conns, 0));
  const dbAll = load.map(dbConns).filter((v) => v !== null);
  // Ceiling: apps × DB_POOL_SIZE (+ the sampler's own client in old runs). More is a leak, whatever the range.
  const dbCeiling = meta.apps * (meta.db_pool_size || 8) + dbOwnClients;
  const useUnpooled = unpooled.length === db.length && db.length > 0;
  const judgedDb = useUnpooled ? unpooled : db;
  const dbr = {min: min(db), max: max(db), pooled_min: min(pooled), pooled_max: max(pooled),
               unpooled_min: min(unpooled), unpooled_max: max(unpooled),
               range: judgedDb.length ? max(judgedDb) - min(judgedDb) : null,
               max_whole_run: max(dbAll), ceiling: dbCeiling,
               after: after ? dbConns(after) : null};
  check('db', useUnpooled ? `MariaDB connections flat, the apps' pools aside (range ≤ ${lim.dbTolerance})`
                          : `MariaDB connections flat (range ≤ ${lim.dbTolerance})`,
        dbr.range !== null && dbr.range <= lim.dbTolerance,
        dbr.range === null ? 'no samples' :
          (useUnpooled ? `unpooled ${dbr.unpooled_min}..${dbr.unpooled_max}: range ${dbr.range} ` +
                         `(MariaDB's ${dbr.min}..${dbr.max}, pools ${dbr.pooled_min}..${dbr.pooled_max})`
                       : `${dbr.min}..${dbr.max}: range ${dbr.range}`));
  check('db', `MariaDB connections ≤ apps × DB_POOL_SIZE${dbOwnClients ? ` + ${dbOwnClients}` : ''} = ${dbCeiling}`,
        dbr.max_whole_run !== null && dbr.max_whole_run <= dbCeiling, `max ${dbr.max_whole_run}`);

  // Latency per interval and "the lock is exercised the whole time".
  const lat = await readLatency(path.join(dir, 'load.ndjson'), meta.t0_ms, meta.interval_s, hot);
  const judged = lat.intervals.filter((iv) => iv.start_s >= meta.warmup_s && iv.end_s <= meta.duration_s);
  const busy = new Map();  // window start (s) → contended requests that went through
  const bw = Math.max(kBusyWindowS, meta.interval_s);
  for (let w = Math.ceil(meta.warmup_s / bw) * bw; w + bw <= meta.duration_s; w += bw) busy.set(w, 0);
  for (const iv of lat.intervals) {
    const w = Math.floor(iv.start_s / bw) * bw;
    if (busy.has(w) && iv.end_s <= w + bw) busy.set(w, busy.get(w) + iv.hot_ok);
  }
  const idle = [...busy.entries()].filter(([, n]) => n === 0);
  check('load', `${hot.done} in every ${bw} s after the warm-up (${hot.what})`,
        busy.size > 0 && idle.length === 0,
        `${busy.size} windows judged, fewest in one: ${min([...busy.values()])}` +
          (idle.length ? `; none in ${idle.map(([w]) => `${w}-${w + bw} s`).join(', ')}` : ''));

  // The load generator and the audit.
  const m = (exported && exported.metrics) || {};
  check('load', `load generator exit ${meta.load_exit_code} (0, or 99 = a latency threshold; never 111 = broken invariant)`,
        kAcceptedLoadExits.includes(meta.load_exit_code), `exit ${meta.load_exit_code}`);
  const hotOkTotal = meta.scenario === 'order-rush' ? checkOrderAudit(check, meta, audit, m)
                                                    : checkCouponAudit(check, meta, audit, m);

  // Shutdown and sanitizers.
  check('shutdown', 'every app exited on SIGTERM (none killed after its grace period)',
        meta.apps_killed_at_down === 0, `${meta.apps_killed_at_down} SIGKILL line(s) in ./stage down`);
  check('sanitizers', 'no AddressSanitizer / LeakSanitizer / UBSan report in the app logs',
        meta.sanitizer_hits === 0,
        meta.sanitizer_hits ? `${meta.sanitizer_hits} line(s), see sanitizer.txt` :
          (meta.sanitized ? `ASan+UBSan build, ASAN_OPTIONS=${meta.asan_options}` : 'release build (no sanitizers: nothing to report)'));
  check('sampler', 'sampler ended with the load generator', meta.sampler_exit_code === 0,
        `exit ${meta.sampler_exit_code}; ${sampler.passes} passes` +
          (sampler.slots_missed !== undefined ? `, ${sampler.slots_missed} slot(s) missed` : '') +
          (sampler.cpu_ms !== undefined ? `, CPU ${sampler.cpu_ms} ms in ${sampler.wall_s} s` : ''));

  const pass = checks.every((c) => c.pass);
  const rssGrowth = apps.map((a) => a.rss_growth_pct).filter((v) => v !== undefined);
  const rssSlope = apps.map((a) => a.rss_slope_kib_per_min).filter((v) => v !== null && v !== undefined);
  const rssRetSlope = apps.map((a) => a.rss_retained_slope_kib_per_min).filter((v) => v !== null && v !== undefined);
  const first = judged[0] || lat.intervals[0] || null;
  const last = judged[judged.length - 1] || lat.intervals[lat.intervals.length - 1] || null;
  return {
    verdict: pass ? 'pass' : 'fail',
    meta, hot, limits: {...lim, rss_window_fraction: kRssWindowFraction, rss_window_min_samples: kRssWindowMinSamples,
                   rss_window_min_seconds: kRssWindowMinSeconds,
                   min_post_warmup_samples: plan.need, min_post_warmup_samples_floor: kMinPostWarmupSamples,
                   sampler_budget_intervals: kSamplerBudgetIntervals},
    sampler,
    figures: {
      rss_growth_pct_min: min(rssGrowth), rss_growth_pct_max: max(rssGrowth),
      rss_slope_kib_per_min_min: min(rssSlope), rss_slope_kib_per_min_max: max(rssSlope),
      rss_retained_slope_kib_per_min_min: min(rssRetSlope), rss_retained_slope_kib_per_min_max: max(rssRetSlope),
      fds_range_max: max(apps.map((a) => a.fds_range).filter((v) => v !== null)),
      p99_hot_ms_first: first ? first.p99_hot_ms : null, p99_hot_ms_last: last ? last.p99_hot_ms : null,
      hot_ok_total: hotOkTotal, audit: audit,
      requests: lat.intervals.reduce((s, iv) => s + iv.requests, 0),
    },
    checks, apps, roles, db: dbr, intervals: lat.intervals, samples,
  };
}

// --- text output -------------------------------------------------------------------------------------
function samplerLine(res) {
  const s = res.sampler;
  return `sampler: ${s.passes} passes every ${res.meta.interval_s} s, wall ms per pass min/median/max ` +
         `${fmt(s.pass_ms_min)}/${fmt(s.pass_ms_median)}/${fmt(s.pass_ms_max)} (CPU ms ` +
         `${fmt(s.pass_cpu_ms_min)}/${fmt(s.pass_cpu_ms_median)}/${fmt(s.pass_cpu_ms_max)}), largest gap after the warm-up ${fmt(s.max_gap_s, 3)} s, ` +
         `${s.hash_readings} of ${s.readings} app readings after the warm-up had hash buffers to subtract, ` +
         `${s.retained_missing} had no consistent one` +
         (s.cpu_ms !== undefined ? `; CPU ${s.cpu_ms} ms in ${s.wall_s} s` : '');
}

function printText(res) {
  const f = res.figures;
  const lines = [];
  lines.push(`soak verdict: ${res.verdict.toUpperCase()}  (${res.meta.command})`);
  lines.push('');
  lines.push('app                           retained RSS KiB     growth   slope KiB/min   fds      threads');
  lines.push('                              base→end                      retained/raw');
  for (const a of res.apps) {
    lines.push(`${a.name.padEnd(28)}  ${`${a.rss_base_kib ?? '–'}→${a.rss_end_kib ?? '–'}`.padEnd(18)} ` +
               `${fmt(a.rss_growth_pct, 2).padStart(7)} %  ${`${fmt(a.rss_retained_slope_kib_per_min)}/${fmt(a.rss_slope_kib_per_min)}`.padStart(16)}  ` +
               `${`${a.fds_min}..${a.fds_max}`.padEnd(8)} ${a.threads_min}..${a.threads_max}`);
  }
  lines.push('');
  lines.push('redis role   clients   pubsub channels (max during → after)');
  for (const r of res.roles) {
    lines.push(`${r.role.padEnd(10)}   ${`${r.clients_min}..${r.clients_max}`.padEnd(8)}  ${r.pubsub_channels_max_during} → ${r.pubsub_channels_after}`);
  }
  lines.push(`mariadb connections ${res.db.min}..${res.db.max} (apps' pools ${res.db.pooled_min ?? '–'}..${res.db.pooled_max ?? '–'}, ` +
             `unpooled ${res.db.unpooled_min ?? '–'}..${res.db.unpooled_max ?? '–'}; after: ${res.db.after})`);
  lines.push(`p99 of ${res.hot.short} per ${res.meta.interval_s} s interval: first ${fmt(f.p99_hot_ms_first)} ms, last ${fmt(f.p99_hot_ms_last)} ms`);
  lines.push(`${res.hot.done}: ${f.hot_ok_total}; audit: ${JSON.stringify(f.audit)}`);
  lines.push(samplerLine(res));
  lines.push('');
  for (const c of res.checks) lines.push(`${c.pass ? 'ok    ' : 'FAILED'}  ${c.name}: ${c.detail}`);
  lines.push('');
  lines.push(`soak: ${res.checks.filter((c) => !c.pass).length} of ${res.checks.length} criteria failed → ${res.verdict.toUpperCase()}`);
  process.stdout.write(lines.join('\n') + '\n');
}

// --- HTML and SVG ------------------------------------------------------------------------------------
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
const kPalette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f',
                  '#bcbd22', '#17becf', '#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173'];

// "Nice" tick step for a span (1, 2 or 5 × 10^k), about `count` ticks.
function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
}
const tickLabel = (v) => (Math.abs(v) >= 1e6 ? `${+(v / 1e6).toFixed(2)}M` : Math.abs(v) >= 1e4 ? `${+(v / 1e3).toFixed(1)}k` : `${+v.toFixed(2)}`);

// series: [{name, points: [[x, y], ...]}]; x in seconds since the start of the load.
function lineChart({title, unit, series, warmupS, endS, yFloorZero = true}) {
  const W = 760, H = 260, L = 64, R = 12, T = 28, B = 34;
  const pts = series.flatMap((s) => s.points).filter((p) => p[1] !== null && p[1] !== undefined);
  if (!pts.length) return `<figure><figcaption>${esc(title)}</figcaption><p class="none">no data</p></figure>`;
  let x0 = 0, x1 = Math.max(...pts.map((p) => p[0]), endS || 0);
  let y0 = yFloorZero ? 0 : Math.min(...pts.map((p) => p[1]));
  let y1 = Math.max(...pts.map((p) => p[1]));
  if (y1 === y0) { y1 = y0 + 1; }
  const ys = niceStep(y1 - y0, 5);
  y0 = Math.floor(y0 / ys) * ys;
  y1 = Math.ceil(y1 / ys) * ys;
  if (x1 <= x0) x1 = x0 + 1;
  const sx = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  let g = '';
  for (let y = y0; y <= y1 + ys / 2; y += ys) {
    g += `<line x1="${L}" x2="${W - R}" y1="${sy(y)}" y2="${sy(y)}" class="grid"/>` +
         `<text x="${L - 6}" y="${sy(y) + 4}" class="yt">${tickLabel(y)}</text>`;
  }
  const xs = niceStep(x1 - x0, 8);
  for (let x = 0; x <= x1 + 1e-9; x += xs) {
    g += `<line x1="${sx(x)}" x2="${sx(x)}" y1="${T}" y2="${H - B}" class="grid"/>` +
         `<text x="${sx(x)}" y="${H - B + 14}" class="xt">${tickLabel(x)}</text>`;
  }
  if (warmupS) {
    g += `<rect x="${sx(0)}" y="${T}" width="${sx(warmupS) - sx(0)}" height="${H - T - B}" class="warm"/>` +
         `<text x="${sx(warmupS / 2)}" y="${T + 12}" class="xt">warm-up</text>`;
  }
  let lines = '';
  series.forEach((s, i) => {
    const color = kPalette[i % kPalette.length];
    const p = s.points.filter((q) => q[1] !== null && q[1] !== undefined);
    if (!p.length) return;
    lines += `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${p.map((q) => `${sx(q[0]).toFixed(1)},${sy(q[1]).toFixed(1)}`).join(' ')}"><title>${esc(s.name)}</title></polyline>`;
    if (p.length === 1) lines += `<circle cx="${sx(p[0][0])}" cy="${sy(p[0][1])}" r="2.5" fill="${color}"/>`;
  });
  const legend = series.map((s, i) => `<span><i style="background:${kPalette[i % kPalette.length]}"></i>${esc(s.name)}</span>`).join('');
  return `<figure><figcaption>${esc(title)} <small>(${esc(unit)}; x: seconds since the load started)</small></figcaption>` +
    `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">` +
    `<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" class="plot"/>${g}${lines}` +
    `<text x="${(L + W - R) / 2}" y="${H - 4}" class="xt">s</text></svg><div class="legend">${legend}</div></figure>`;
}

function renderHtml(res) {
  const m = res.meta;
  const samples = res.samples;
  const short = (n) => n.replace('hhplus-e-commerce-app-', 'app-');
  const appSeries = (field) => res.apps.map((a) => ({
    name: short(a.name),
    points: samples.map((s) => { const x = s.apps.find((q) => q.name === a.name); return [s.elapsed_s, x ? x[field] : null]; }),
  }));
  const roleSeries = (field) => res.roles.map((r) => ({
    name: r.role, points: samples.map((s) => [s.elapsed_s, s.redis[r.role] ? s.redis[r.role][field] : null]),
  }));
  const endS = samples.length ? samples[samples.length - 1].elapsed_s : m.duration_s;
  const charts = [
    lineChart({title: 'RSS per app (one reading per sample)', unit: 'KiB', series: appSeries('rss_kib'), warmupS: m.warmup_s, endS}),
    lineChart({title: 'Retained RSS per app (RSS without the hash buffers in flight; judged)', unit: 'KiB',
               series: res.apps.map((a) => ({name: short(a.name), points: samples.map((s) => {
                 const x = s.apps.find((q) => q.name === a.name); return [s.elapsed_s, x ? retainedKib(x) : null]; })})),
               warmupS: m.warmup_s, endS}),
    lineChart({title: 'Open file descriptors per app', unit: 'count', series: appSeries('fds'), warmupS: m.warmup_s, endS}),
    lineChart({title: 'Redis connected_clients per role', unit: 'count', series: roleSeries('connected_clients'), warmupS: m.warmup_s, endS}),
    lineChart({title: 'Redis pubsub_channels per role', unit: 'count', series: roleSeries('pubsub_channels'), warmupS: m.warmup_s, endS}),
    lineChart({title: 'MariaDB connections', unit: 'count',
               series: [{name: 'established on its port', points: samples.map((s) => [s.elapsed_s, s.db.server_conns ?? s.db.threads_connected ?? null])},
                        {name: "apps' pools", points: samples.map((s) => [s.elapsed_s,
                          s.apps.every((a) => Number.isInteger(a.db_conns)) ? s.apps.reduce((n, a) => n + a.db_conns, 0) : null])}],
               warmupS: m.warmup_s, endS}),
    lineChart({title: `p99 latency per ${m.interval_s} s interval`, unit: 'ms',
               series: [{name: res.hot.label, points: res.intervals.map((iv) => [iv.end_s, iv.p99_hot_ms])},
                        {name: `all requests (${res.hot.all})`, points: res.intervals.map((iv) => [iv.end_s, iv.p99_all_ms])}],
               warmupS: m.warmup_s, endS}),
    lineChart({title: `${res.hot.done} per ${m.interval_s} s interval`, unit: 'count',
               series: [{name: res.hot.okStatus, points: res.intervals.map((iv) => [iv.end_s, iv.hot_ok])}], warmupS: m.warmup_s, endS}),
  ];
  const checkRows = res.checks.map((c) => `<tr class="${c.pass ? 'ok' : 'bad'}"><td>${c.pass ? '✓' : '✗'}</td><td>${esc(c.group)}</td><td>${esc(c.name)}</td><td>${esc(c.detail)}</td></tr>`).join('');
  const appRows = res.apps.map((a) => `<tr><td>${esc(a.name)}</td><td>${a.rss_base_kib ?? '–'}</td><td>${a.rss_end_kib ?? '–'}</td>` +
    `<td>${fmt(a.rss_growth_pct, 2)}</td><td>${fmt(a.rss_slope_kib_per_min)}</td><td>${fmt(a.rss_retained_slope_kib_per_min)}</td>` +
    `<td>${fmt(a.rss_median_growth_pct, 1)}</td><td>${a.rss_min_kib ?? '–'}..${a.rss_max_kib ?? '–'}</td>` +
    `<td>${a.fds_min}..${a.fds_max}</td><td>${a.fds_non_db_min}..${a.fds_non_db_max}</td><td>${a.db_conns_min ?? '–'}..${a.db_conns_max ?? '–'}</td>` +
    `<td>${a.threads_min}..${a.threads_max}</td></tr>`).join('');
  const roleRows = res.roles.map((r) => `<tr><td>${esc(r.role)}</td><td>${r.clients_min}..${r.clients_max}</td>` +
    `<td>${r.pubsub_channels_max_during}</td><td>${r.pubsub_channels_after}</td><td>${r.pubsub_patterns_after}</td>` +
    `<td>${r.used_memory_first ?? '–'} → ${r.used_memory_last ?? '–'}</td></tr>`).join('');
  const ivRows = res.intervals.map((iv) => `<tr><td>${iv.start_s}–${iv.end_s}</td><td>${iv.requests}</td><td>${iv.hot_ok}</td>` +
    `<td>${iv.hot_not_ok}</td><td>${fmt(iv.p99_hot_ms)}</td><td>${fmt(iv.p99_all_ms)}</td></tr>`).join('');
  const f = res.figures;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Soak ${esc(res.verdict)}</title><style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff}
.pass{background:#2a7d2a}.fail{background:#b22222}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}tr.bad td{background:#fde8e8}tr.ok td:first-child{color:#2a7d2a}tr.bad td:first-child{color:#b22222}
figure{margin:18px 0}figcaption{font-weight:600}small{font-weight:400;color:#666}
svg .plot{fill:#fff;stroke:#999}svg .grid{stroke:#eee}svg .yt{font-size:10px;text-anchor:end;fill:#555}
svg .xt{font-size:10px;text-anchor:middle;fill:#555}svg .warm{fill:#f4f0e0;opacity:.7}
.legend span{display:inline-block;margin-right:12px;font-size:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
code{background:#f5f5f5;padding:0 3px}.none{color:#888}
</style></head><body>
<h1>Soak test <span class="verdict ${res.verdict}">${res.verdict.toUpperCase()}</span></h1>
<p><code>${esc(m.command)}</code><br>
${m.apps} apps, strategy ${esc(m.strategy)}, ${m.vus} VUs closed loop for ${m.duration_s} s; samples every ${m.interval_s} s,
warm-up ${m.warmup_s} s (not judged). App binary <code>${esc(m.server_bin)}</code>${m.sanitized ? ` (ASan+UBSan, <code>ASAN_OPTIONS=${esc(m.asan_options)}</code>)` : ''}.
Machine: ${m.cores} cores; before: <code>${esc(m.uptime_before)}</code>; after: <code>${esc(m.uptime_after)}</code>.<br>
${esc(samplerLine(res))}.</p>
<p>${m.scenario === 'order-rush' ? `Option ${m.option_id} of stock ${m.order_stock}, ${m.order_users} users × ${m.orders_per_user} orders at most`
                                 : `Coupon ${m.coupon_id} of ${m.coupon_quantity}`}; ${esc(res.hot.done)}: ${f.hot_ok_total}; audit: <code>${esc(JSON.stringify(f.audit))}</code>.
RSS growth ${fmt(f.rss_growth_pct_min, 2)} … ${fmt(f.rss_growth_pct_max, 2)} % (limit ${res.limits.maxRssGrowthPct} %),
slope of the retained RSS ${fmt(f.rss_retained_slope_kib_per_min_min)} … ${fmt(f.rss_retained_slope_kib_per_min_max)} KiB/min
(raw readings: ${fmt(f.rss_slope_kib_per_min_min)} … ${fmt(f.rss_slope_kib_per_min_max)} KiB/min, dominated by Argon2 buffers in flight); p99 of ${esc(res.hot.short)} first/last interval
${fmt(f.p99_hot_ms_first)} / ${fmt(f.p99_hot_ms_last)} ms.</p>
<h2>Verdict</h2>
<table><tr><th></th><th>group</th><th>criterion</th><th>measured</th></tr>${checkRows}</table>
<p><small>RSS growth: smallest retained RSS (per sample RSS minus the resident pages of the ${m.hash_buffer_kib ?? '?'} KiB Argon2 buffers in flight) in the last vs the first
${Math.round(res.limits.rss_window_fraction * 100)} % of the post-warm-up samples (at least ${res.limits.rss_window_min_samples} samples and
${res.limits.rss_window_min_seconds} s, at most half of them).
Flat: max − min after the warm-up ≤ ${res.limits.fdTolerance} fds per app, ≤ ${res.limits.clientsTolerance} Redis clients per role,
≤ ${res.limits.dbTolerance} MariaDB connections outside the apps' pools (each pool ≤ DB_POOL_SIZE). p99: <code>http_req_duration</code> of the <code>name:${esc(res.hot.tag)}</code> requests.</small></p>
<h2>Apps</h2>
<table><tr><th>app</th><th>retained base KiB</th><th>retained end KiB</th><th>growth %</th><th>slope KiB/min (raw)</th>
<th>slope KiB/min (retained)</th><th>median-of-3 growth % (info)</th><th>raw RSS range KiB</th><th>fds</th><th>fds without MariaDB</th>
<th>MariaDB connections</th><th>threads</th></tr>${appRows}</table>
<h2>Redis roles and MariaDB</h2>
<table><tr><th>role</th><th>connected_clients</th><th>pubsub_channels max during</th><th>channels after</th><th>patterns after</th><th>used_memory</th></tr>${roleRows}</table>
<p>MariaDB connections ${res.db.min}..${res.db.max} after the warm-up (the apps' pools ${res.db.pooled_min ?? '–'}..${res.db.pooled_max ?? '–'},
not pooled ${res.db.unpooled_min ?? '–'}..${res.db.unpooled_max ?? '–'}), ${res.db.after} after the run.</p>
<h2>Charts</h2>
${charts.join('\n')}
<h2>Per interval</h2>
<table><tr><th>interval s</th><th>requests</th><th>${esc(res.hot.short)} ${res.hot.okStatus}</th><th>${esc(res.hot.short)} not ${res.hot.okStatus}</th><th>p99 ${esc(res.hot.short)} ms</th><th>p99 all ms</th></tr>${ivRows}</table>
</body></html>
`;
}

// --plan D W I: what soak.sh asks before a run.
function plan(argv) {
  const [d, w, i] = argv.map(Number);
  if (argv.length !== 3 || ![d, w, i].every((x) => Number.isFinite(x) && x >= 0) || i <= 0 || w >= d) {
    process.stderr.write(`soak_report: --plan needs DURATION_S WARMUP_S INTERVAL_S (warm-up < duration, interval > 0)\n`);
    return 2;
  }
  const p = minPostWarmupSamples(d, w, i);
  if (p.reachable < kMinPostWarmupSamples) {
    process.stderr.write(`soak_report: ${d - w} s after the warm-up at one sample per ${kSamplerBudgetIntervals} × ${i} s ` +
        `guarantee ${p.reachable} samples (⌊${d - w} / ${kSamplerBudgetIntervals * i}⌋ − 1), fewer than the ${kMinPostWarmupSamples} ` +
        `needed to judge growth: make the run longer, the warm-up shorter or the interval shorter\n`);
    return 2;
  }
  process.stdout.write(`${p.need}\n`);
  return 0;
}

async function main() {
  if (process.argv[2] === '--plan') return plan(process.argv.slice(3));
  let opts;
  try { opts = parseArgs(process.argv.slice(2)); } catch (e) {
    process.stderr.write(`soak_report: ${e.message}\n${usage()}`);
    return 2;
  }
  let res;
  try { res = await evaluate(opts.dir, opts); } catch (e) {
    process.stderr.write(`soak_report: ${e.message}\n`);
    return 2;
  }
  printText(res);
  const {samples, ...summary} = res;
  fs.writeFileSync(path.join(opts.dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  if (opts.html) fs.writeFileSync(path.join(opts.dir, 'report.html'), renderHtml(res));
  return res.verdict === 'pass' ? 0 : 1;
}

main().then((code) => process.exit(code));
