#!/usr/bin/env bash
# End-to-end comparison: a bare Spring Cloud Gateway route versus the full Dualcore gateway, same upstream, same JVM
# flags, same warm-up, measured alternately in rounds with wrk. See bench/README.md for what each number means.
#
#   bench/e2e.sh                      # builds test classes + classpath if missing, then runs (~6 min)
#   ROUNDS=3 DURATION=10 WARMUP=15 CONNECTIONS=32 bench/e2e.sh
#   SKIP_BUILD=1 bench/e2e.sh         # reuse target/ as it is
#   JFR=1 bench/e2e.sh                # also record a JFR of the full gateway during its last round
#
# Pinning: both gateways on core GW_CPU (0), wrk and the echo upstream on core LOAD_CPU (1).
# Everything started here is stopped on exit (trap); every step is bounded in time (MAX_SECONDS overall).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

ROUNDS=${ROUNDS:-4}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-25}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
GW_CPU=${GW_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
MAX_SECONDS=${MAX_SECONDS:-900}
JVM_FLAGS=${JVM_FLAGS:-"-Xms512m -Xmx512m -XX:+UseParallelGC"}
ECHO_PORT=${ECHO_PORT:-19002}
BARE_PORT=${BARE_PORT:-18080}
FULL_PORT=${FULL_PORT:-18090}
OUT=${OUT:-$ROOT/target/bench-e2e}
TARGETS=${TARGETS:-"bare_public full_public bare_edge bare_edge_tok full_edge_tok"}

mkdir -p "$OUT"
PIDS=()

cleanup() {
    local pid
    for pid in "${PIDS[@]:-}"; do
        [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]:-}"; do
        [[ -z "$pid" ]] && continue
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# overall watchdog: the script never outlives MAX_SECONDS
MAIN_PID=$$
(
    trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
    sleep "$MAX_SECONDS" &
    sleeper=$!
    wait "$sleeper"
    echo "e2e.sh: exceeded ${MAX_SECONDS}s, stopping" >&2
    kill -TERM "$MAIN_PID"
) </dev/null >/dev/null 2>>"$OUT/watchdog.log" &
PIDS+=($!)

for tool in wrk taskset curl openssl java; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool (apt-get install -y wrk)" >&2; exit 1; }
done

if [[ -z "${SKIP_BUILD:-}" || ! -f target/bench-cp.txt ]]; then
    ./mvnw -B -q test-compile
    ./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-cp.txt
fi
DEPS=$(cat target/bench-cp.txt)
# The full gateway runs without target/test-classes: its component scan (io.dualcore.gateway.**) would otherwise
# pick up the bare application and test-only @Configuration classes.
FULL_CP="target/classes:$DEPS"
BARE_CP="target/test-classes:target/classes:$DEPS"

# ---- the edge token: HS256 with the demo key of config/application.yml, valid 9 minutes (max lifetime 10m)
EDGE_KEY_B64=${EDGE_HMAC_DEMO_KEY:-ZGVtby1vbmx5LWVkZ2Uta2V5LWRvLW5vdC11c2UtaW4tcHJvZHVjdGlvbiE=}
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
header=$(printf '{"alg":"HS256","typ":"JWT","kid":"edge-demo-1"}' | b64url)
payload=$(printf '{"iss":"dualcore-edge","sub":"device-bench","aud":"dualcore-gateway","jti":"bench-%s","iat":%d,"exp":%d}' \
    "$now" "$now" "$((now + 540))" | b64url)
hexkey=$(printf '%s' "$EDGE_KEY_B64" | openssl base64 -d -A | od -An -tx1 | tr -d ' \n')
signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hexkey" -binary | b64url)
EDGE_TOKEN="$header.$payload.$signature"

# ---- processes
echo "starting echo upstream on :$ECHO_PORT (cpu $LOAD_CPU)"
taskset -c "$LOAD_CPU" java $JVM_FLAGS -cp "$FULL_CP" io.dualcore.gateway.demo.EchoCoreApplication \
    --name=echo-core --host=127.0.0.1 --port="$ECHO_PORT" >"$OUT/echo.log" 2>&1 &
PIDS+=($!)

gateway_env=(env MICROSERVICE_CORE_URI="http://127.0.0.1:$ECHO_PORT" EDGE_CORE_URI="http://127.0.0.1:$ECHO_PORT")
echo "starting bare gateway on :$BARE_PORT (cpu $GW_CPU)"
"${gateway_env[@]}" SERVER_PORT=$BARE_PORT MANAGEMENT_PORT=$((BARE_PORT + 1)) \
    taskset -c "$GW_CPU" java $JVM_FLAGS -cp "$BARE_CP" io.dualcore.bench.bare.BareGatewayApplication \
    --management.endpoint.health.validate-group-membership=false \
    >"$OUT/bare.log" 2>&1 &
BARE_PID=$!
PIDS+=($BARE_PID)

echo "starting full gateway on :$FULL_PORT (cpu $GW_CPU)"
"${gateway_env[@]}" SERVER_PORT=$FULL_PORT MANAGEMENT_PORT=$((FULL_PORT + 1)) \
    taskset -c "$GW_CPU" java $JVM_FLAGS ${FULL_JVM_EXTRA:-} -cp "$FULL_CP" io.dualcore.gateway.DualcoreGatewayApplication \
    >"$OUT/full.log" 2>&1 &
FULL_PID=$!
PIDS+=($FULL_PID)

wait_for() { # url, what, seconds
    local deadline=$((SECONDS + $3))
    until curl -s -o /dev/null "$1"; do
        ((SECONDS < deadline)) || { echo "$2 did not come up in $3 s; see $OUT/*.log" >&2; exit 1; }
        sleep 0.5
    done
}
wait_for "http://127.0.0.1:$ECHO_PORT/" "echo upstream" 60
wait_for "http://127.0.0.1:$BARE_PORT/" "bare gateway" 120
wait_for "http://127.0.0.1:$FULL_PORT/" "full gateway" 120

# ---- targets: name -> pid, url, Authorization header
target_pid() { case $1 in bare_*) echo "$BARE_PID" ;; full_*) echo "$FULL_PID" ;; esac; }
target_url() {
    case $1 in
        bare_public) echo "http://127.0.0.1:$BARE_PORT/api/public/x" ;;
        full_public) echo "http://127.0.0.1:$FULL_PORT/api/public/x" ;;
        bare_edge | bare_edge_tok) echo "http://127.0.0.1:$BARE_PORT/edge/x" ;;
        full_edge_tok) echo "http://127.0.0.1:$FULL_PORT/edge/x" ;;
        *) echo "unknown target $1" >&2; exit 1 ;;
    esac
}
target_auth() { case $1 in *_tok) echo "Authorization: Bearer $EDGE_TOKEN" ;; *) echo "X-Bench: none" ;; esac; }

# every target must answer 200 before anything is measured
for t in $TARGETS; do
    code=$(curl -s -o "$OUT/check-$t.json" -w '%{http_code}' -H "$(target_auth "$t")" "$(target_url "$t")")
    if [[ "$code" != 200 ]]; then
        echo "$t answered $code, not 200:" >&2
        cat "$OUT/check-$t.json" >&2
        exit 1
    fi
done
echo "all targets answer 200"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
CLK_TCK=$(getconf CLK_TCK)

run_wrk() { # target, seconds -> prints "requests cpu_ticks non2xx"
    local t=$1 secs=$2 pid before after out
    pid=$(target_pid "$t")
    before=$(cpu_ticks "$pid")
    out=$(timeout $((secs + 20)) taskset -c "$LOAD_CPU" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" \
        -H "$(target_auth "$t")" "$(target_url "$t")")
    after=$(cpu_ticks "$pid")
    echo "$out" >>"$OUT/wrk-$t.log"
    local requests non2xx
    requests=$(echo "$out" | awk '/requests in/ {print $1}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
    echo "$requests $((after - before)) ${non2xx:-0}"
}

echo "warm-up: ${WARMUP}s per target"
for t in $TARGETS; do
    run_wrk "$t" "$WARMUP" >/dev/null
done

if [[ -n "${JFR:-}" ]]; then
    echo "JFR: recording the full gateway for the measured rounds"
    jcmd "$FULL_PID" JFR.start name=bench settings=profile filename="$OUT/full.jfr" >/dev/null
fi

RESULTS="$OUT/results.tsv"
printf 'round\ttarget\tseconds\trequests\treq_per_s\tcpu_us_per_req\tnon2xx\n' >"$RESULTS"
for r in $(seq 1 "$ROUNDS"); do
    for t in $TARGETS; do
        read -r requests ticks non2xx < <(run_wrk "$t" "$DURATION")
        rps=$(awk -v n="$requests" -v s="$DURATION" 'BEGIN {printf "%.0f", n / s}')
        cpu=$(awk -v c="$ticks" -v hz="$CLK_TCK" -v n="$requests" 'BEGIN {printf "%.1f", c * 1e6 / hz / n}')
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$t" "$DURATION" "$requests" "$rps" "$cpu" "$non2xx" >>"$RESULTS"
        printf 'round %s %-14s %8s req/s  %6s us CPU/req  non-2xx %s\n' "$r" "$t" "$rps" "$cpu" "$non2xx"
    done
done

if [[ -n "${JFR:-}" ]]; then
    jcmd "$FULL_PID" JFR.stop name=bench >/dev/null
    echo "JFR written to $OUT/full.jfr"
fi

# ---- summary: per target, the median over rounds; per pair, the median of the per-round ratios (the two targets
# of a pair run back to back in every round, so a ratio compares like with like on a noisy machine)
echo
echo "summary: median of $ROUNDS rounds x ${DURATION}s, wrk -t$THREADS -c$CONNECTIONS, gateways on cpu $GW_CPU, JVM: $JVM_FLAGS"
awk -F'\t' '
    function median(list,    n, v, i, j, t) {
        n = split(list, v, " ")
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
        return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    NR == 1 { next }
    {
        if (!($2 in idx)) { idx[$2] = ++k; name[k] = $2 }
        rps[$2] = rps[$2] " " $5; cpu[$2] = cpu[$2] " " $6; bad[$2] += $7
        r_rps[$1, $2] = $5; r_cpu[$1, $2] = $6; if ($1 > rounds) rounds = $1
    }
    END {
        printf "%-14s %12s %16s %8s\n", "target", "req/s (med)", "CPU us/req (med)", "non2xx"
        for (i = 1; i <= k; i++) { t = name[i]
            printf "%-14s %12.0f %16.1f %8d\n", t, median(rps[t]), median(cpu[t]), bad[t] }
        print ""
        printf "%-28s %22s %22s\n", "ratio (median of rounds)", "throughput full/bare", "CPU per req full/bare"
        np = split("full_edge_tok:bare_edge full_edge_tok:bare_edge_tok full_public:bare_public", pairs, " ")
        for (p = 1; p <= np; p++) { split(pairs[p], ab, ":"); a = ab[1]; b = ab[2]
            if (!((a in idx) && (b in idx))) continue
            tr = ""; cr = ""
            for (r = 1; r <= rounds; r++) {
                tr = tr " " r_rps[r, a] / r_rps[r, b]; cr = cr " " r_cpu[r, a] / r_cpu[r, b] }
            printf "%-28s %22.3f %22.3f   per round: cpu%s\n", a "/" b, median(tr), median(cr), cr }
    }' "$RESULTS" | tee "$OUT/summary.txt"
echo "raw: $RESULTS, wrk output: $OUT/wrk-*.log"
