// The hot-product sale: many users order and pay the last units of one option at once.
//   k6 run k6/order-rush.script.js -e ADMIN_TOKEN=… [-e STOCK=100] [-e WITH_COUPON=1] [-e USERS=N]
//                                  [-e ORDERS_PER_USER=K]
// setup() makes a product with one option of STOCK units and (WITH_COUPON=1) a coupon, signs up
// USERS users (default: the iterations the options plan), charges each enough for ORDERS_PER_USER
// orders (default 1) and issues each the coupon. Each iteration takes the next user in turn (each
// used ORDERS_PER_USER times), orders ORDER_QUANTITY units of the hot option and pays for it. teardown() reads the admin audits and checks the identities.
// Native twin: `hhplus-load run order-rush --admin-token …` (same options file, same metric and
// check names). Differences, because k6 VUs share no memory: setup()'s requests are part of k6's
// metrics (the native runner keeps them out), and teardown() can only check what the store says
// of itself (the audit identities, soldUnits ≤ STOCK, each user's charged − paid == balance and
// paid a whole number of orders, at most ORDERS_PER_USER), while the native runner also compares soldUnits with the 200s it counted
// and exits 111 when an identity breaks.
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter, Rate } from 'k6/metrics';

import { BASE_URL, JSON_PARAMS, PASSWORD, errorCode, freshEmail, loadOptions } from './lib/common.js';

export const options = loadOptions(open('./options/order-rush.json'));

const STOCK = Number(__ENV.STOCK || 100);
const PRICE = Number(__ENV.PRICE || 10000);
const ORDER_QUANTITY = Number(__ENV.ORDER_QUANTITY || 1);
const ORDERS_PER_USER = Number(__ENV.ORDERS_PER_USER || 1);
const WITH_COUPON = __ENV.WITH_COUPON === '1';
const COUPON_RATE = Number(__ENV.COUPON_RATE || 10);
const BALANCE_AUDIT_USERS = Number(__ENV.BALANCE_AUDIT_USERS || 300);
const SETUP_BATCH = 32; // requests in flight during setup (http.batch), as SETUP_CONCURRENCY
const ADMIN = { headers: { ...JSON_PARAMS.headers, Authorization: `Bearer ${__ENV.ADMIN_TOKEN || ''}` } };

const metrics = {
  successOrderRate: new Rate('success_order_rate'),
  orderSoldOutCount: new Counter('order_sold_out_count'),
  errorsOrder: new Counter('errors_order'),
};

// Seconds of a k6 duration string ("10s", "1m30s", "500ms").
function seconds(text) {
  let total = 0;
  for (const [, n, unit] of String(text).matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600 }[unit];
  }
  return total;
}

// The iterations the options plan (arrival-rate and iteration-count executors), else undefined.
function plannedIterations() {
  let total = 0;
  for (const s of Object.values(options.scenarios || {})) {
    if (s.executor === 'constant-arrival-rate') {
      total += Math.floor((s.rate * seconds(s.duration)) / seconds(s.timeUnit || '1s'));
    } else if (s.executor === 'shared-iterations') {
      total += s.iterations || 1;
    } else if (s.executor === 'per-vu-iterations') {
      total += (s.vus || 1) * (s.iterations || 1);
    } else {
      return undefined;
    }
  }
  return total;
}

export function setup() {
  if (!__ENV.ADMIN_TOKEN) exec.test.abort('order-rush needs -e ADMIN_TOKEN (its product and audits use the admin API)');
  const users = Number(__ENV.USERS || plannedIterations() || 0);
  if (!(users > 0)) exec.test.abort('order-rush needs -e USERS=N for this executor');
  if (!(ORDERS_PER_USER >= 1)) exec.test.abort('ORDERS_PER_USER must be positive');
  // A reused user's second order could not use the coupon its first order used.
  if (ORDERS_PER_USER > 1 && WITH_COUPON) exec.test.abort('ORDERS_PER_USER > 1 goes without WITH_COUPON');
  const product = http.post(`${BASE_URL}/api/admin/products`, JSON.stringify({
    name: `LOAD-k6-${Date.now()}`,
    options: [{ color: 'hot', size: 'one', price: PRICE, stock: STOCK }],
  }), { ...ADMIN, tags: { name: 'setup' } });
  if (product.status !== 201) exec.test.abort(`setup: POST /api/admin/products answered ${product.status}`);
  const optionId = product.json('options.0.productOptionId');
  let couponId;
  if (WITH_COUPON) {
    const coupon = http.post(`${BASE_URL}/api/admin/coupons`, JSON.stringify({
      name: `LOAD-k6-ORDER-${Date.now()}`, discountRate: COUPON_RATE, totalQuantity: users,
      expiredAt: new Date(Date.now() + 24 * 3600 * 1000).toISOString(),
    }), { ...ADMIN, tags: { name: 'setup' } });
    if (coupon.status !== 201) exec.test.abort(`setup: POST /api/admin/coupons answered ${coupon.status}`);
    couponId = coupon.json('couponId');
  }
  const charge = PRICE * ORDER_QUANTITY * ORDERS_PER_USER;
  const list = [];
  for (let start = 0; start < users; start += SETUP_BATCH) {
    const n = Math.min(SETUP_BATCH, users - start);
    const signups = http.batch(Array.from({ length: n }, (_, i) => ['POST', `${BASE_URL}/api/auth/signup`,
      JSON.stringify({ email: freshEmail('setup', start + i), password: PASSWORD }), { ...JSON_PARAMS, tags: { name: 'setup' } }]));
    const batch = signups.map((r) => {
      if (r.status !== 201) exec.test.abort(`setup: sign-up answered ${r.status}`);
      // The session cookie of this answer (the VU's jar holds only the last one).
      return { userId: r.json('userId'), sid: r.cookies.sid[0].value };
    });
    const prepare = (method, path, body) => batch.map((u) => [method, `${BASE_URL}${path(u)}`, body(u), {
      headers: { ...JSON_PARAMS.headers, Cookie: `sid=${u.sid}` }, tags: { name: 'setup' },
    }]);
    for (const r of http.batch(prepare('PATCH', (u) => `/api/users/${u.userId}/balance`, () => JSON.stringify({ amount: charge })))) {
      if (r.status !== 200) exec.test.abort(`setup: charge answered ${r.status}`);
    }
    if (WITH_COUPON) {
      for (const r of http.batch(prepare('POST', () => `/api/coupons/${couponId}/issue`, (u) => JSON.stringify({ userId: u.userId })))) {
        if (r.status !== 201) exec.test.abort(`setup: coupon issue answered ${r.status}`);
      }
    }
    list.push(...batch);
  }
  http.cookieJar().clear(BASE_URL);
  return { optionId, couponId, charge, users: list };
}

export default function (data) {
  const index = exec.scenario.iterationInTest;
  if (index >= data.users.length * ORDERS_PER_USER) {
    check(null, { 'session available': () => false });
    return;
  }
  const user = data.users[index % data.users.length];
  http.cookieJar().set(BASE_URL, 'sid', user.sid);
  const body = { items: [{ productOptionId: data.optionId, quantity: ORDER_QUANTITY }] };
  if (data.couponId !== undefined) body.couponId = data.couponId;
  const order = http.post(`${BASE_URL}/api/orders`, JSON.stringify(body), { ...JSON_PARAMS, tags: { name: 'order' } });
  const placed = order.status === 201;
  const code = placed ? '' : errorCode(order);
  check(order, { 'order answered 201 or P003': () => placed || code === 'P003' });
  if (!placed) {
    metrics.successOrderRate.add(false);
    if (code === 'P003') {
      metrics.orderSoldOutCount.add(1);
    } else {
      metrics.errorsOrder.add(1);
    }
    return;
  }
  const payment = http.post(`${BASE_URL}/api/orders/${order.json('orderId')}/payment`, '{}', {
    ...JSON_PARAMS,
    tags: { name: 'payment' },
  });
  const paid = payment.status === 200;
  check(payment, { 'payment status is 200': () => paid });
  metrics.successOrderRate.add(paid);
  if (!paid) {
    metrics.errorsOrder.add(1);
  }
}

export function teardown(data) {
  const audit = http.get(`${BASE_URL}/api/admin/product-options/${data.optionId}/audit`, { ...ADMIN, tags: { name: 'admin' } });
  const a = audit.status === 200 ? audit.json() : {};
  check(a, {
    'initialStock + addedStock - soldUnits == stock': (x) => x.initialStock + x.addedStock - x.soldUnits === x.stock,
    'reserved == pendingUnits': (x) => x.reserved === x.pendingUnits,
    'soldUnits <= STOCK': (x) => x.soldUnits >= 0 && x.soldUnits <= STOCK,
  });
  const step = Math.max(1, Math.ceil(data.users.length / BALANCE_AUDIT_USERS));
  for (let i = 0; i < data.users.length; i += step) {
    const res = http.get(`${BASE_URL}/api/admin/users/${data.users[i].userId}/balance-audit`, { ...ADMIN, tags: { name: 'admin' } });
    const b = res.status === 200 ? res.json() : {};
    check(b, {
      'charged - paid == balance': (x) => x.charged - x.paid === x.balance,
      'charged as in setup, paid whole orders within it': (x) => x.charged === data.charge && x.paid >= 0 &&
        x.paid <= data.charge && (WITH_COUPON || x.paid % (data.charge / ORDERS_PER_USER) === 0),
    });
  }
}
