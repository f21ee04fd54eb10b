#!/usr/bin/env node
// faults_report.js — the counting and the report of tools/reliability/faults.sh.
//
//   node faults_report.js analyze FAULT_DIR   reads what faults.sh left in FAULT_DIR (fault.env,
//                                             audit.json, issue.ndjson, charge.ndjson, charge.txt,
//                                             *.rc) and writes FAULT_DIR/result.json
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
//              recovered path, not a request that waited out the fault).
'use strict';
const fs = require('fs');
const path = require('path');

// Tolerance between the script's clock reading and the load generator's sample times (both the
// system clock; the generator derives its times from one reading + a monotonic delta): a fork of
// date(1) and the stage's bookkeeping around a signal take ≤ ~50 ms on a loaded host; 250 ms is
// 5× that.
const kClockSlackMs = 250;
// A restarted dependency is healthy when the restart returns (./stage waits for its probe); an
// app's pool reconnects on its next use. 5 s is ample for that on a loaded 2-core host (a
// reconnect is a few ms) and still inside the phase after the fault.
const kRecoveredWithinMs = 5000;

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
    if (r.status >= 400 && r.status < 500 && /^[ACV]\d{3}$/.test(r.code) && r.status !== 401) return 'refused';
    if (r.status === 503 && r.code === 'S001') return 'busy';
    if (r.status === 503 && r.code === 'S002') return 'unavailable';
    if (r.status === 0) return 'no_answer';
    if (r.status >= 500) return 'server_error';
    return 'other';
}

function analyze(dir) {
    const env = readEnv(path.join(dir, 'fault.env'));
    const issueReqs = readRequests(path.join(dir, 'issue.ndjson'));
    const chargeReqs = readRequests(path.join(dir, 'charge.ndjson'));
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
    if (audit && typeof audit.issuedQuantity === 'number') {
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

    // Charges: the load generator's balance identity per hot user (✗ lines under "invariants").
    const chargeText = readText(path.join(dir, 'charge.txt'));
    const chargeRc = readRc(path.join(dir, 'charge.rc'));
    let wrongCharge = 0;
    const ranCharge = env.charge === '1';
    if (ranCharge) {
        const identity = chargeText.match(/[✓✗] balance identity/);
        wrongCharge = (chargeText.match(/^\s*user \d+: .*$/mg) || []).filter((l) => {
            const m = l.match(/200s=(\d+) unanswered=(\d+) final=(-?\d+)/);
            const s = l.match(/start=(-?\d+)/);
            const amount = Number(env.charge_amount || 1000);
            if (!m || !s) return false;
            const lo = Number(s[1]) + amount * Number(m[1]);
            const hi = Number(s[1]) + amount * (Number(m[1]) + Number(m[2]));
            return Number(m[3]) < lo || Number(m[3]) > hi;
        }).length;
        if (chargeRc === 111 && wrongCharge === 0) wrongCharge = 1;
        check('every charge applied exactly once (balance identity of every hot user)',
            identity && identity[0].startsWith('✓') && wrongCharge === 0,
            `balance-charge exit ${chargeRc}; ${(chargeText.match(/^\s*user \d+: .*$/mg) || []).length} hot users`);
    }
    const issueRc = readRc(path.join(dir, 'issue.rc'));
    check('issue-coupon run completed (exit 0 or 99: thresholds only)', issueRc === 0 || issueRc === 99,
        `exit ${issueRc}`);
    if (ranCharge) check('balance-charge run completed (exit 0 or 99)', chargeRc === 0 || chargeRc === 99, `exit ${chargeRc}`);

    const wrong = wrongAudit + wrongRange + serverErrors + wrongCharge;

    // Failures must be explicit 503s: S002 for a dependency, S001 for the lock budget; never a
    // hang past the request timeout, a 401 (a lost session) or another status.
    const odd = all.filter((r) => r.cls === 'no_answer' || r.cls === 'other');
    check('every failure is a 503 S001/S002 (no timeout, no 401, no other status)', odd.length === 0,
        odd.length ? odd.slice(0, 5).map((r) => `${r.name} ${r.status} ${r.code}`).join('; ') : '');

    const tStart = Number(env.t_fault_start_ms), tEnd = Number(env.t_fault_end_ms);
    // Recovery: the first 201 issue sent after the fault's end.
    const after = issues.filter((r) => r.status === 201 && r.startMs >= tEnd).sort((x, y) => x.endMs - y.endMs);
    const recoveryMs = after.length ? Math.max(0, Math.round(after[0].endMs - tEnd)) : null;
    const lastSentMs = all.length ? Math.max(...all.map((r) => r.startMs)) : 0;
    check('requests succeed again after the fault (a 201 issue sent after its end)', recoveryMs !== null,
        recoveryMs === null && lastSentMs < tEnd
            ? `the fault ended ${Math.round(tEnd - lastSentMs)} ms after the last request was sent: the phase is too short for this host (raise --phase-duration)`
            : '');
    // The last failure other than S001 (the lock budget, which also happens without any fault).
    const hardFailures = all.filter((r) => r.cls !== 'ok' && r.cls !== 'refused' && r.cls !== 'busy');
    const lastFailMs = hardFailures.length ? Math.max(...hardFailures.map((r) => r.endMs)) : null;

    const notes = [];
    const kind = env.kind;
    // Restart faults: the apps recover by themselves, so no failure other than S001 is answered
    // long after the fault ended.
    const late = all.filter((r) => (r.cls === 'unavailable' || r.cls === 'no_answer' || r.cls === 'server_error') &&
        r.endMs > tEnd + kRecoveredWithinMs);
    if (kind === 'session' || kind === 'mysql' || kind === 'lock') {
        check(`recovered by itself: no S002/5xx/timeout later than ${kRecoveredWithinMs} ms after the restart finished`,
            late.length === 0, late.length ? `${late.length}, the last ${Math.round(Math.max(...late.map((r) => r.endMs)) - tEnd)} ms after` : '');
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
        check('other instances issued while the holder was stopped (after its TTL)', others > 0, `${others} 201s`);
        // What happened to the stopped instance's own issues that spanned the stop: a 201 means
        // its write reached the database before the stop (under a valid lease); S001 after the
        // resume is the refusal (lease check or fence) — or a waiter's budget ran out meanwhile.
        const tStopped = Number(env.t_stopped_ms || tStart);
        const spanning = issues.filter((r) => r.instance === env.stopped && r.startMs <= tStopped && r.endMs >= tEnd - kClockSlackMs);
        const spanText = {};
        for (const r of spanning) { const k = r.status + (r.code ? ' ' + r.code : ''); spanText[k] = (spanText[k] || 0) + 1; }
        notes.push(`its issues in flight across the stop: ${spanning.length} (${Object.entries(spanText).map(([k, v]) => `${k} ×${v}`).join(', ') || 'none'})`);
        notes.push(`stopped ${env.stopped} ${stopMs} ms; its refusals after SIGCONT: lease_lost +${env.ev_lease_lost}, fenced +${env.ev_fenced}; hhplus_lock_lost_total +${env.ev_lock_lost}; 201s by others while stopped: ${others}`);
    }
    notes.push(`all apps: lease_lost +${env.ev_total_lease_lost}, fenced +${env.ev_total_fenced}, hhplus_lock_lost_total +${env.ev_total_lock_lost}; ` +
        `last failure (non-S001) ${lastFailMs === null ? 'none' : Math.round(lastFailMs - tEnd) + ' ms after the fault ended'}`);
    const result = {
        fault: env.fault, label: env.label, kind, requests: all.length, failed, wrong,
        wrongParts: { audit: wrongAudit, range: wrongRange, server_errors: serverErrors, charges: wrongCharge },
        counts, byStatus, issues: issues.length, created201: ok201, unanswered, interrupted,
        audit, recoveryMs, lastFailureAfterFaultEndMs: lastFailMs !== null ? Math.round(lastFailMs - tEnd) : null,
        faultStartMs: tStart, faultEndMs: tEnd, checks, notes,
        passed: wrong === 0 && checks.every((c) => c.ok),
    };
    fs.writeFileSync(path.join(dir, 'result.json'), JSON.stringify(result, null, 2) + '\n');
    return result;
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
        if (r.audit) md += `- audit: issued ${r.audit.issuedQuantity}, holderRows ${r.audit.holderRows}, distinct ${r.audit.distinctHolders}, total ${r.audit.totalQuantity}; 201s ${r.created201}, unanswered ${r.unanswered}\n`;
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
