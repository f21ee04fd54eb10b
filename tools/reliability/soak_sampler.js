#!/usr/bin/env node
// The soak test's sampler (tools/reliability/soak.sh starts it): one long-lived process that reads
// /proc directly and keeps its interval on a machine whose cores are saturated by the run itself.
//
// Why a process of its own and not shell: the first sampler (bash) spawned per sample `ss -tnp`
// (which walks every process's fds), a `mariadb` client, three `redis-cli` and slept 0.9 s to
// take 10 RSS readings per app; with 10 ASan apps and the load generator on 2 cores a sample
// took ~10 s, so a "2 s" run got 3-5 samples after its warm-up and the verdict depended on the
// machine's pace. Here a pass makes no process and no new connection:
//   per app   /proc/PID/status (VmRSS, Threads, State), /proc/PID/fd (readdir + readlink):
//             fd count, and its MariaDB connections = its socket inodes that are rows of
//             /proc/net/tcp{,6} with the DB port as remote port, ESTABLISHED; /proc/PID/maps,
//             /proc/PID/statm and /proc/PID/pagemap for the retained RSS (see hashBuffers);
//   MariaDB   rows of the same table with the DB port as local port, ESTABLISHED: every TCP
//             connection mariadbd holds (what Threads_connected counts, minus our own client,
//             of which there is none now);
//   Redis     INFO over one connection per role opened once (so our own client is a constant
//             1 in connected_clients), all three roles asked at once.
//
//   node soak_sampler.js --samples FILE --stage-dir DIR --apps NAME,NAME… --redis ROLE=PORT,…
//        --db-port P --hash-kib H --t0-ms T --phase load|after
//        [--interval-s I --watch-pid PID --deadline-ms T --stats FILE]   (phase load: until PID exits)
//   phase after: one pass, then exit.
// Appends one JSON line per pass to FILE:
//   {"t_ms","elapsed_s","phase","pass_ms","pass_cpu_ms","pass_parts_ms":{"tcp","apps","redis"},
//    "apps":[{"name","pid","alive","rss_kib","rss_retained_kib","hash_kib","hash_buffers",
//             "retained_tries","fds","threads","db_conns"}],
//    "redis":{ROLE:{"connected_clients","pubsub_channels","pubsub_patterns","used_memory"}},
//    "db":{"server_conns","table_reads"}}            (null where a value could not be read)
// pass_ms is the wall time of the pass (on a saturated machine mostly time spent waiting for a
// core), pass_cpu_ms the CPU it used, pass_parts_ms the wall time of its parts.
// --stats FILE gets the sampler's own cost at the end (and it prints it as `soak: sampler: …`):
// passes, wall and CPU ms per pass (min/median/p90/max), slots missed, the largest gap between
// samples, the CPU the sampler used in all.
// Exit 0 when the watched process ended, 1 when the deadline came first, 2 on bad arguments.
'use strict';

const fs = require('fs');
const net = require('net');
const {execFileSync} = require('child_process');

// While the sampler sleeps to its next slot it checks every kWatchMs whether the load generator
// has ended, so that it ends within that of it rather than up to an interval later (soak.sh waits
// for it): 200 ms, five reads of /proc/PID/stat per second.
const kWatchMs = 200;
// A Redis INFO that has not answered within this is recorded as null and its connection is
// reopened at the next pass. Measured: the three roles' INFO together take a few ms of wall time
// on an idle machine, median 30-75 ms and at most 192 ms with the load average at ~25 (the run,
// stress-ng and other runs on 2 cores); 1 s is five times that and half of CI's 2 s interval.
const kRedisTimeoutMs = 1000;

function parseArgs(argv) {
  const o = {phase: 'load', intervalS: null, watchPid: null, deadlineMs: null, stats: null};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const n = () => {
      const x = Number(v());
      if (!Number.isFinite(x)) throw new Error(`${a} needs a number`);
      return x;
    };
    if (a === '--samples') o.samples = v();
    else if (a === '--stage-dir') o.stageDir = v();
    else if (a === '--apps') o.apps = v().split(',').filter(Boolean);
    else if (a === '--redis') {
      o.redis = {};
      for (const kv of v().split(',')) {
        const [role, port] = kv.split('=');
        if (!role || !/^[0-9]+$/.test(port || '')) throw new Error(`--redis: bad entry '${kv}'`);
        o.redis[role] = Number(port);
      }
    } else if (a === '--db-port') o.dbPort = n();
    else if (a === '--hash-kib') o.hashKib = n();
    else if (a === '--t0-ms') o.t0Ms = n();
    else if (a === '--phase') o.phase = v();
    else if (a === '--interval-s') o.intervalS = n();
    else if (a === '--watch-pid') o.watchPid = n();
    else if (a === '--deadline-ms') o.deadlineMs = n();
    else if (a === '--stats') o.stats = v();
    else throw new Error(`unknown argument '${a}'`);
  }
  for (const k of ['samples', 'stageDir', 'apps', 'redis', 'dbPort', 'hashKib', 't0Ms']) {
    if (o[k] === undefined) throw new Error(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is required`);
  }
  if (o.phase === 'load' && !(o.intervalS > 0 && o.watchPid > 0 && o.deadlineMs > 0)) {
    throw new Error('phase load needs --interval-s, --watch-pid and --deadline-ms');
  }
  return o;
}

// --- /proc ------------------------------------------------------------------------------------------
const readText = (file) => { try { return fs.readFileSync(file, 'latin1'); } catch (e) { return null; } };

let pageKib = 4;
try { pageKib = Number(execFileSync('getconf', ['PAGESIZE'], {encoding: 'utf8'}).trim()) / 1024 || 4; } catch (e) { /* 4 KiB */ }

// Alive = exists and not a zombie (a zombie has no memory or fds left to judge).
function processAlive(pid) {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === null) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

// The socket inodes of every ESTABLISHED TCP connection to the DB port (the DB port as the
// remote port: the clients' ends), and how many connections mariadbd holds (the DB port as the
// local port). Reading /proc/net/tcp walks the kernel's whole established hash (262,144 buckets
// here) and prints every socket, TIME_WAIT ones included: measured 2 ms of CPU with ~200 sockets,
// 12 ms with ~3,200 (other runs' TIME_WAITs), the largest part of a pass. Lines without the DB
// port's hex are skipped before they are split. /proc/net/tcp6 costs as much again, so it is read
// only when no IPv4 socket listens on the DB port (the stage binds mariadbd to 127.0.0.1, so a
// stage run never reads it).
function readDbRows(dbPort) {
  const portHex = `:${dbPort.toString(16).toUpperCase().padStart(4, '0')}`;
  const clients = new Map();   // inode → "local>remote"
  const servers = new Set();   // "local>remote"
  let read = false, listening = false;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (listening) break;
    const text = readText(file);
    if (text === null) continue;
    read = true;
    let start = text.indexOf('\n') + 1;   // skip the header
    while (start > 0 && start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const line = text.slice(start, end);
      start = end + 1;
      if (!line.includes(portHex)) continue;
      const f = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (f.length < 10) continue;
      const lport = parseInt(f[1].slice(f[1].lastIndexOf(':') + 1), 16);
      if (f[3] === '0A' && lport === dbPort) listening = true;   // 0A = LISTEN
      if (f[3] !== '01') continue;                                // 01 = ESTABLISHED
      const rport = parseInt(f[2].slice(f[2].lastIndexOf(':') + 1), 16);
      if (lport === dbPort) servers.add(`${f[1]}>${f[2]}`);
      else if (rport === dbPort) clients.set(f[9], `${f[1]}>${f[2]}`);
    }
  }
  return read ? {clients, servers} : null;
}

// The table is not a snapshot: it is printed a page at a time while connections come and go, and
// a read that resumes in a bucket that changed meanwhile lists some sockets twice or not at all
// (measured beside other runs: 23 of 452 reads had duplicate ESTABLISHED rows, 42 on average; one
// soak sample saw MariaDB's 21 connections as 24 and failed "flat"). So rows are keyed (a
// connection counts once however often it is listed), and the table is read until two reads in a
// row list the same DB connections (a glitch twice in the same place is the product of two ~5 %
// chances, at the same rows), at most kDbReads times; after that the last two reads' union is
// taken (a connection missed by one is seen by the other).
const kDbReads = 4;
function dbSockets(dbPort) {
  let prev = readDbRows(dbPort);
  if (prev === null) return {byInode: new Map(), serverConns: null, reads: 1};
  const same = (a, b) => a.servers.size === b.servers.size && a.clients.size === b.clients.size &&
      [...a.servers].every((k) => b.servers.has(k)) && [...a.clients.keys()].every((k) => b.clients.has(k));
  let cur = prev, reads = 1;
  while (reads < kDbReads) {
    cur = readDbRows(dbPort);
    reads++;
    if (cur === null) { cur = prev; break; }
    if (same(prev, cur)) break;
    if (reads === kDbReads) {
      for (const k of prev.servers) cur.servers.add(k);
      for (const [k, v] of prev.clients) cur.clients.set(k, v);
      break;
    }
    prev = cur;
  }
  return {byInode: cur.clients, serverConns: cur.servers.size, reads};
}

function readPid(stageDir, name) {
  const t = readText(`${stageDir}/${name}/pid`);
  return t !== null && /^[0-9]+\s*$/.test(t) ? Number(t) : null;
}

function statmRssKib(pid) {
  const t = readText(`/proc/${pid}/statm`);
  if (t === null) return null;
  const resident = Number(t.split(' ')[1]);
  return Number.isFinite(resident) ? resident * pageKib : null;
}

// Retained RSS. An app's RSS is what it retains plus the Argon2 buffers of the sign-ups being
// hashed: libsodium mmaps one buffer of the hash's memory cost per hash (ARGON2_MEMORY_KIB,
// 19 MiB; argon2-core.c allocate_memory: mmap(NULL, 1 KiB × blocks, anonymous, private)), fills
// it page by page and munmaps it at the end. With 2 hash threads per app one reading is anything
// from the retained size to ~38 MiB above it. The first samplers took the smallest of many
// readings, hoping for a moment with no hash running; on a saturated machine the closed loop keeps
// every app's hash queue full, so there is no such moment: app-6 of one run under stress-ng had a
// buffer in every one of ~77 readings of its first 22 s (retained "growth" −14.75 %), app-1 of
// another in every reading of its last 22 s (+10.34 %, a failed run). So a buffer is subtracted
// exactly instead: every anonymous rw-p mapping of k × the buffer's size (k ≤ the app's threads:
// each hash runs on its own thread; two adjacent buffers merge into one mapping) is a buffer,
// unless it starts on a 64 MiB boundary — glibc's malloc arenas (HEAP_MAX_SIZE 64 MiB) and ASan's
// size-class regions (2^36) start there and may reach such a size, while the kernel places an
// mmap(NULL) anywhere page-aligned. Its resident pages come from /proc/PID/pagemap (bit 63:
// present; readable for a process of the same user, no root). retained = statm RSS − those pages,
// provided that they describe the same instant (kRetainedTries).
// Watched at 10 Hz during a 40 s run of 10 ASan apps: 3,715 buffer mappings, every one exactly
// 1 or 2 × 19,456 KiB, none merged with anything else, none on a 64 MiB boundary. A buffer merged
// with another neighbour would be missed and count as retained for that one reading; the judge
// takes the smallest retained RSS of a window of ≥ 20 s (soak_report.js), which such a reading
// cannot lower. Cost per app: maps ~0.8 ms of CPU (ASan apps have ~250 mappings), statm 0.13 ms,
// pagemap 38 KB per buffer. Not smaps/smaps_rollup: they walk every page table, 7 / 3.3 ms of CPU
// per ASan app, and smaps_rollup cannot tell the buffer from the rest.
const kArenaAlignment = 64 * 1024 * 1024;
// A buffer may also merge with a small anonymous neighbour: the kernel places the buffers top-down
// in the hole below the hash threads' stacks, and a large allocation made while they were mapped
// (ASan's secondary allocator mmaps chunks of ≥ 128 KiB; a 264 KiB one was seen) can end up right
// below them and stay. Every later buffer at the bottom of that hole merges with it: 19,720 and
// 39,176 KiB mappings, 1 and 2 × 19,456 + 264, made every reading of one app "retain" its buffer
// (soak_e2e failing about one run in two). So k × the buffer's size plus at most this much is a
// buffer too; subtracting the neighbour's pages with it lowers that reading's retained RSS by at
// most 1 MiB (< 1 % of an app), far inside the 5 % criterion.
const kNeighbourSlackKib = 1024;
// RSS is read before and after the mappings and their pages; a buffer being filled adds pages and
// one being unmapped removes 19 MiB in between, and on a saturated machine the sampler may lose
// its core for tens of ms right there: one run under stress-ng, reading RSS once before the pages,
// judged a retained 95.7 MiB for an app whose retained RSS was 105 MiB before and after (a buffer
// filled meanwhile), which the smallest-of-window then picked up as −7.8 %. So a reading counts
// only when both RSS readings agree; otherwise it is taken again, up to 4 times (each costs ~1 ms
// of CPU: a hash thread fills pages during half of its hash at most, so a try rarely loses to it
// 4 times in a row); after that the sample has no retained RSS for that app (null, and the judge
// leaves it out of its windows; retained_tries says how many were needed).
const kRetainedTries = 4;
function hashBuffers(pid, hashKib, threads) {
  const maps = readText(`/proc/${pid}/maps`);
  if (maps === null) return null;
  const ranges = [];
  for (const line of maps.split('\n')) {
    // start-end perms offset dev inode [path]: anonymous = inode 0 and no path
    const f = line.split(/\s+/);
    if (f.length < 5 || f[1] !== 'rw-p' || f[4] !== '0' || (f[5] || '') !== '') continue;
    const dash = f[0].indexOf('-');
    const start = parseInt(f[0].slice(0, dash), 16), end = parseInt(f[0].slice(dash + 1), 16);
    const kib = (end - start) / 1024;
    const buffers = Math.floor(kib / hashKib), rest = kib - buffers * hashKib;
    if (buffers < 1 || buffers > threads || rest > kNeighbourSlackKib || start % kArenaAlignment === 0) {
      continue;
    }
    ranges.push([start, end]);
  }
  return ranges;
}

// Resident KiB in RANGES of PID's address space (/proc/PID/pagemap: 8 bytes per page, bit 63 set
// when the page is present). null when it cannot be read.
function residentKib(pid, ranges) {
  if (!ranges.length) return 0;
  const pageBytes = pageKib * 1024;
  let fd;
  try { fd = fs.openSync(`/proc/${pid}/pagemap`, 'r'); } catch (e) { return null; }
  try {
    let pages = 0;
    for (const [start, end] of ranges) {
      const buf = Buffer.alloc(((end - start) / pageBytes) * 8);
      const got = fs.readSync(fd, buf, 0, buf.length, (start / pageBytes) * 8);
      for (let i = 7; i < got; i += 8) if (buf[i] & 0x80) pages++;
    }
    return pages * pageKib;
  } catch (e) {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

// State, RSS, threads, fds and MariaDB connections of one app, read right after the table so that
// a connection opened or closed in between is rare (see pass()).
function appSample(stageDir, name, dbInodes) {
  const r = {name, pid: readPid(stageDir, name), alive: false, rss_kib: null, rss_retained_kib: null,
             hash_kib: null, hash_buffers: null, retained_tries: null, fds: null, threads: null, db_conns: null};
  if (r.pid === null) return r;
  const status = readText(`/proc/${r.pid}/status`);
  if (status === null) return r;
  for (const line of status.split('\n')) {
    const colon = line.indexOf(':');
    const key = line.slice(0, colon), value = line.slice(colon + 1).trim();
    if (key === 'State') r.alive = !/^[ZX]/.test(value);
    else if (key === 'VmRSS') r.rss_kib = parseInt(value, 10);
    else if (key === 'Threads') r.threads = parseInt(value, 10);
  }
  if (!r.alive) return r;
  let names;
  try { names = fs.readdirSync(`/proc/${r.pid}/fd`); } catch (e) { return r; }
  let db = 0;
  for (const fd of names) {
    let target;
    try { target = fs.readlinkSync(`/proc/${r.pid}/fd/${fd}`); } catch (e) { continue; }   // closed meanwhile
    if (target.startsWith('socket:[') && dbInodes.has(target.slice(8, -1))) db++;
  }
  r.fds = names.length;
  r.db_conns = db;
  return r;
}

// Adds the retained RSS to an app's sample R.
function addRetained(r, hashKib) {
  if (!r.alive) return;
  // Bracketed by two RSS readings: only when they agree did nothing fault a page in or unmap a
  // buffer while the mappings and their pages were read (see kRetainedTries).
  for (let attempt = 1; attempt <= kRetainedTries; attempt++) {
    const before = statmRssKib(r.pid);
    const ranges = hashBuffers(r.pid, hashKib, r.threads);
    const hash = ranges === null ? null : residentKib(r.pid, ranges);
    const after = statmRssKib(r.pid);
    r.retained_tries = attempt;
    if (before === null || hash === null || after === null) break;
    if (before !== after) continue;
    r.hash_buffers = ranges.reduce((n, [start, end]) => n + Math.floor((end - start) / 1024 / hashKib), 0);
    r.hash_kib = hash;
    r.rss_retained_kib = after - hash;
    break;
  }
}

// --- Redis: one connection per role, INFO on demand ---------------------------------------------------
class RedisInfo {
  constructor(port) { this.port = port; this.sock = null; this.buf = Buffer.alloc(0); this.waiter = null; }

  connect() {
    this.buf = Buffer.alloc(0);
    const sock = net.createConnection({host: '127.0.0.1', port: this.port});
    sock.setNoDelay(true);
    sock.on('data', (d) => { if (this.sock === sock) { this.buf = Buffer.concat([this.buf, d]); this.tryParse(); } });
    // A connection that failed or closed answers the pending INFO with null; the next pass opens
    // a new one. Events of a connection already replaced are ignored.
    const fail = () => {
      if (this.sock !== sock) return;
      this.sock = null;
      if (this.waiter) this.waiter(null);
    };
    sock.on('error', fail);
    sock.on('close', fail);
    this.sock = sock;
  }

  // A RESP bulk string: $<len>\r\n<len bytes>\r\n (an error reply, -…\r\n, gives null).
  tryParse() {
    if (!this.waiter) return;
    const nl = this.buf.indexOf('\r\n');
    if (nl < 0) return;
    const head = this.buf.toString('latin1', 0, nl);
    if (head[0] !== '$') { this.waiter(null); return; }
    const len = Number(head.slice(1));
    if (this.buf.length < nl + 2 + len + 2) return;
    const body = this.buf.toString('utf8', nl + 2, nl + 2 + len);
    this.buf = this.buf.subarray(nl + 2 + len + 2);
    this.waiter(body);
  }

  info() {
    return new Promise((resolve) => {
      if (!this.sock) this.connect();
      const timer = setTimeout(() => done(null), kRedisTimeoutMs);
      const done = (text) => {
        clearTimeout(timer);
        this.waiter = null;
        if (text === null && this.sock) { this.sock.destroy(); this.sock = null; }
        resolve(text);
      };
      this.waiter = done;
      this.sock.write('INFO\r\n');
    });
  }

  close() { if (this.sock) this.sock.destroy(); this.sock = null; }
}

function parseInfo(text) {
  const r = {connected_clients: null, pubsub_channels: null, pubsub_patterns: null, used_memory: null};
  if (text === null) return r;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    const key = line.slice(0, colon);
    if (key in r) r[key] = Number(line.slice(colon + 1));
  }
  return r;
}

// --- the loop ---------------------------------------------------------------------------------------
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  const q = (p) => (n ? s[Math.min(n - 1, Math.floor(p * n))] : null);
  const mid = n ? (n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2) : null;   // as soak_report.js
  const r3 = (v) => (v === null ? null : Math.round(v * 1000) / 1000);
  return {count: n, min: r3(s[0] ?? null), median: r3(mid), p90: r3(q(0.9)), max: r3(s[n - 1] ?? null)};
};
const msSince = (t) => Number(process.hrtime.bigint() - t) / 1e6;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function main() {
  let o;
  try { o = parseArgs(process.argv.slice(2)); } catch (e) {
    process.stderr.write(`soak_sampler: ${e.message}\n`);
    return 2;
  }
  const out = fs.openSync(o.samples, 'a');
  const redis = Object.fromEntries(Object.entries(o.redis).map(([role, port]) => [role, new RedisInfo(port)]));
  const passMs = [], passCpuMs = [], sampleTimes = [];
  let missed = 0;

  const pass = async (phase) => {
    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    const tMs = Date.now();
    // The table first, then every app's fds, then the slower RSS work: a DB connection opened in
    // between is missing from both counts (its row was not read, so its inode matches nothing; its
    // fd counts as a non-DB one for that sample) instead of showing as one nobody pooled.
    const db = dbSockets(o.dbPort);
    const tTcp = process.hrtime.bigint();
    const apps = o.apps.map((name) => appSample(o.stageDir, name, db.byInode));
    for (const a of apps) addRetained(a, o.hashKib);
    const tApps = process.hrtime.bigint();
    const infos = await Promise.all(Object.values(redis).map((c) => c.info()));
    const ms = (a, b) => Math.round(Number(b - a) / 1e3) / 1e3;
    const parts = {tcp: ms(start, tTcp), apps: ms(tTcp, tApps), redis: ms(tApps, process.hrtime.bigint())};
    const roles = Object.keys(redis);
    const line = {
      t_ms: tMs, elapsed_s: Math.round(tMs - o.t0Ms) / 1000, phase,
      pass_ms: null, pass_parts_ms: parts,
      apps,
      redis: Object.fromEntries(roles.map((role, i) => [role, parseInfo(infos[i])])),
      db: {server_conns: db.serverConns, table_reads: db.reads},
    };
    line.pass_ms = Math.round(msSince(start) * 1000) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    line.pass_cpu_ms = Math.round(cpu.user + cpu.system) / 1000;
    fs.writeSync(out, JSON.stringify(line) + '\n');
    passMs.push(line.pass_ms);
    passCpuMs.push(line.pass_cpu_ms);
    sampleTimes.push(tMs);
  };

  const cpu0 = process.cpuUsage();
  const wall0 = Date.now();
  let rc = 0;
  if (o.phase !== 'load') {
    await pass(o.phase);
  } else {
    const intervalMs = o.intervalS * 1000;
    let slot = 0;
    // Bounded: ends when the watched process does, or at the deadline.
    for (;;) {
      await pass('load');
      const now = Date.now();
      // The next slot on the t0 + k × interval grid; a pass that ended past one or more slots
      // (a late start or a slow pass) skips them rather than drifting; they are counted.
      const next = Math.floor((now - o.t0Ms) / intervalMs) + 1;
      missed += Math.max(0, next - slot - 1);
      slot = next;
      const due = o.t0Ms + slot * intervalMs;
      if (due > o.deadlineMs) {
        process.stderr.write('soak_sampler: deadline reached, the load generator is still running\n');
        rc = 1;
        break;
      }
      let ended = false;
      while (Date.now() < due) {
        if (!processAlive(o.watchPid)) { ended = true; break; }
        await sleep(Math.min(kWatchMs, due - Date.now()));
      }
      if (ended || !processAlive(o.watchPid)) break;
    }
  }
  for (const c of Object.values(redis)) c.close();
  fs.closeSync(out);
  if (o.stats) {
    const gaps = sampleTimes.slice(1).map((t, i) => (t - sampleTimes[i]) / 1000);
    const cpu = process.cpuUsage(cpu0);
    const s = {
      passes: passMs.length,
      pass_ms: stats(passMs),
      pass_cpu_ms: stats(passCpuMs),
      slots_missed: missed,
      max_gap_s: gaps.length ? Math.max(...gaps) : null,
      cpu_ms: Math.round((cpu.user + cpu.system) / 1000),
      wall_s: (Date.now() - wall0) / 1000,
    };
    fs.writeFileSync(o.stats, JSON.stringify(s) + '\n');
    process.stdout.write(`soak: sampler: ${s.passes} passes, wall ms per pass min/median/max ` +
        `${s.pass_ms.min}/${s.pass_ms.median}/${s.pass_ms.max} (CPU ms ${s.pass_cpu_ms.min}/${s.pass_cpu_ms.median}/` +
        `${s.pass_cpu_ms.max}), ${s.slots_missed} slot(s) missed, largest gap ` +
        `${s.max_gap_s} s; CPU ${s.cpu_ms} ms in ${s.wall_s} s\n`);
  }
  return rc;
}

main().then((code) => process.exit(code), (e) => {
  process.stderr.write(`soak_sampler: ${e.stack || e}\n`);
  process.exit(2);
});
