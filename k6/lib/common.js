// Helpers shared by the k6 scripts. The native runner (tools/loadgen, `hhplus-load`) implements
// the same logic in C++; keep both in step (a unit test compares their custom metric names).

// Target: BASE_URL, else the seed's CI variable K6_TARGET_URL, else the local stage.
export const BASE_URL = (__ENV.BASE_URL || __ENV.K6_TARGET_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');
export const COUPON_ID = __ENV.COUPON_ID || '1';
export const JSON_PARAMS = { headers: { 'Content-Type': 'application/json' } };
// The seed's password for load-test users (the API accepts 4-128 bytes).
export const PASSWORD = '1234';

// Parses an options file (read with open() by the calling script, so the path is relative to it)
// and applies the same -e overrides as hhplus-load: RATE sets `rate` of constant-arrival-rate
// scenarios, DURATION the `duration` of constant-arrival-rate and constant-vus scenarios.
export function loadOptions(text) {
  const options = JSON.parse(text);
  for (const scenario of Object.values(options.scenarios || {})) {
    if (__ENV.RATE && scenario.executor === 'constant-arrival-rate') {
      scenario.rate = Number(__ENV.RATE);
    }
    if (__ENV.DURATION && (scenario.executor === 'constant-arrival-rate' || scenario.executor === 'constant-vus')) {
      scenario.duration = __ENV.DURATION;
    }
  }
  return options;
}

// The "errorCode" of an API error body, '' when there is none.
export function errorCode(res) {
  try {
    const code = res.json('errorCode');
    return typeof code === 'string' ? code : '';
  } catch (e) {
    return '';
  }
}

// A fresh e-mail for every iteration of every VU of every run.
export function freshEmail(vuId, iteration) {
  return `k6-${RUN_ID}-${vuId}-${iteration}@load.test`;
}
const RUN_ID = `${Date.now().toString(16)}${Math.floor(Math.random() * 0x10000).toString(16)}`;

// The corrected version of the seed's issue bookkeeping: a 201 passes; C001 (sold out) is an
// expected outcome counted on its own; anything else is one error (S001 also counts as busy).
export function recordIssue(res, metrics, check) {
  const issued = res.status === 201;
  const code = issued ? '' : errorCode(res);
  metrics.successCouponIssueRate.add(issued);
  if (!issued) {
    if (code === 'C001') {
      metrics.couponSoldOutCount.add(1);
    } else {
      metrics.errorsCouponIssue.add(1);
    }
    if (code === 'S001') {
      metrics.couponBusyCount.add(1);
    }
  }
  check(res, { 'issue answered 201 or C001': () => issued || code === 'C001' });
}
