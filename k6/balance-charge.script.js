// Balance charges on a few hot users (every charge contends on the same rows), then a read back:
//   k6 run k6/balance-charge.script.js            (-e HOT_USERS=4 -e CHARGE_AMOUNT=1000)
// Native twin: `hhplus-load run balance-charge`. Differences, because k6 VUs share no memory:
// setup()'s sign-ups are part of k6's metrics (the native runner keeps them out), and teardown
// can only bound each balance by the iterations started, while the native runner counts the 200s.
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';
import { Rate } from 'k6/metrics';

import { BASE_URL, JSON_PARAMS, PASSWORD, freshEmail, loadOptions } from './lib/common.js';

export const options = loadOptions(open('./options/balance-charge.json'));

const HOT_USERS = Number(__ENV.HOT_USERS || 4);
const CHARGE_AMOUNT = Number(__ENV.CHARGE_AMOUNT || 1000);

const successChargeRate = new Rate('success_charge_rate');

function balanceOf(user) {
  http.cookieJar().set(BASE_URL, 'sid', user.sid);
  const res = http.get(`${BASE_URL}/api/users/${user.userId}/balance`, { tags: { name: 'balance' } });
  return res.status === 200 ? res.json('balance') : undefined;
}

export function setup() {
  const users = [];
  for (let i = 0; i < HOT_USERS; i++) {
    const email = freshEmail('setup', i);
    const res = http.post(`${BASE_URL}/api/auth/signup`, JSON.stringify({ email, password: PASSWORD }), {
      ...JSON_PARAMS,
      tags: { name: 'setup' },
    });
    if (res.status !== 201) {
      exec.test.abort(`setup: sign-up answered ${res.status}`);
    }
    const sid = http.cookieJar().cookiesForURL(BASE_URL).sid[0];
    const user = { userId: res.json('userId'), sid };
    user.start = balanceOf(user);
    users.push(user);
  }
  return { users };
}

export default function (data) {
  const index = exec.scenario.iterationInTest % data.users.length;
  const user = data.users[index];
  http.cookieJar().set(BASE_URL, 'sid', user.sid);
  const path = `${BASE_URL}/api/users/${user.userId}/balance`;
  const charge = http.patch(path, JSON.stringify({ amount: CHARGE_AMOUNT }), { ...JSON_PARAMS, tags: { name: 'charge' } });
  successChargeRate.add(charge.status === 200);
  check(charge, { 'charge status is 200': (r) => r.status === 200 });
  const read = http.get(path, { tags: { name: 'balance' } });
  check(read, { 'balance read status is 200': (r) => r.status === 200 });
}

export function teardown(data) {
  const started = exec.instance.iterationsCompleted + exec.instance.iterationsInterrupted;
  data.users.forEach((user, index) => {
    const final = balanceOf(user);
    // Iterations were dealt round-robin: this user got at most this many charges.
    const dealt = Math.floor(started / data.users.length) + (index < started % data.users.length ? 1 : 0);
    const moved = final - user.start;
    check(moved, {
      'balance moved by whole charges': (m) => m % CHARGE_AMOUNT === 0,
      'balance moved by at most the charges dealt': (m) => m >= 0 && m <= dealt * CHARGE_AMOUNT,
    });
  });
}
