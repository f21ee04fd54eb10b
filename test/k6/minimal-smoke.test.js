// Minimal smoke test: every endpoint of the happy path once, every check must pass.
//   k6 run test/k6/minimal-smoke.test.js --env K6_TARGET_URL=http://127.0.0.1:3000
// Used by .github/workflows/k6.yml. Native twin: `hhplus-load run minimal-smoke`.
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter, Rate } from 'k6/metrics';

import { BASE_URL, COUPON_ID, JSON_PARAMS, PASSWORD, freshEmail, loadOptions, recordIssue } from '../../k6/lib/common.js';

export const options = loadOptions(open('../../k6/options/minimal-smoke.json'));

const metrics = {
  successRegisterRate: new Rate('success_register_rate'),
  successCouponIssueRate: new Rate('success_coupon_issue_rate'),
  errorsCouponIssue: new Counter('errors_coupon_issue'),
  couponSoldOutCount: new Counter('coupon_sold_out_count'),
  couponBusyCount: new Counter('coupon_busy_count'),
};

export default function () {
  const health = http.get(`${BASE_URL}/health`, { tags: { name: 'health' } });
  check(health, { 'health status is 200': (r) => r.status === 200 });

  const email = freshEmail(exec.vu.idInTest, exec.vu.iterationInScenario);
  const signup = http.post(`${BASE_URL}/api/auth/signup`, JSON.stringify({ email, password: PASSWORD }), {
    ...JSON_PARAMS,
    tags: { name: 'signup' },
  });
  const userId = signup.status === 201 ? signup.json('userId') : undefined;
  metrics.successRegisterRate.add(signup.status === 201 && userId !== undefined);
  check(signup, { 'signup status is 201': (r) => r.status === 201 });

  const me = http.get(`${BASE_URL}/api/auth/me`, { tags: { name: 'me' } });
  check(me, { 'me status is 200': (r) => r.status === 200 });

  const coupon = http.get(`${BASE_URL}/api/coupons/${COUPON_ID}`, { tags: { name: 'coupon' } });
  check(coupon, { 'coupon status is 200': (r) => r.status === 200 });

  if (userId === undefined) {
    return;
  }
  const issue = http.post(`${BASE_URL}/api/coupons/${COUPON_ID}/issue`, JSON.stringify({ userId }), {
    ...JSON_PARAMS,
    tags: { name: 'issue' },
  });
  recordIssue(issue, metrics, check);
}
