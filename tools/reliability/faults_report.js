#!/usr/bin/env node
// faults_report.js — the counting and the report of tools/reliability/faults.sh.
//
//   node faults_report.js analyze FAULT_DIR   reads what faults.sh left in FAULT_DIR (fault.env,
//                                             audit.json, and per generator run N issue-N.ndjson,
//                                             charge-N.ndjson, charge-N.txt, *-N.rc, plus
//                                             charge-balances.tsv) and writes FAULT_DIR/result.json
//   node faults_report.js summarize OUT_DIR   every OUT_DIR/*/result.json → faults.json, faults.md
//                                             and the console table; exit 1 when any fault has
//                                             wrong > 0 or a failed check
//
// Definitions (also in faults.md):
//   requests   every HTTP request both load generators sent during the phase (sign-ups, issues,
//              charges, balance reads), from their --out json samples.
//   failed     answered neither 2xx nor a business refusal (4xx with a C/A/V code): 503 S001
//              (busy, nothing done), 503 S002 (dependency down), 5xx, no answer (status 0).
//   wrong      outcomes that contradict the store: |issued − holderRows| + |holderRows −
//              distinctHolders| + max(0, issued − total) + the distance of issued outside
//              [201s, 201s + unanswered] + 500s (any 5xx but 503) + hot users whose balance
//              identity failed (a charge lost or applied twice). Must be 0.
//   recovery   from the fault's end (the restart finished, or SIGCONT sent) to the end of the
//              first 201 issue whose request was SENT after that moment (so it went through the
//              recovered path, not a request that waited out the fault). Reported, not judged:
//              how fast a loaded machine recovers is not a property of the service. What is
//              judged is that it recovers: every app answers /health/ready again within a
//              generous bound, and (restarts of a dependency) no request sent after that fails.
'use strict';
const fs = require('fs');
const path = require('path');

// Tolerance between the script's clock reading and the load generator's sample times (both the
// system clock; the generator derives its times from one reading + a monotonic delta): a fork of
// date(1) and the stage's bookkeeping around a signal take ≤ ~50 ms on a loaded host; 250 ms is
// 5× that.
const kClockSlackMs = 250;

function readEnv(file) {
    const env = {};
    if (!fs.existsSync(file)) return env;
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        const i = line.indexOf('=');
        if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
    }
    return env;
}

function readText(file) { return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''; }
function readRc(file) { const t = readText(file).trim(); return t === '' ? null : Number(t); }

// Requests of one --out json file: {name, status, code, instance, endMs, startMs}.
function readRequests(file) {
    const out = [];
    if (!fs.existsSync(file)) return out;
    let last = null;
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (!line.startsWith('{"type":"Point"')) continue;
        const p = JSON.parse(line);
        const d = p.data;
        if (p.metric === 'http_reqs') {
            const meta = d.metadata || {};
            last = {
                name: d.tags.name || '', status: Number(d.tags.status || 0),
                code: meta.errorCode || '', instance: meta.instance || '',
                endMs: Date.parse(d.time) + Number((d.time.match(/\.\d{3}(\d*)Z$/) || [0, ''])[1].padEnd(6, '0').slice(0, 6)) / 1e6,
                startMs: null,
            };
            out.push(last);
        } else if (p.metric === 'http_req_duration' && last && last.startMs === null) {
            last.startMs = last.endMs - d.value;
        }
    }
    for (const r of out) if (r.startMs === null) r.startMs = r.endMs;
    return out;
}

function classify(r) {
    if (r.status >= 200 && r.status < 300) return 'ok';
    // Business refusals: auth/coupon/validation, and for the order rows product/order/balance.
    if (r.status >= 400 && r.status < 500 && /^[ACVPOB]\d{3}$/.test(r.code) && r.status !== 401) return 'refused';
    if (r.status === 503 && r.code === 'S001') return 'busy';
    if (r.status === 503 && r.code === 'S002') return 'unavailable';
    if (r.status === 0) return 'no_answer';
    if (r.status >= 500) return 'server_error';
    return 'other';
}

// The generator runs of one kind in FAULT_DIR (KIND-0, KIND-1, … as faults.sh's driver ran them).
function runsOf(dir, kind) {
    const re = new RegExp('^' + kind + '-(\\d+)\\.rc$');
    return fs.readdirSync(dir).map((f) => f.match(re)).filter(Boolean).map((m) => Number(m[1]))
        .sort((a, b) => a - b).map((n) => ({
            n, rc: readRc(path.join(dir, `${kind}-${n}.rc`)), text: readText(path.join(dir, `${kind}-${n}.txt`)),
            ndjson: path.join(dir, `${kind}-${n}.ndjson`),
        }));
}

function analyze(dir) {
    const env = readEnv(path.join(dir, 'fault.env'));
    // The order rows run order-rush where the others run issue-coupon (faults.sh --orders).
    const orders = env.orders === '1';
    const issueRuns = runsOf(dir, orders ? 'order' : 'issue');
    const chargeRuns = runsOf(dir, 'charge');
    const issueReqs = [].concat(...issueRuns.map((r) => readRequests(r.ndjson)));
    const chargeReqs = [].concat(...chargeRuns.map((r) => readRequests(r.ndjson)));
    const all = issueReqs.concat(chargeReqs);
    const checks = [];
    const check = (name, ok, detail) => checks.push({ name, ok: !!ok, detail: detail || '' });

    const counts = { ok: 0, refused: 0, busy: 0, unavailable: 0, no_answer: 0, server_error: 0, other: 0 };
    const byStatus = {};
    for (const r of all) {
        r.cls = classify(r);
        counts[r.cls] += 1;
        const key = r.status + (r.code ? ' ' + r.code : '');
        byStatus[key] = (byStatus[key] || 0) + 1;
    }
    const failed = counts.busy + counts.unavailable + counts.no_answer + counts.server_error + counts.other;

    // Coupon bookkeeping, as the load generator defines it: unanswered = no answer or a 5xx other
    // than S001 (which guarantees nothing was issued), plus issues that never produced a sample
    // (interrupted: a 201 sign-up is always followed by an issue).
    const issues = issueReqs.filter((r) => r.name === 'issue');
    const signups201 = issueReqs.filter((r) => r.name === 'signup' && r.status === 201).length;
    const ok201 = issues.filter((r) => r.status === 201).length;
    const interrupted = Math.max(0, signups201 - issues.length);
    const unanswered = issues.filter((r) => r.status === 0 || (r.status >= 500 && r.code !== 'S001')).length + interrupted;

    let audit = null;
    try { audit = JSON.parse(readText(path.join(dir, 'audit.json'))); } catch (e) { audit = null; }
    let wrongAudit = 0, wrongRange = 0;
    const orderJudgement = orders ? judgeOrders(dir, env, issueReqs, check) : null;
    if (orderJudgement) {
        wrongAudit = orderJudgement.wrongAudit;
        wrongRange = orderJudgement.wrongRange;
        audit = orderJudgement.audit;
    } else if (audit && typeof audit.issuedQuantity === 'number') {
        const a = audit;
        wrongAudit = Math.abs(a.issuedQuantity - a.holderRows) + Math.abs(a.holderRows - a.distinctHolders) +
            Math.max(0, a.issuedQuantity - a.totalQuantity);
        wrongRange = Math.max(0, ok201 - a.issuedQuantity) + Math.max(0, a.issuedQuantity - (ok201 + unanswered));
        check('audit: issuedQuantity == holderRows == distinctHolders <= totalQuantity', wrongAudit === 0,
            `issued=${a.issuedQuantity} holderRows=${a.holderRows} distinct=${a.distinctHolders} total=${a.totalQuantity}`);
        check('201s <= issued <= 201s + unanswered', wrongRange === 0,
            `201s=${ok201} issued=${a.issuedQuantity} unanswered=${unanswered}`);
    } else {
        check('audit endpoint answered after the fault', false, readText(path.join(dir, 'audit.json')).slice(0, 200));
    }
    const serverErrors = counts.server_error;
    check('no 500 (nor any 5xx but 503)', serverErrors === 0, `${serverErrors} seen`);

    // Charges: the balance identity of every hot user of every run (each run signs up its own),
    // start + amount × 200s <= final <= start + amount × (200s + unanswered), judged on the
    // balance MariaDB holds after the load (charge-balances.tsv) and, where the generator could
    // read it back itself (not during the fault), on its reading too.
    let wrongCharge = 0;
    const ranCharge = env.charge === '1';
    const chargeRcs = chargeRuns.map((r) => r.rc);
    if (ranCharge) {
        const stored = new Map();
        for (const line of readText(path.join(dir, 'charge-balances.tsv')).split('\n')) {
            const [id, balance] = line.trim().split(/\s+/);
            if (/^\d+$/.test(id || '') && /^-?\d+$/.test(balance || '')) stored.set(id, Number(balance));
        }
        const amount = Number(env.charge_amount || 1000);
        let users = 0, unreadable = 0;
        const bad = [];
        for (const run of chargeRuns) {
            for (const l of run.text.match(/^\s*user \d+: start=.*$/mg) || []) {
                const m = l.match(/user (\d+): start=(-?\d+) 200s=(\d+) unanswered=(\d+) final=(\S+)/);
                if (!m) { bad.push(`run ${run.n}: unparsed "${l.trim()}"`); wrongCharge += 1; continue; }
                users += 1;
                const lo = Number(m[2]) + amount * Number(m[3]);
                const hi = Number(m[2]) + amount * (Number(m[3]) + Number(m[4]));
                const inRange = (v) => v >= lo && v <= hi;
                const db = stored.get(m[1]);
                const own = /^-?\d+$/.test(m[5]) ? Number(m[5]) : null;
                if (own === null) unreadable += 1;
                if (db === undefined || !inRange(db) || (own !== null && !inRange(own))) {
                    wrongCharge += 1;
                    bad.push(`run ${run.n} user ${m[1]}: expected ${lo}..${hi}, stored ${db === undefined ? 'unread' : db}, read back ${m[5]}`);
                }
            }
            // A run that exited 111 failed only its balance identity: that is judged above, on
            // the store. Its users must be there, though.
            if (run.rc === 111 && !/user \d+: start=/.test(run.text)) { wrongCharge += 1; bad.push(`run ${run.n}: exit 111 without its users`); }
        }
        check('every charge applied exactly once (balance identity of every hot user, on the stored balance)',
            users > 0 && wrongCharge === 0,
            `${chargeRuns.length} run(s), exits ${chargeRcs.join(',')}; ${users} hot users` +
            (unreadable ? `; ${unreadable} final balance(s) the generator could not read back (read from MariaDB)` : '') +
            (bad.length ? '; ' + bad.slice(0, 4).join('; ') : ''));
    }
    const issueRcs = issueRuns.map((r) => r.rc);
    check(`${orders ? 'order-rush' : 'issue-coupon'} runs completed (exit 0 or 99: thresholds only)`,
        issueRuns.length > 0 && issueRcs.every((rc) => rc === 0 || rc === 99), `${issueRuns.length} run(s), exits ${issueRcs.join(',')}`);
    // 111 is a failed balance identity, judged on the store above; anything else is a run that
    // did not complete (a setup that failed, timeout's 124, a crash).
    if (ranCharge) {
        check('balance-charge runs completed (exit 0, 99, or 111 judged above)',
            chargeRuns.length > 0 && chargeRcs.every((rc) => rc === 0 || rc === 99 || rc === 111),
            `${chargeRuns.length} run(s), exits ${chargeRcs.join(',')}`);
    }

    const wrongOrders = orderJudgement ? orderJudgement.wrongBalances + orderJudgement.wrongRanking : 0;
    const wrong = wrongAudit + wrongRange + serverErrors + wrongCharge + wrongOrders;

    // Failures must be explicit 503s: S002 for a dependency, S001 for the lock budget; never a
    // hang past the request timeout, a 401 (a lost session) or another status.
    const odd = all.filter((r) => r.cls === 'no_answer' || r.cls === 'other');
    check('every failure is a 503 S001/S002 (no timeout, no 401, no other status)', odd.length === 0,
        odd.length ? odd.slice(0, 5).map((r) => `${r.name} ${r.status} ${r.code}`).join('; ') : '');

    const tStart = Number(env.t_fault_start_ms), tEnd = Number(env.t_fault_end_ms);
    // Recovery: the first 201 issue (order rows: 200 payment) sent after the fault's end.
    const success = orders ? ((r) => r.name === 'payment' && r.status === 200) : ((r) => r.status === 201);
    const after = (orders ? issueReqs : issues).filter((r) => success(r) && r.startMs >= tEnd).sort((x, y) => x.endMs - y.endMs);
    const recoveryMs = after.length ? Math.max(0, Math.round(after[0].endMs - tEnd)) : null;
    const lastSentMs = all.length ? Math.max(...all.map((r) => r.startMs)) : 0;
    check(`requests succeed again after the fault (${orders ? 'a 200 payment' : 'a 201 issue'} sent after its end)`, recoveryMs !== null,
        recoveryMs === null && lastSentMs < tEnd
            ? `the fault ended ${Math.round(tEnd - lastSentMs)} ms after the last request was sent (the load should have gone on: see faults.sh's stop_load_after)`
            : '');
    // Every app answered /health/ready again (faults.sh waits for it, bounded); then the load ran
    // on for the after window.
    const tReady = Number(env.t_ready_ms);
    check(`every app answers /health/ready again after the fault (bound ${env.ready_timeout_s} s)`, env.ready === 'yes',
        `${Math.round(tReady - tEnd)} ms after the fault ended; the load went on ${Math.round(lastSentMs - tReady)} ms past that`);
    // The last failure other than S001 (the lock budget, which also happens without any fault).
    const hardFailures = all.filter((r) => r.cls !== 'ok' && r.cls !== 'refused' && r.cls !== 'busy');
    const lastFailMs = hardFailures.length ? Math.max(...hardFailures.map((r) => r.endMs)) : null;

    const notes = [];
    const kind = env.kind;
    // Restart faults: the apps recover by themselves — once every app is ready again, no request
    // sent after that fails other than S001 (the lock budget, which also happens without any
    // fault). However long recovering took, requests after it must not pay for the fault.
    if (kind === 'session' || kind === 'mysql' || kind === 'lock') {
        const late = all.filter((r) => (r.cls === 'unavailable' || r.cls === 'no_answer' || r.cls === 'server_error' || r.cls === 'other') &&
            r.startMs > tReady + kClockSlackMs);
        check('recovered by itself: no S002/5xx/timeout for a request sent after every app was ready again',
            env.ready === 'yes' && late.length === 0,
            late.length ? `${late.length}: ` + late.slice(0, 5).map((r) => `${r.name} ${r.status} ${r.code} sent +${Math.round(r.startMs - tReady)} ms`).join('; ') : '');
    }
    if (kind === 'kill') {
        // In flight at the kill: requests (to any instance) sent before the kill finished and
        // answered after it began. Only those routed to the killed instances may fail; nginx
        // passes a new request to another instance when the connect fails (proxy_next_upstream
        // error), and a request it already sent is not retried (POST), so it fails with S002.
        const tKillDone = Number(env.t_kill_done_ms);
        const inflight = all.filter((r) => r.startMs <= tKillDone + kClockSlackMs && r.endMs >= tStart - kClockSlackMs).length;
        const hard = all.filter((r) => r.cls === 'unavailable' || r.cls === 'no_answer' || r.cls === 'server_error' || r.cls === 'other');
        const late = hard.filter((r) => r.startMs > tKillDone + kClockSlackMs);
        check(`only in-flight requests failed: failures (non-S001) ${hard.length} <= in flight at the kill ${inflight}`,
            hard.length <= inflight, '');
        check('no request sent after the kill failed (non-S001)', late.length === 0,
            late.slice(0, 5).map((r) => `${r.name} ${r.status} ${r.code} sent +${Math.round(r.startMs - tKillDone)} ms`).join('; '));
        check(`restarted instances rejoined (${env.killed})`, env.rejoined === 'yes', env.rejoin_detail || '');
        if (counts.busy) notes.push(`${counts.busy} S001: lock waits past LOCK_WAIT_MS while a killed holder's key lived out its TTL`);
        notes.push(`killed ${env.killed}; down ${env.down_ms} ms; rejoin ${env.rejoin_detail || '?'}`);
    } else if (kind === 'session') {
        check('the session Redis is configured with appendonly yes', env.session_aof === 'yes', env.session_aof_line || '');
        check('a session created before the restart still works after it', env.session_survived === 'yes', env.session_detail || '');
        notes.push(`session Redis down ${tEnd - tStart} ms (restart); S002 during it: ${counts.unavailable}`);
    } else if (kind === 'mysql') {
        check('apps were not restarted (PIDs unchanged)', env.pids_unchanged === 'yes', env.pids_detail || '');
        notes.push(`MariaDB down ${tEnd - tStart} ms (restart); S002 during it: ${counts.unavailable}`);
    } else if (kind === 'lock') {
        notes.push(`lock Redis down ${tEnd - tStart} ms (restart, its keys gone); S001 ${counts.busy}, S002 ${counts.unavailable}`);
    } else if (kind === 'sigstop') {
        check('the stopped instance held the coupon lock when stopped', env.holder_caught === 'yes', env.holder_detail || '');
        const stopMs = tEnd - Number(env.t_stopped_ms || tStart);
        check(`stopped longer than LOCK_TTL_MS (${stopMs} ms > ${env.lock_ttl_ms} ms)`, stopMs > Number(env.lock_ttl_ms), '');
        // Others go on: 201s served by other instances, answered while the holder was still
        // stopped and after its lease had run out.
        const freeFrom = Number(env.t_stopped_ms || tStart) + Number(env.lock_ttl_ms);
        const others = issues.filter((r) => r.status === 201 && r.instance !== env.stopped &&
            r.endMs >= freeFrom && r.endMs <= tEnd).length;
        // Judged on the store: the coupon's audit, read from a running instance at the lease's end
        // and again before SIGCONT (faults_lockholder.js keeps the holder stopped until it grew,
        // up to its bound), so the verdict does not depend on how many 201s came back in time.
        const atTtl = env.issued_at_ttl === undefined || env.issued_at_ttl === '' ? NaN : Number(env.issued_at_ttl);
        const beforeResume = env.issued_before_resume === undefined || env.issued_before_resume === '' ? NaN : Number(env.issued_before_resume);
        check('other instances issued while the holder was stopped (after its TTL): the audit grew', beforeResume > atTtl,
            `issued ${env.issued_at_ttl || '?'} at the TTL → ${env.issued_before_resume || '?'} before SIGCONT (${env.audit_reads || 0} audit reads); ` +
            `201s answered by others in that window: ${others}`);
        // What happened to the stopped instance's own issues that spanned the stop: a 201 means
        // its write reached the database before the stop (under a valid lease); S001 after the
        // resume is the refusal (lease check or fence) — or a waiter's budget ran out meanwhile.
        const tStopped = Number(env.t_stopped_ms || tStart);
        const spanning = issues.filter((r) => r.instance === env.stopped && r.startMs <= tStopped && r.endMs >= tEnd - kClockSlackMs);
        const spanText = {};
        for (const r of spanning) { const k = r.status + (r.code ? ' ' + r.code : ''); spanText[k] = (spanText[k] || 0) + 1; }
        notes.push(`its issues in flight across the stop: ${spanning.length} (${Object.entries(spanText).map(([k, v]) => `${k} ×${v}`).join(', ') || 'none'})`);
        notes.push(`stopped ${env.stopped} ${stopMs} ms; its issue batches refused whole after SIGCONT: lease_lost +${env.ev_lease_lost}, fenced +${env.ev_fenced}; hhplus_lock_lost_total +${env.ev_lock_lost}; 201s by others while stopped: ${others}`);
    }
    notes.push(`all apps: lease_lost +${env.ev_total_lease_lost}, fenced +${env.ev_total_fenced}, hhplus_lock_lost_total +${env.ev_total_lock_lost}; ` +
        `last failure (non-S001) ${lastFailMs === null ? 'none' : Math.round(lastFailMs - tEnd) + ' ms after the fault ended'}`);
    const result = {
        fault: env.fault, label: env.label, kind, requests: all.length, failed, wrong,
        wrongParts: { audit: wrongAudit, range: wrongRange, server_errors: serverErrors, charges: wrongCharge,
            ...(orderJudgement ? { balances: orderJudgement.wrongBalances, ranking: orderJudgement.wrongRanking } : {}) },
        counts, byStatus, issues: issues.length, created201: ok201, unanswered, interrupted,
        audit, recoveryMs, lastFailureAfterFaultEndMs: lastFailMs !== null ? Math.round(lastFailMs - tEnd) : null,
        faultStartMs: tStart, faultEndMs: tEnd, checks, notes,
        passed: wrong === 0 && checks.every((c) => c.ok),
    };
    fs.writeFileSync(path.join(dir, 'result.json'), JSON.stringify(result, null, 2) + '\n');
    return result;
}

// The order rows: the option's audit against the answers the generators saw, the users' balance
// audits against what each was answered (order-N.outcomes, read back by faults.sh into
// order-balances.tsv), and the best-seller projection against the sold units.
//   identities   initialStock + addedStock − soldUnits == stock, reserved == pendingUnits,
//                0 <= soldUnits <= initialStock + addedStock
//   range        200 payments <= soldUnits <= 200 payments + unanswered payments (no answer, a 5xx
//                other than S001, or a 201 order whose payment left no sample: interrupted)
//   balances     charged − paid == balance, charged == one unit's price, paid == finalAmount for a
//                200 payment, 0 or finalAmount when unanswered, 0 otherwise
//   ranking      GET /api/products/top counts the product's soldUnits: no event lost or doubled
function judgeOrders(dir, env, reqs, check) {
    const out = { wrongAudit: 0, wrongRange: 0, wrongBalances: 0, wrongRanking: 0, audit: null };
    const ordersSent = reqs.filter((r) => r.name === 'order');
    const payments = reqs.filter((r) => r.name === 'payment');
    const placed = ordersSent.filter((r) => r.status === 201).length;
    const paid = payments.filter((r) => r.status === 200).length;
    const unansweredPayments = payments.filter((r) => r.status === 0 || (r.status >= 500 && r.code !== 'S001')).length +
        Math.max(0, placed - payments.length);
    let a = null;
    try { a = JSON.parse(readText(path.join(dir, 'order-audit.json'))); } catch (e) { a = null; }
    if (!a || typeof a.soldUnits !== 'number') {
        check('option audit answered after the fault', false, readText(path.join(dir, 'order-audit.json')).slice(0, 200));
        out.wrongAudit = 1;
        return out;
    }
    out.audit = a;
    const total = a.initialStock + a.addedStock;
    out.wrongAudit = Math.abs(total - a.soldUnits - a.stock) + Math.abs(a.reserved - a.pendingUnits) +
        Math.max(0, a.soldUnits - total) + Math.max(0, -a.soldUnits);
    check('audit: initialStock + addedStock - soldUnits == stock, reserved == pendingUnits, soldUnits <= stock total',
        out.wrongAudit === 0, `initial=${a.initialStock} added=${a.addedStock} sold=${a.soldUnits} stock=${a.stock} reserved=${a.reserved} pending=${a.pendingUnits}`);
    out.wrongRange = Math.max(0, paid - a.soldUnits) + Math.max(0, a.soldUnits - (paid + unansweredPayments));
    check('200 payments <= soldUnits <= 200 payments + unanswered payments', out.wrongRange === 0,
        `201 orders=${placed} 200 payments=${paid} soldUnits=${a.soldUnits} unanswered payments=${unansweredPayments}`);

    const price = Number(env.order_price || 0);
    let users = 0;
    const bad = [];
    for (const line of readText(path.join(dir, 'order-balances.tsv')).split('\n')) {
        if (!line.trim()) continue;
        const [id, state, final, json] = line.split('\t');
        users += 1;
        let b = null;
        try { b = JSON.parse(json); } catch (e) { b = null; }
        const f = Number(final);
        let problem = '';
        if (!b || typeof b.balance !== 'number') problem = `balance audit unreadable: ${String(json).slice(0, 80)}`;
        else if (b.charged - b.paid !== b.balance) problem = `charged ${b.charged} - paid ${b.paid} != balance ${b.balance}`;
        else if (price && b.charged !== price) problem = `charged ${b.charged}, the setup charged ${price}`;
        else if (state === 'paid' && b.paid !== f) problem = `paid ${b.paid}, its order's finalAmount ${f}`;
        else if (state === 'unsure' && b.paid !== 0 && b.paid !== f) problem = `paid ${b.paid}, expected 0 or ${f}`;
        else if (state === 'none' && b.paid !== 0) problem = `paid ${b.paid} without a paid order`;
        if (problem) { out.wrongBalances += 1; bad.push(`user ${id}: ${problem}`); }
    }
    check('every audited user: charged - paid == balance, paid as answered', users > 0 && out.wrongBalances === 0,
        `${users} users audited` + (bad.length ? '; ' + bad.slice(0, 4).join('; ') : ''));
    const ranked = /^\d+$/.test(env.ranking_units || '') ? Number(env.ranking_units) : null;
    out.wrongRanking = ranked === null ? 1 : Math.abs(ranked - a.soldUnits);
    check('the best-seller projection counts every sold unit once (no order.paid event lost or applied twice)',
        out.wrongRanking === 0, `ranking ${env.ranking_units} vs soldUnits ${a.soldUnits}`);
    return out;
}

function pad(s, n) { s = String(s); return s.length >= n ? s : s + ' '.repeat(n - s.length); }

function summarize(out) {
    const dirs = fs.readdirSync(out).filter((d) => fs.existsSync(path.join(out, d, 'result.json'))).sort();
    const results = dirs.map((d) => JSON.parse(fs.readFileSync(path.join(out, d, 'result.json'), 'utf8')));
    const meta = readEnv(path.join(out, 'run.env'));
    const passed = results.length > 0 && results.every((r) => r.passed);
    fs.writeFileSync(path.join(out, 'faults.json'), JSON.stringify({ run: meta, passed, faults: results }, null, 2) + '\n');

    const rows = results.map((r) => [r.label, r.requests, `${r.failed} (S001 ${r.counts.busy}, S002 ${r.counts.unavailable})`,
        r.wrong, r.recoveryMs === null ? '—' : `${r.recoveryMs} ms`, r.passed ? 'pass' : 'FAIL']);
    const head = ['fault', 'requests sent', 'failed', 'wrong', 'recovery', 'checks'];
    let md = `# Faults during load\n\n`;
    md += `Command: \`${meta.command || ''}\`  \n`;
    md += `Stage: ${meta.apps} apps, strategy ${meta.strategy}, LOCK_TTL_MS ${meta.lock_ttl_ms}, phase ${meta.phase}, ` +
        `issue rate ${meta.rate}/s, charge rate ${meta.charge_rate}/s; server ${meta.server_bin}  \n`;
    md += `Started ${meta.started}; load before: ${meta.uptime_before}; after: ${readText(path.join(out, 'uptime.after')).trim()}\n\n`;
    md += '| ' + head.join(' | ') + ' |\n|' + head.map(() => '---').join('|') + '|\n';
    for (const row of rows) md += '| ' + row.join(' | ') + ' |\n';
    md += '\nfailed = neither 2xx nor a business refusal (S001 = lock wait budget, nothing done; S002 = ' +
        'dependency/instance unavailable). wrong = double issue, issued outside [201s, 201s+unanswered], ' +
        'a 500, a charge lost or applied twice (must be 0). recovery = from the end of the fault (restart ' +
        'finished / SIGCONT) to the first 201 issue sent after it.\n\n';
    for (const r of results) {
        md += `## ${r.label}\n\n`;
        for (const n of r.notes) md += `- ${n}\n`;
        md += `- statuses: ${Object.entries(r.byStatus).map(([k, v]) => `${k}: ${v}`).join(', ')}\n`;
        if (r.audit && r.audit.soldUnits !== undefined) md += `- option audit: sold ${r.audit.soldUnits}, stock ${r.audit.stock}, reserved ${r.audit.reserved}, pending ${r.audit.pendingUnits}\n`;
        else if (r.audit) md += `- audit: issued ${r.audit.issuedQuantity}, holderRows ${r.audit.holderRows}, distinct ${r.audit.distinctHolders}, total ${r.audit.totalQuantity}; 201s ${r.created201}, unanswered ${r.unanswered}\n`;
        for (const c of r.checks) md += `- ${c.ok ? '✓' : '✗'} ${c.name}${c.detail ? ` — ${c.detail}` : ''}\n`;
        md += '\n';
    }
    fs.writeFileSync(path.join(out, 'faults.md'), md);

    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
    const line = (cells) => cells.map((c, i) => pad(c, widths[i])).join('  ');
    console.log(line(head));
    for (const row of rows) console.log(line(row));
    for (const r of results) {
        for (const c of r.checks) if (!c.ok) console.log(`FAILED  ${r.label}: ${c.name}${c.detail ? ' — ' + c.detail : ''}`);
        if (r.wrong > 0) console.log(`WRONG   ${r.label}: ${JSON.stringify(r.wrongParts)}`);
    }
    console.log(passed ? 'faults: all checks passed, wrong = 0 everywhere' : 'faults: FAILED (see above)');
    return passed;
}

const [cmd, arg] = process.argv.slice(2);
if (cmd === 'analyze' && arg) {
    const r = analyze(arg);
    process.exitCode = r.passed ? 0 : 1;
} else if (cmd === 'summarize' && arg) {
    process.exitCode = summarize(arg) ? 0 : 1;
} else {
    console.error('usage: faults_report.js analyze FAULT_DIR | summarize OUT_DIR');
    process.exitCode = 2;
}
