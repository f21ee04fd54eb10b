// Sign-up only (argon2id hashing on the server is the cost being measured):
//   k6 run k6/signup.script.js
// Native twin: `hhplus-load run signup`.
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';
import { Rate } from 'k6/metrics';

import { BASE_URL, JSON_PARAMS, PASSWORD, freshEmail, loadOptions } from './lib/common.js';

export const options = loadOptions(open('./options/signup.json'));

const successRegisterRate = new Rate('success_register_rate');

export default function () {
  const email = freshEmail(exec.vu.idInTest, exec.vu.iterationInScenario);
  const res = http.post(`${BASE_URL}/api/auth/signup`, JSON.stringify({ email, password: PASSWORD }), {
    ...JSON_PARAMS,
    tags: { name: 'signup' },
  });
  successRegisterRate.add(res.status === 201);
  check(res, { 'signup status is 201': (r) => r.status === 201 });
}
