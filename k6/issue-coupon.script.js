// First-come coupon issuance under load, as the seed guide runs it:
//   k6 run k6/issue-coupon.script.js
//   k6 run --vus 200 --duration 60s k6/issue-coupon.script.js
// Each iteration signs up a fresh user and issues COUPON_ID with that session (k6 keeps cookies
// per VU within an iteration). Native twin: `hhplus-load run issue-coupon` (same options file,
// same metric and check names, same bookkeeping).
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter, Rate } from 'k6/metrics';

import { BASE_URL, COUPON_ID, JSON_PARAMS, PASSWORD, freshEmail, loadOptions, recordIssue } from './lib/common.js';

export const options = loadOptions(open('./options/issue-coupon.json'));

const metrics = {
  successRegisterRate: new Rate('success_register_rate'),
  successCouponIssueRate: new Rate('success_coupon_issue_rate'),
  errorsCouponIssue: new Counter('errors_coupon_issue'),
  couponSoldOutCount: new Counter('coupon_sold_out_count'),
  couponBusyCount: new Counter('coupon_busy_count'),
};

export default function () {
  const email = freshEmail(exec.vu.idInTest, exec.vu.iterationInScenario);
  const signup = http.post(`${BASE_URL}/api/auth/signup`, JSON.stringify({ email, password: PASSWORD }), {
    ...JSON_PARAMS,
    tags: { name: 'signup' },
  });
  const userId = signup.status === 201 ? signup.json('userId') : undefined;
  const registered = signup.status === 201 && userId !== undefined;
  metrics.successRegisterRate.add(registered);
  check(signup, { 'signup status is 201': (r) => r.status === 201 });
  if (!registered) {
    return; // no session: nothing to issue with
  }
  // {"userId": ...} keeps the script valid against the original NestJS service as well.
  const issue = http.post(`${BASE_URL}/api/coupons/${COUPON_ID}/issue`, JSON.stringify({ userId }), {
    ...JSON_PARAMS,
    tags: { name: 'issue' },
  });
  recordIssue(issue, metrics, check);
}
