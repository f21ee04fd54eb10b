#!/usr/bin/env bash
# Security properties that only show with several instances behind nginx (the single-instance
# ones are in tests/e2e/api): a 3-app stage on a free port base in a temporary directory.
#   - the login failure limit holds across instances: failures spread over every app directly,
#     then the right password is refused with 429 A005 by every app and through nginx;
#   - a session made on one app works on the others (sessions live in Redis), and is rotated at
#     login on another app: the old id stops working everywhere;
#   - an id chosen by an attacker and planted before login is never adopted;
#   - one user's session opens none of another user's routes, whichever app answers;
#   - admin routes refuse requests without the token on every app, and error bodies carry no
#     internals;
#   - cookies are HttpOnly and SameSite through nginx.
# HHPLUS_SERVER_BIN names the app binary (CTest sets it). Stopped with ./stage down (by PID).
set -uo pipefail

kRepo=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
readonly kRepo
source "$kRepo/tests/e2e/lib/harness.sh"
readonly kApps=3
readonly kLoginFailureLimit=10   # src/domain/auth/auth_rules.hpp
readonly kLoginFailureWindow=60  # s, the same file: the failures and the refusals must fall in it
readonly kCurlTimeout=20         # s per request: generous, an ASan build on a loaded machine

[[ -n ${HHPLUS_SERVER_BIN:-} && -x ${HHPLUS_SERVER_BIN} ]] || {
    echo "HHPLUS_SERVER_BIN must name the app binary (got '${HHPLUS_SERVER_BIN:-}')" >&2
    exit 2
}
export HHPLUS_SERVER_BIN
# Cheap password hashing (1 MiB, 1 pass; the hasher's cost is tested by its unit tests): every
# failed login verifies a hash, and the limit's 10 failures plus the refusals after them must fall
# within its 60 s window. With the default cost under ASan a busy 2-core machine can take seconds
# per verification; that would test the machine's pace, not the limit.
export ARGON2_MEMORY_KIB=1024 ARGON2_ITERATIONS=1

BASE=$(pick_port_base) || { echo "no free port range found" >&2; exit 1; }
DIR=$(mktemp -d "${TMPDIR:-/tmp}/security-e2e.XXXXXX")
st() { "$kRepo/stage" --dir "$DIR/stage" --port-base "$BASE" "$@"; }
# shellcheck disable=SC2317  # called through the trap
cleanup() {
    if ((failed > 0)); then st ps 2>&1; fi
    st down --purge >/dev/null 2>&1
    rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "security e2e: stage in $DIR on port base $BASE, app binary $HHPLUS_SERVER_BIN"
up_on_free_base BASE "$DIR/up.out" st --apps "$kApps" --strategy pubsub ||
    { cat "$DIR/up.out"; echo "stage did not come up"; exit 1; }
eval "$(st env)"
nginx_url=$BASE_URL
app_url() { printf 'http://127.0.0.1:%s' $((BASE + $1)); }   # app k listens on B+k (docs/stage.md)

# call URL METHOD PATH [BODY] [CURL ARGS...] → "$DIR/h" headers, "$DIR/b" body, prints the status
call() {
    local url=$1 method=$2 path=$3 body=${4:-}
    shift 4 2>/dev/null || shift $#
    local -a data=()
    [[ -n $body ]] && data=(-H 'Content-Type: application/json' --data-binary "$body")
    curl -s --max-time "$kCurlTimeout" -X "$method" -D "$DIR/h" -o "$DIR/b" -w '%{http_code}' \
        "${data[@]}" "$@" "$url$path"
}
error_code() { node -e 'try{process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).errorCode||""))}catch(e){}' "$DIR/b"; }
header() { tr -d '\r' <"$DIR/h" | awk -v n="$(tr '[:upper:]' '[:lower:]' <<<"$1")" -F': ' 'tolower($1)==n{print $2; exit}'; }
sid_of_response() { header set-cookie | sed -n 's/^sid=\([^;]*\);.*/\1/p'; }
expect() { # expect DESCRIPTION STATUS CODE ACTUAL_STATUS
    local what=$1 want_status=$2 want_code=$3 got=$4 code
    code=$(error_code)
    if [[ $got == "$want_status" && $code == "$want_code" ]]; then ok "$what"; else
        bad "$what (got $got ${code:-no code}: $(head -c 200 "$DIR/b"))"; fi
}

# --- 1. the login failure limit is shared by every instance ------------------------------------------
email="limit-$RANDOM@test.co"
status=$(call "$nginx_url" POST /api/auth/signup "{\"email\":\"$email\",\"password\":\"right-1\"}")
check "signup through nginx: 201 (got $status)" test "$status" = 201
declare -A answered_by=()
limit_start=$SECONDS
for ((i = 0; i < kLoginFailureLimit; i++)); do
    app=$((1 + i % kApps))
    status=$(call "$(app_url "$app")" POST /api/auth/login "{\"email\":\"$email\",\"password\":\"wrong-$i\"}")
    [[ $status == 401 ]] || bad "failure $i on app $app: 401 expected, got $status"
    answered_by[$(header x-instance)]=1
done
check "the $kLoginFailureLimit failures were answered by $kApps distinct instances (${#answered_by[@]})" \
    test "${#answered_by[@]}" -eq "$kApps"
for ((app = 1; app <= kApps; app++)); do
    status=$(call "$(app_url "$app")" POST /api/auth/login "{\"email\":\"$email\",\"password\":\"right-1\"}")
    expect "app $app refuses the right password after failures on all apps: 429 A005" 429 A005 "$status"
    retry=$(header retry-after)
    check "... with Retry-After in 1..60 (${retry:-none})" test "${retry:-0}" -ge 1 -a "${retry:-0}" -le 60
done
status=$(call "$nginx_url" POST /api/auth/login "{\"email\":\"$email\",\"password\":\"right-1\"}")
expect "and so does nginx, whichever app it picks: 429 A005" 429 A005 "$status"
note "the failures and the refusals took $((SECONDS - limit_start)) s (the window is ${kLoginFailureWindow} s)"

# --- 2. sessions: shared, rotated at login on another app, planted ids never adopted --------------------
alice="alice-$RANDOM@test.co"
status=$(call "$(app_url 1)" POST /api/auth/signup "{\"email\":\"$alice\",\"password\":\"alice-pw\"}")
check "alice signs up on app 1: 201 (got $status)" test "$status" = 201
alice_id=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).userId)' "$DIR/b")
cookie=$(header set-cookie)
first_sid=$(sid_of_response)
# shellcheck disable=SC2016  # $1 is the inner shell's argument
check "the cookie is HttpOnly and SameSite ($cookie)" bash -c '[[ $1 == *HttpOnly* && $1 == *SameSite=* ]]' _ "$cookie"
check "the session id has 43 characters (${#first_sid})" test "${#first_sid}" -eq 43
for ((app = 2; app <= kApps; app++)); do
    status=$(call "$(app_url "$app")" GET /api/auth/me "" -H "Cookie: sid=$first_sid")
    check "app 1's session works on app $app (got $status)" test "$status" = 200
done
status=$(call "$(app_url 2)" POST /api/auth/login "{\"email\":\"$alice\",\"password\":\"alice-pw\"}" \
    -H "Cookie: sid=$first_sid")
check "alice logs in again on app 2 with her old cookie: 200 (got $status)" test "$status" = 200
second_sid=$(sid_of_response)
check "login rotated the id" test -n "$second_sid" -a "$second_sid" != "$first_sid"
for ((app = 1; app <= kApps; app++)); do
    status=$(call "$(app_url "$app")" GET /api/auth/me "" -H "Cookie: sid=$first_sid")
    expect "the pre-login id is dead on app $app: 401 A001" 401 A001 "$status"
done
planted=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | head -c 43)
status=$(call "$nginx_url" POST /api/auth/login "{\"email\":\"$alice\",\"password\":\"alice-pw\"}" \
    -H "Cookie: sid=$planted")
third_sid=$(sid_of_response)
check "login with an attacker-planted id: 200 and a fresh id (got $status)" \
    test "$status" = 200 -a -n "$third_sid" -a "$third_sid" != "$planted"
for ((app = 1; app <= kApps; app++)); do
    status=$(call "$(app_url "$app")" GET /api/auth/me "" -H "Cookie: sid=$planted")
    expect "the planted id opens nothing on app $app: 401 A001" 401 A001 "$status"
done

# --- 3. bob's session opens none of alice's routes, on any app ----------------------------------------
bob="bob-$RANDOM@test.co"
status=$(call "$nginx_url" POST /api/auth/signup "{\"email\":\"$bob\",\"password\":\"bob-pw\"}")
bob_sid=$(sid_of_response)
check "bob signs up: 201 (got $status)" test "$status" = 201 -a -n "$bob_sid"
for ((app = 1; app <= kApps; app++)); do
    u=$(app_url "$app")
    status=$(call "$u" GET "/api/users/$alice_id/balance" "" -H "Cookie: sid=$bob_sid")
    expect "app $app: bob reads alice's balance → 403 A002" 403 A002 "$status"
    status=$(call "$u" PATCH "/api/users/$alice_id/balance" '{"amount":1000}' -H "Cookie: sid=$bob_sid")
    expect "app $app: bob charges alice's balance → 403 A002" 403 A002 "$status"
    status=$(call "$u" GET "/api/users/$alice_id/balance/logs" "" -H "Cookie: sid=$bob_sid")
    expect "app $app: bob reads alice's balance logs → 403 A002" 403 A002 "$status"
    status=$(call "$u" GET "/api/users/$alice_id/coupons" "" -H "Cookie: sid=$bob_sid")
    expect "app $app: bob lists alice's coupons → 403 A002" 403 A002 "$status"
    status=$(call "$u" POST "/api/coupons/1/issue" "{\"userId\":$alice_id}" -H "Cookie: sid=$bob_sid")
    expect "app $app: bob issues a coupon in alice's name → 403 A002" 403 A002 "$status"
done
status=$(call "$nginx_url" GET "/api/users/$alice_id/balance" "" -H "Cookie: sid=$third_sid")
check "alice still reads her own balance (got $status)" test "$status" = 200

# --- 4. admin routes need the token on every app; no internals in error bodies -----------------------
for ((app = 1; app <= kApps; app++)); do
    status=$(call "$(app_url "$app")" GET /api/admin/coupons/1/audit "")
    expect "app $app: audit without a token → 401 A006" 401 A006 "$status"
    status=$(call "$(app_url "$app")" GET /api/admin/coupons/1/audit "" -H "Authorization: Bearer ${ADMIN_TOKEN}x")
    expect "app $app: audit with a wrong token → 401 A006" 401 A006 "$status"
done
leaks=0
for body in '{"email":"x@test.co","password":"' "{\"email\":\"x'; DROP TABLE users; --@test.co\",\"password\":\"pw-pw\"}" \
    '{"email":"x@test.co","password":"pw-pw","extra":[1,{"a":null}]}'; do
    call "$nginx_url" POST /api/auth/login "$body" >/dev/null
    if grep -qiE 'sql|mysql|mariadb|redis|syntax|exception|std::|\.cpp|errno' "$DIR/b"; then
        leaks=$((leaks + 1)); note "internal detail in: $(head -c 200 "$DIR/b")"; fi
done
check "hostile login bodies get error bodies without internals ($leaks leaks)" test "$leaks" -eq 0

finish
