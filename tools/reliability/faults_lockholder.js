#!/usr/bin/env node
// faults_lockholder.js — SIGSTOPs the app instance that holds a coupon's lock, for the "paused
// holder" fault of tools/reliability/faults.sh.
//
// The lock's value is a random 128-bit token (src/lock/lock_manager.hpp) that names no instance,
// so the holder is found the way an operator would: Redis MONITOR shows every command with the
// client's address, the acquire script carries the token, and `ss -tnp` maps the client's local
// port to the app's PID. Then:
//   1. GET the lock key in a tight loop; a token whose acquiring client is known → its PID;
//   2. SIGSTOP that PID at once (no fork between the GET and the stop);
//   3. wait kSettleMs (commands the app sent before it stopped reach Redis meanwhile) and GET
//      again: still the same token → the stopped process holds the lock. Otherwise it let go
//      just before the stop: SIGCONT, wait kRetryPauseMs and try again, until the deadline.
// Only PIDs passed with --apps are ever signalled (the stage's own apps).
//
//   4. with --hold-ms H: keep it stopped until H ms after the SIGSTOP, then SIGCONT it (timed
//      here, not by the caller: a fork on a loaded host can take a second).
//   5. with --audits name=url,… and --ttl-ms T as well: read the coupon's audit from a running
//      instance once its lease is over (T ms after the stop), and keep the holder stopped past H
//      until the audit shows more issued than then — another instance took the lock and wrote,
//      seen in the store, however slowly this machine serves — but never past --max-hold-ms.
//      The admin token comes from FAULTS_ADMIN_TOKEN (not the command line).
//
// usage: node faults_lockholder.js --port P --key lock:coupon:N --apps name=pid,name=pid
//                                  [--max-ms 20000] [--hold-ms H [--ttl-ms T --max-hold-ms M
//                                  --audits name=url,name=url]]
// Prints one JSON line: {"ok":true,"name","pid","token","attempts","stoppedAtMs","resumedAtMs",
// "issuedAtTtl","issuedBeforeResume","auditReads"} (exit 0), or {"ok":false,"attempts","why"}
// (exit 2). On failure nothing is left stopped.
'use strict';
const http = require('http');
const net = require('net');
const { execFileSync } = require('child_process');

// 150 ms: a command in flight on loopback reaches Redis within a few ms even on a loaded host;
// 150 ms is ~30× that and still short next to the 3 s lease.
const kSettleMs = 150;
// Between attempts the candidate runs freely for 100 ms, so repeated misses never pile up into
// a pause of their own (each miss costs that app ≤ kSettleMs of stall).
const kRetryPauseMs = 100;
// GET pacing: one GET per 2 ms (≤ 500/s on the lock Redis, far below its load under the test).
const kPollMs = 2;
const kTokenMemory = 20000;  // tokens remembered from MONITOR (a few seconds of acquires)
// Audit reads while the holder is stopped: one every 200 ms (a COUNT on one coupon's rows), each
// given 5 s — an ASan app on a loaded host — but never past the stop's end.
const kAuditPollMs = 200;
const kAuditTimeoutMs = 5000;

function parseArgs(argv) {
    const out = { maxMs: 20000, holdMs: 0, ttlMs: 0, maxHoldMs: 0, audits: '' };
    for (let i = 2; i < argv.length; i += 2) {
        const k = argv[i], v = argv[i + 1];
        if (k === '--port') out.port = Number(v);
        else if (k === '--key') out.key = v;
        else if (k === '--apps') out.apps = v;
        else if (k === '--max-ms') out.maxMs = Number(v);
        else if (k === '--hold-ms') out.holdMs = Number(v);
        else if (k === '--ttl-ms') out.ttlMs = Number(v);
        else if (k === '--max-hold-ms') out.maxHoldMs = Number(v);
        else if (k === '--audits') out.audits = v;
        else throw new Error('unknown argument ' + k);
    }
    if (!out.port || !out.key || !out.apps) throw new Error('--port, --key and --apps are required');
    out.pids = new Map();
    for (const pair of out.apps.split(',')) {
        const [name, pid] = pair.split('=');
        if (name && Number(pid) > 0) out.pids.set(Number(pid), name);
    }
    out.auditUrls = new Map();  // name → audit URL of that instance
    for (const pair of out.audits ? out.audits.split(',') : []) {
        const i = pair.indexOf('=');
        if (i > 0) out.auditUrls.set(pair.slice(0, i), pair.slice(i + 1));
    }
    out.maxHoldMs = Math.max(out.maxHoldMs, out.holdMs);
    return out;
}

// issuedQuantity of the coupon as one running instance reports it, or null (no answer in time).
function readIssued(url, token, timeoutMs) {
    return new Promise((resolve) => {
        const req = http.get(url, { headers: { Authorization: 'Bearer ' + token }, timeout: timeoutMs }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c) => { body += c; });
            res.on('end', () => {
                try {
                    const v = JSON.parse(body).issuedQuantity;
                    resolve(res.statusCode === 200 && Number.isInteger(v) ? v : null);
                } catch (e) { resolve(null); }
            });
        });
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve(null));
    });
}

function respCommand(args) {
    let s = '*' + args.length + '\r\n';
    for (const a of args) s += '$' + Buffer.byteLength(a) + '\r\n' + a + '\r\n';
    return s;
}

// Minimal RESP2 reader: status / error / integer / bulk replies (all MONITOR and GET need).
function makeReader(onReply) {
    let buf = Buffer.alloc(0);
    return (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        for (;;) {
            const eol = buf.indexOf('\r\n');
            if (eol < 0) return;
            const type = String.fromCharCode(buf[0]);
            const head = buf.slice(1, eol).toString();
            if (type === '$') {
                const len = Number(head);
                if (len < 0) { buf = buf.slice(eol + 2); onReply(null); continue; }
                if (buf.length < eol + 2 + len + 2) return;
                const body = buf.slice(eol + 2, eol + 2 + len).toString();
                buf = buf.slice(eol + 2 + len + 2);
                onReply(body);
            } else {
                buf = buf.slice(eol + 2);
                onReply(type === '-' ? new Error(head) : head);
            }
        }
    };
}

// Local port → PID of every established connection to the lock Redis (the apps' clients).
function portOwners(port) {
    const map = new Map();
    let text = '';
    try {
        text = execFileSync('ss', ['-Htnp', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' });
    } catch (e) { return map; }
    for (const line of text.split('\n')) {
        const m = line.match(/127\.0\.0\.1:(\d+)\s+127\.0\.0\.1:\d+\s+users:\(\("[^"]*",pid=(\d+)/);
        if (m) map.set(Number(m[1]), Number(m[2]));
    }
    return map;
}

// Keeps the stopped holder stopped: until stoppedAtMs + holdMs, and with audits until the coupon's
// issued count grew past its value at the lease's end (read from the other instances, in turn),
// never past stoppedAtMs + maxHoldMs. Fills seen.issuedAtTtl / issuedBeforeResume / auditReads.
async function holdStopped(opt, stoppedName, stoppedAtMs, seen, sleep) {
    const minEnd = stoppedAtMs + opt.holdMs;
    const maxEnd = stoppedAtMs + opt.maxHoldMs;
    const urls = [...opt.auditUrls].filter(([name]) => name !== stoppedName).map(([, url]) => url);
    const token = process.env.FAULTS_ADMIN_TOKEN || '';
    if (urls.length === 0 || opt.ttlMs <= 0 || !token) {
        await sleep(Math.max(0, minEnd - Date.now()));
        return;
    }
    let next = 0;
    const read = async () => {
        const left = maxEnd - Date.now();
        if (left <= 0) return null;
        seen.auditReads += 1;
        return readIssued(urls[next++ % urls.length], token, Math.min(kAuditTimeoutMs, left));
    };
    // The baseline once the lease is over: from then on only other instances can write.
    await sleep(Math.max(0, stoppedAtMs + opt.ttlMs - Date.now()));
    while (seen.issuedAtTtl === null && Date.now() < maxEnd) {
        seen.issuedAtTtl = await read();
        if (seen.issuedAtTtl === null) await sleep(kAuditPollMs);
    }
    for (;;) {
        const grew = seen.issuedAtTtl !== null && seen.issuedBeforeResume !== null &&
            seen.issuedBeforeResume > seen.issuedAtTtl;
        if ((grew && Date.now() >= minEnd) || Date.now() >= maxEnd) break;
        if (grew) { await sleep(Math.max(0, minEnd - Date.now())); continue; }
        await sleep(Math.min(kAuditPollMs, Math.max(0, maxEnd - Date.now())));
        const v = await read();
        if (v !== null) seen.issuedBeforeResume = v;
    }
}

function main() {
    const opt = parseArgs(process.argv);
    const started = Date.now();
    const tokenPort = new Map();  // token → client port that sent a command carrying it
    let owners = portOwners(opt.port);
    let attempts = 0;
    let done = false;

    const finish = (result, code) => {
        if (done) return;
        done = true;
        process.stdout.write(JSON.stringify(result) + '\n');
        monitor.destroy();
        getter.destroy();
        process.exitCode = code;
    };

    const monitor = net.connect(opt.port, '127.0.0.1');
    const keyQuoted = '"' + opt.key + '"';
    monitor.on('data', makeReader((line) => {
        if (typeof line !== 'string' || !line.includes(keyQuoted)) return;
        // Two shapes carry the token: the acquire script and the plain first try
        //   1700000000.123456 [0 127.0.0.1:42758] "EVALSHA" "<sha>" "1" "lock:coupon:7" "<token>" "3000"
        //   1700000000.123456 [0 127.0.0.1:42758] "SET" "lock:coupon:7" "<token>" "NX" "PX" "3000"
        const m = line.match(/\[\d+ 127\.0\.0\.1:(\d+)\] "EVAL(?:SHA)?" "[^"]*" "1" "[^"]*" "([0-9a-f]+)"/) ||
            line.match(/\[\d+ 127\.0\.0\.1:(\d+)\] "SET" "[^"]*" "([0-9a-f]+)" "NX"/);
        if (!m) return;
        if (tokenPort.size > kTokenMemory) tokenPort.clear();
        tokenPort.set(m[2], Number(m[1]));
    }));
    monitor.on('error', (e) => finish({ ok: false, attempts, why: 'monitor: ' + e.message }, 2));
    monitor.write(respCommand(['MONITOR']));

    const getter = net.connect(opt.port, '127.0.0.1');
    const waiting = [];
    getter.on('data', makeReader((reply) => { const cb = waiting.shift(); if (cb) cb(reply); }));
    getter.on('error', (e) => finish({ ok: false, attempts, why: 'get: ' + e.message }, 2));
    const get = () => new Promise((resolve) => { waiting.push(resolve); getter.write(respCommand(['GET', opt.key])); });
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

    (async () => {
        while (!done && Date.now() - started < opt.maxMs) {
            const token = await get();
            if (typeof token !== 'string') { await sleep(kPollMs); continue; }
            const port = tokenPort.get(token);
            if (port === undefined) { await sleep(kPollMs); continue; }
            let pid = owners.get(port);
            if (pid === undefined) { owners = portOwners(opt.port); pid = owners.get(port); }
            if (pid === undefined || !opt.pids.has(pid)) { await sleep(kPollMs); continue; }
            attempts += 1;
            process.kill(pid, 'SIGSTOP');
            const stoppedAtMs = Date.now();
            await sleep(kSettleMs);
            const again = await get();
            if (again === token) {
                let resumedAtMs = null;
                const seen = { issuedAtTtl: null, issuedBeforeResume: null, auditReads: 0 };
                if (opt.holdMs > 0) {
                    await holdStopped(opt, opt.pids.get(pid), stoppedAtMs, seen, sleep);
                    process.kill(pid, 'SIGCONT');
                    resumedAtMs = Date.now();
                }
                finish({ ok: true, name: opt.pids.get(pid), pid, token, attempts, stoppedAtMs, resumedAtMs, ...seen }, 0);
                return;
            }
            process.kill(pid, 'SIGCONT');
            await sleep(kRetryPauseMs);
        }
        finish({ ok: false, attempts, why: `no holder caught within ${opt.maxMs} ms` }, 2);
    })().catch((e) => finish({ ok: false, attempts, why: String(e && e.message || e) }, 2));
}

main();
