#!/usr/bin/env bash
# One command, one run, side by side: a bare Spring Cloud Gateway route, SCG + Spring Security's resource server
# (stock and tuned), HAProxy jwt_verify and an nginx proxy as native references, and the packaged Dualcore gateway
# (shipped config/application.yml) with its variants. Writes bench/results/<date>-compare.md (+ .tsv): medians over
# alternating rounds, each case's ratio to the bare route measured in the same round, p99 at half the bare route's
# maximum load, time to ready and to 90% of steady throughput, RSS, and the machine it ran on.
#
#   bench/compare.sh                                  # the real run (~45 min with the defaults; see bench/README.md)
#   WARMUP=5 DURATION=3 ROUNDS=1 bench/compare.sh     # smoke: proves every row end to end (written as SMOKE)
#   CASES="bare gw_shipped gw_no_cache" bench/compare.sh
#   bench/compare.sh --list                           # the cases and what each one is
#   bench/compare.sh --report                         # the report again from target/bench-compare/run/
#
# Method: servers under test pinned to core GW_CPU (taskset), wrk -t1 -c32 + the nginx backend (1 KiB JSON) + the
# static IdP + Redis on core LOAD_CPU; JVMs with JVM_FLAGS; every server gets WARMUP s of its own load before the
# rounds; every request carries one of TOKENS distinct RS256 tokens (round robin) minted here for a local issuer
# whose metadata and JWKS nginx serves (no Keycloak). Only 127.0.0.1. Everything started here is stopped on exit;
# the whole run is bounded by MAX_SECONDS.
set -euo pipefail
set -f # no pathname expansion: gateway arguments such as bandwidths[0] must reach the JVM as written
shopt -s inherit_errexit 2>/dev/null || true

if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    echo "Settings (environment) and every row: bench/README.md"
    exit 0
fi

cd "$(dirname "$0")/.."
ROOT=$(pwd)

# ---------------------------------------------------------------------------------------------------- settings
WARMUP=${WARMUP:-90}                 # seconds of load per JVM before anything is measured
NATIVE_WARMUP=${NATIVE_WARMUP:-10}   # the same for nginx and HAProxy (no JIT), capped at WARMUP
WARMUP_STEP=${WARMUP_STEP:-10}       # warm-up runs in steps of this many seconds: the throughput curve from start
DURATION=${DURATION:-20}             # seconds per measured run
ROUNDS=${ROUNDS:-3}                  # alternating rounds (each round runs every case once, in rotated order)
REWARM=${REWARM:-5}                  # seconds of unrecorded load right before each measured run (a server resumed
                                     # from SIGSTOP needs a few seconds to reach its pace again)
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
P99=${P99:-1}                        # 1: p99 at half the bare route's maximum load, per case
P99_DURATION=${P99_DURATION:-$DURATION}
P99_ROUNDS=${P99_ROUNDS:-3}          # alternating rounds of the p99 phase: one 15 s p99 swings by several ms here
RSS_MINUTES=${RSS_MINUTES:-3}        # load RSS_CASES until they have had this many minutes of load, then read RSS
RSS_CASES=${RSS_CASES:-gw_shipped}
JFR_CASES=${JFR_CASES:-gw_shipped}   # after all measurements: a JFR profile of these cases under the same load
JFR_SECONDS=${JFR_SECONDS:-30}       # 0: no profile
ASYNC_PROFILER=${ASYNC_PROFILER:-}    # path to libasyncProfiler.so: profile JFR_CASES with it (collapsed stacks) instead of JFR
TOKENS=${TOKENS:-1000}
TOKEN_LIFETIME=${TOKEN_LIFETIME:-PT12H}
GW_CPU=${GW_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
JVM_FLAGS=${JVM_FLAGS:-"-Xms512m -Xmx512m -XX:+UseSerialGC"}
GW_EXTRA_ARGS=${GW_EXTRA_ARGS:-}     # appended to every Dualcore gateway case (e.g. a renamed property)
GW_JAR=${GW_JAR:-target/dualcore-gateway.jar}
BASELINE_JAR=${BASELINE_JAR:-}       # case gw_baseline: another build of the gateway (e.g. the previous main), shipped config
READY_TIMEOUT=${READY_TIMEOUT:-180}
MAX_SECONDS=${MAX_SECONDS:-5400}
BUILD=${BUILD:-auto}                 # auto: build when the jar, test classes or classpath are missing or stale; 1; 0
INSTALL=${INSTALL:-auto}             # auto: apt-get install missing tools when root; 0: only say what to install
BASE_PORT=${BASE_PORT:-18400}        # first port tried; every port is checked free before use
OUT=${OUT:-$ROOT/target/bench-compare}
CASES=${CASES:-}                     # space-separated subset (bare is always added); empty: all
LABEL=${LABEL:-}                     # added to the results file name; "smoke" is automatic for short runs
DPOP_RATE=${DPOP_RATE:-4000}         # gw_dpop: the highest req/s expected of it; proofs minted = this x its seconds
                                     # of load x 1.25 (a run that runs out is reported FAILED, never replayed)
DPOP_KEYS=${DPOP_KEYS:-100}          # gw_dpop: ES256 keys, one DPoP-bound token each
DPOP_PROBES=${DPOP_PROBES:-5000}     # gw_dpop: proofs for the script's own probes (readiness polls every 50 ms)

# --------------------------------------------------------------------------------------------------------- cases
# name | kind | path | tokens (good/bad) | expected status | description ; gateway cases add their arguments below
CASE_NAMES=()
declare -A C_KIND C_PATH C_TOKENS C_EXPECT C_DESC C_ARGS C_ENV
defcase() {
    CASE_NAMES+=("$1")
    C_KIND[$1]=$2 C_PATH[$1]=$3 C_TOKENS[$1]=$4 C_EXPECT[$1]=$5 C_DESC[$1]=$6 C_ARGS[$1]=${7:-} C_ENV[$1]=${8:-}
}
UNLIMITED_PLAN="--dualcore.rate-limit.plans.bench-unlimited.bandwidths[0].capacity=1000000000 \
--dualcore.rate-limit.plans.bench-unlimited.bandwidths[0].refill-period=1s \
--dualcore.routes.microservice-core.rate-limit.oidc=bench-unlimited"
# a list property given on the command line replaces the whole list (Spring Boot): both issuers, as shipped, the first
# with introspection; ${...} are resolved by the gateway from the environment start_server sets
INTROSPECTED_ISSUERS='--dualcore.auth.oidc.issuers[0].name=dualcore
--dualcore.auth.oidc.issuers[0].issuer-uri=${OIDC_ISSUER_BASE_URL}/realms/dualcore
--dualcore.auth.oidc.issuers[0].metadata-uri=${KEYCLOAK_URL}/realms/dualcore/.well-known/openid-configuration
--dualcore.auth.oidc.issuers[0].audiences=dualcore-gateway
--dualcore.auth.oidc.issuers[0].introspection.client-id=bench-gateway
--dualcore.auth.oidc.issuers[0].introspection.client-secret=bench-secret
--dualcore.auth.oidc.issuers[0].introspection.cache-ttl=24h
--dualcore.auth.oidc.issuers[1].name=partners
--dualcore.auth.oidc.issuers[1].issuer-uri=${OIDC_ISSUER_BASE_URL}/realms/partners
--dualcore.auth.oidc.issuers[1].metadata-uri=${KEYCLOAK_URL}/realms/partners/.well-known/openid-configuration
--dualcore.auth.oidc.issuers[1].audiences=dualcore-gateway'
defcase bare scg-bare /api/bench good 200 \
    "bare Spring Cloud Gateway route (one Path=/** route, no actuator, no security)"
defcase bare_tuned scg-bare-tuned /api/bench good 200 \
    "  the same bare route given the gateway's transport settings: io_uring where the kernel allows it, one event loop"
defcase bare_epoll scg-bare-epoll /api/bench good 200 \
    "  the same bare route on epoll (io_uring off, as under Docker's and Kubernetes' default seccomp profile), one event loop"
defcase nginx_proxy nginx /api/bench good 200 \
    "nginx reverse proxy, no token check (native reference)"
defcase haproxy_jwt haproxy /api/bench good 200 \
    "HAProxy jwt_verify RS256 + iss/aud/exp checks, every request verified (native reference)"
defcase scg_security_stock scg-security-stock /api/bench good 200 \
    "SCG + Spring Security resource server, stock (default reactive chain, oauth2ResourceServer jwt, issuer-location decoder)"
defcase scg_security_tuned scg-security-tuned /api/bench good 200 \
    "SCG + Spring Security resource server, tuned stateless chain (no session, request cache, CSRF; cached JWKS)"
defcase gw_shipped gateway /api/bench good 200 \
    "Dualcore gateway, packaged jar, shipped config/application.yml"
defcase gw_epoll gateway /api/bench good 200 \
    "  the shipped gateway on epoll (dualcore.transport=epoll): compare with bare_epoll" \
    "--dualcore.transport=epoll"
defcase gw_baseline gateway /api/bench good 200 \
    "  the gateway jar of BASELINE_JAR (another commit, same shipped config): before/after in one run"
defcase gw_image gateway-image /api/bench good 200 \
    "  as the container image runs it (Dockerfile): extracted jar with a class data sharing archive"
defcase gw_quiet gateway /api/bench good 200 \
    "  quiet telemetry: audit lines for denials only, no sampled spans" \
    "--dualcore.telemetry.audit-allowed=false --management.tracing.sampling.probability=0"
defcase gw_no_cache gateway /api/bench good 200 \
    "  verified-token cache off: every request verifies RS256" \
    "--dualcore.auth.cache.enabled=false"
defcase gw_no_revocation gateway /api/bench good 200 \
    "  revocation check off (dualcore.revocation.enabled=false): the cost of the check on every request" \
    "--dualcore.revocation.enabled=false"
defcase gw_local_limit gateway /api/bench good 200 \
    "  + a local rate-limit plan that never limits" "$UNLIMITED_PLAN"
defcase gw_redis_limit gateway /api/bench good 200 \
    "  + the same plan on Redis (bucket4j lettuce)" "$UNLIMITED_PLAN --dualcore.rate-limit.backend=redis" redis
# proofs are minted before the servers start and used until the end of the run: their lifetime covers MAX_SECONDS;
# htu names the external base URL, not the port the gateway gets
DPOP_BASE_URL=http://gateway.bench.test
defcase gw_dpop gateway /api/bench dpop 200 \
    "  + DPoP required on the route (RFC 9449): a DPoP-bound token and a fresh ES256 proof per request, each proof used once" \
    "--dualcore.routes.microservice-core.dpop=required --dualcore.auth.dpop.external-base-url=$DPOP_BASE_URL \
--dualcore.auth.dpop.proof-lifetime=$((MAX_SECONDS + 600))s"
defcase gw_introspect gateway /api/bench good 200 \
    "  + RFC 7662 introspection on the route (introspect: true), warm positive cache, local stub endpoint (no Keycloak)" \
    "--dualcore.routes.microservice-core.introspect=true $INTROSPECTED_ISSUERS"
defcase nginx_authreq nginx-authreq /api/bench good 200 \
    "nginx auth_request to the gateway's decision API (README snippet), nginx proxies to the backend; CPU of both"
defcase nginx_to_gw nginx-gw /api/bench good 200 \
    "nginx proxying to the gateway, which proxies to the backend (the gateway behind nginx); CPU of both"
defcase gw_bad_signature gateway /api/bench bad 401 \
    "  the same tokens with a bad signature: 401 each (reject path)"
defcase gw_unrouted gateway /unrouted/bench good 404 \
    "  a path no route matches: 404"

# Spring ignores properties it does not know: a renamed property would silently turn a variant into the shipped
# gateway. So each variant is checked for an observable effect after its warm-up, and each authenticating case for
# a 401 to a bad signature (a failed check is reported next to the case as a WARNING; fix the arguments above).
declare -A C_CHECK=(
    [haproxy_jwt]="rejects_bad_token"
    [scg_security_stock]="rejects_bad_token"
    [scg_security_tuned]="rejects_bad_token"
    [bare]="stock_transport"
    [bare_tuned]="io_uring"
    [bare_epoll]="epoll"
    [gw_epoll]="log_has rejects_bad_token epoll info_epoll"
    [gw_shipped]="log_has rejects_bad_token io_uring"
    [gw_baseline]="log_has rejects_bad_token io_uring"
    [gw_image]="log_has rejects_bad_token cds_mapped io_uring"
    [gw_quiet]="log_lacks"
    [gw_no_revocation]="log_has no_revocation"
    [nginx_authreq]="log_has rejects_bad_token decision_door"
    [nginx_to_gw]="log_has rejects_bad_token"
    [gw_local_limit]="rate_limit_header"
    [gw_redis_limit]="rate_limit_header redis_keys"
    [gw_dpop]="log_has dpop_replay dpop_required"
)

if [[ "${1:-}" == "--list" ]]; then
    for c in "${CASE_NAMES[@]}"; do
        printf '%-20s %-19s %-16s %-5s %s\n' "$c" "${C_KIND[$c]}" "${C_PATH[$c]}" "${C_EXPECT[$c]}" "${C_DESC[$c]# }"
        [[ -n "${C_ARGS[$c]}" ]] && printf '%20s args: %s\n' "" "${C_ARGS[$c]}"
    done
    exit 0
fi

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { printf 'compare.sh: %s\n' "$*" >&2; exit 1; }

RUN=$OUT/run
TSV=$RUN/runs.tsv
WARM_TSV=$RUN/warmup.tsv
median_of() { # phase case column -> median over that phase's rows
    awk -F'\t' -v phase="$1" -v c="$2" -v col="$3" '
        NR > 1 && $1 == phase && $3 == c && $col != "" { v[++n] = $col + 0 }
        END { if (!n) { print ""; exit }
              for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
              print (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }' "$TSV"
}

# ---------------------------------------------------------------------------------------------------- report
# Everything the report needs is in $RUN (runs.tsv, warmup.tsv, state.env), so `compare.sh --report` can write it
# again from a finished (or interrupted) run.
fmt_int() { [[ -z "$1" ]] && echo "–" || printf "%'.0f" "$1" 2>/dev/null || echo "$1"; }
paired_median() { # phase column case reference ratio|diff -> median over rounds of case vs reference in the same round
    awk -F'\t' -v phase="$1" -v col="$2" -v c="$3" -v ref="$4" -v op="$5" '
        NR > 1 && $1 == phase && $col != "" { x[$2, $3] = $col; rounds[$2] = 1 }
        END { for (r in rounds) if (((r, c) in x) && ((r, ref) in x))
                  if (op == "diff") v[++n] = x[r, c] - x[r, ref]; else if (x[r, ref] > 0) v[++n] = x[r, c] / x[r, ref]
              if (!n) { print ""; exit }
              for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
              m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
              printf (op == "diff" ? "%+.2f" : "%.2f"), m }' "$TSV"
}
ratio_median() { paired_median round 6 "$1" "${2:-bare}" ratio; } # case [reference] -> median of same-round req/s ratios
per_round() { # case column [phase] -> "a / b / c"
    awk -F'\t' -v c="$1" -v col="$2" -v phase="${3:-round}" 'NR > 1 && $1 == phase && $3 == c { s = s (s ? " / " : "") ($col == "" ? "NA" : $col) } END { print s }' "$TSV"
}
p99_delta() { paired_median p99 13 "$1" bare diff; } # case -> median of same-round p99 differences to bare
sum_unexpected() { awk -F'\t' -v c="$1" 'NR > 1 && $3 == c && $1 != "soak" { u += $9; s += $8 } END { printf "%d %d\n", u, s }' "$TSV"; }
time_to_90() { # case steady_rps
    [[ -z "$2" ]] && { echo "–"; return; }
    awk -F'\t' -v c="$1" -v steady="$2" '
        NR > 1 && $1 == c && !found && $5 != "NA" && $5 + 0 >= 0.9 * steady { found = $3 }
        NR > 1 && $1 == c { last = $3 }
        END { if (found) print found; else if (last) print "> " last; else print "–" }' "$WARM_TSV"
}
warm_curve() { awk -F'\t' -v c="$1" 'NR > 1 && $1 == c { s = s (s ? ", " : "") $5 } END { print s }' "$WARM_TSV"; }
mib() { [[ -z "$1" ]] && echo "–" || awk -v k="$1" 'BEGIN {printf "%.0f", k / 1024}'; }


write_report() {
    local STAMP NAME n c desc shipped_ratio med unexp sock bare_p99 p50 p99 got delta sat rss1_note
    STAMP=$(date -u +%Y-%m-%d)
    NAME="$STAMP-compare${LABEL:+-$LABEL}"
    n=1
    while [[ -e "$RESULTS_DIR/$NAME.md" ]]; do n=$((n + 1)); NAME="$STAMP-compare${LABEL:+-$LABEL}-$n"; done
    MD=$RESULTS_DIR/$NAME.md
    cp "$TSV" "$RESULTS_DIR/$NAME.tsv"
    cp "$WARM_TSV" "$RESULTS_DIR/$NAME-warmup.tsv"
    {
        if ((SMOKE)); then
            echo "# SMOKE run: not a measurement"
            echo
            echo "> Warm-up, duration or rounds below the method (WARMUP=$WARMUP, DURATION=$DURATION, ROUNDS=$ROUNDS): this file only"
            echo "> proves that every case runs end to end. Do not quote its numbers."
        else
            echo "# Side-by-side comparison, $(date -u '+%Y-%m-%d %H:%M UTC')"
        fi
        echo
        echo "\`$(printf '%s ' "WARMUP=$WARMUP" "DURATION=$DURATION" "ROUNDS=$ROUNDS" "CONNECTIONS=$CONNECTIONS" "TOKENS=$TOKENS" "RSS_MINUTES=$RSS_MINUTES")bench/compare.sh\`"
        echo "${CASES:+(CASES=\"$CASES\")}"
        echo
        echo "## Machine"
        echo
        echo "| | |"
        echo "|---|---|"
        echo "| CPUs (nproc) | $nproc_n |"
        echo "| CPU model | $(lscpu 2>/dev/null | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}') |"
        echo "| memory | $(free -m | awk '/^Mem:/ {printf "%.1f GiB", $2 / 1024}') |"
        echo "| kernel | $(uname -sr) |"
        echo "| java -version | $(java -version 2>&1 | sed -n '2p') |"
        echo "| HAProxy / nginx / wrk | $haproxy_version / $(nginx -v 2>&1 | sed 's|.*/||') / $(wrk -v 2>&1 | awk 'NR == 1 {print $2}') |"
        echo "| commit | \`${commit:-unknown}\`${dirty:-} |"
        echo "| load average (1, 5, 15 min) at start / end | ${LOAD_START:-?} / ${LOAD_END:-(interrupted)} |"
        echo
        echo "Method: the server under test pinned to CPU $GW_CPU (\`taskset -c $GW_CPU\`); \`wrk -t$THREADS -c$CONNECTIONS\`, the nginx"
        echo "backend (1 KiB JSON), the static IdP (OpenID metadata + JWKS) and Redis on CPU $LOAD_CPU. JVMs: \`$JVM_FLAGS\`."
        echo "Only the server under load runs: every other server under test is stopped (SIGSTOP) during each wrk run, and"
        echo "each measured run follows ${REWARM}s of unrecorded load (a resumed JVM needs a few seconds to reach its pace)."
        echo "Each server got ${WARMUP}s of its own load (nginx and HAProxy: ${NATIVE_WARMUP}s) before the rounds. Every"
        echo "request carries one of $TOKENS distinct RS256 tokens of one trusted issuer, round robin (each reused). $ROUNDS"
        echo "alternating rounds of ${DURATION}s, the order rotated each round; **ratio** = the median over rounds of the case's"
        echo "req/s divided by the bare route's req/s in the same round (for the gateway's variants also to \`gw_shipped\`, its"
        echo "own 200 path). **CPU µs/req** = user + system CPU of the server's"
        echo "process(es) / requests."
        if [[ " ${SELECTED[*]} " == *" gw_dpop "* ]]; then
            echo "\`gw_dpop\` instead carries one of $DPOP_KEYS DPoP-bound tokens and a proof of its key minted ahead, each proof"
            echo "sent once ($DPOP_PROOFS minted for DPOP_RATE=$DPOP_RATE req/s; bench/README.md)."
        fi
        echo
        echo "## Throughput"
        echo
        echo "| case | expects | req/s (median) | ratio to the bare route | ratio to \`gw_shipped\` | CPU µs/req | req/s per round | unexpected answers / socket errors |"
        echo "|---|:---:|---:|---:|---:|---:|---|---|"
        for c in "${SELECTED[@]}"; do
            desc=${C_DESC[$c]}
            [[ "$desc" == "  "* ]] && desc="&nbsp;&nbsp;↳ ${desc#  }"
            if [[ -n "${S_FAIL[$c]:-}" ]]; then
                echo "| \`$c\`: $desc | ${C_EXPECT[$c]} | FAILED: ${S_FAIL[$c]} | | | | | |"
                continue
            fi
            med=$(median_of round "$c" 6)
            read -r unexp sock < <(sum_unexpected "$c")
            [[ -n "${S_WARN[$c]:-}" ]] && desc+=" **WARNING: ${S_WARN[$c]}**"
            shipped_ratio=""
            [[ ${C_KIND[$c]} == gateway* ]] && shipped_ratio=$(ratio_median "$c" gw_shipped)
            echo "| \`$c\`: $desc | ${C_EXPECT[$c]} | $(fmt_int "$med") | $(ratio_median "$c") | ${shipped_ratio:-} | $(median_of round "$c" 10) | $(per_round "$c" 6) | $unexp / $sock |"
        done
        echo
        target_rows=""
        for t in "gw_shipped bare_tuned 0.85 shipped gateway vs the bare route on the same transport (io_uring)" \
            "gw_epoll bare_epoll 0.80 shipped gateway vs the bare route, both on epoll" \
            "gw_no_cache bare_tuned 0.50 cache off (a new identity per request) vs bare_tuned" \
            "gw_local_limit bare_tuned 0.80 local rate limit vs bare_tuned" \
            "gw_redis_limit bare_tuned 0.60 Redis rate limit vs bare_tuned" \
            "gw_bad_signature gw_shipped 1.00 401 path vs the 200 path" \
            "gw_unrouted gw_shipped 1.00 404 path vs the 200 path"; do
            read -r tc tref tmin tdesc <<<"$t"
            [[ " ${ACTIVE[*]} " == *" $tc "* && " ${ACTIVE[*]} " == *" $tref "* ]] || continue
            med=$(ratio_median "$tc" "$tref")
            target_rows+="| $tdesc | \`$tc\` / \`$tref\` | ${med:-–} | ≥ $tmin | $(awk -v m="${med:-0}" -v t="$tmin" 'BEGIN {print (m + 0 >= t) ? "yes" : "no"}') |"$'\n'
        done
        if [[ -n "$target_rows" ]]; then
            echo "## Ratios on the same transport (issue 28 targets)"
            echo
            echo "The median over rounds of the case's req/s divided by its reference's req/s in the same round."
            echo
            echo "| what | case / reference | ratio | target | met |"
            echo "|---|---|---:|---:|:---:|"
            printf '%s' "$target_rows"
            echo
        fi
        echo "## Latency, start-up, memory"
        echo
        if ((P99 == 1)) && ((${HALF_RATE:-0} > 0)); then
            bare_p99=$(median_of p99 bare 13)
            echo "p99 at a fixed offered rate of **$(fmt_int "$HALF_RATE") req/s** (half the bare route's median maximum), ${P99_ROUNDS} alternating"
            echo "rounds of ${P99_DURATION}s per case (order rotated, each after the re-warm); p50/p99 = the median over rounds (p99 per round in"
            echo "brackets), p99 − bare = the median over rounds of the difference to the bare route's p99 in the same round. Paced"
            echo "by \`bench/compare/paced.lua\` (wrk has no fixed-rate mode and Debian has no wrk2: requests follow a schedule, but"
            echo "latency is measured from the actual send, without wrk2's coordinated-omission correction; a case that cannot"
            echo "sustain the rate is marked *saturated* and its p99 is not comparable). Closed-loop p99 at saturation is in the TSV."
        fi
        echo "Ready = from process start to the first expected answer through the route (first JWKS fetch included). 90% ="
        echo "seconds from start until a ${WARMUP_STEP}s warm-up step first reached 90% of the case's median req/s in the rounds."
        echo
        echo "| case | p50 ms | p99 ms | p99 − bare p99 (ms) | achieved req/s | ready (s) | to 90% of steady (s) | RSS after 1 min of load (MiB) | RSS at the end (MiB) / minutes of load | warm-up req/s per ${WARMUP_STEP}s step |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
        for c in "${SELECTED[@]}"; do
            [[ -n "${S_FAIL[$c]:-}" ]] && { echo "| \`$c\` | FAILED | | | | | | | | |"; continue; }
            p50=$(median_of p99 "$c" 11) p99=$(median_of p99 "$c" 13) got=$(median_of p99 "$c" 6)
            delta=""; sat=""
            [[ -n "$p99" && -n "${bare_p99:-}" ]] && delta=$(p99_delta "$c")
            ((P99_ROUNDS > 1)) && [[ -n "$p99" ]] && p99="$p99 ($(per_round "$c" 13 p99))"
            [[ -n "$got" ]] && awk -v g="$got" -v r="$HALF_RATE" 'BEGIN {exit !(g < 0.95 * r)}' && sat=" (saturated)"
            rss1_note=""
            ((${S_RSS1_AT[$c]:-0} < 60)) && rss1_note=" (after ${S_RSS1_AT[$c]:-0}s)"
            echo "| \`$c\` | ${p50:-–} | ${p99:-–} | ${delta:-–} | $(fmt_int "$got")$sat | ${S_READY[$c]} | $(time_to_90 "$c" "$(median_of round "$c" 6)") | $(mib "${S_RSS1[$c]:-}")$rss1_note | $(mib "${S_RSS_END[$c]:-}") / $(awk -v s="${S_LOAD[$c]}" 'BEGIN {printf "%.1f", s / 60}') | $(warm_curve "$c") |"
        done
        echo
        echo "## Cases"
        echo
        echo "| case | server | arguments (Dualcore gateway cases: on top of the shipped \`config/application.yml\`) |"
        echo "|---|---|---|"
        for c in "${SELECTED[@]}"; do
            echo "| \`$c\` | ${C_KIND[$c]} | ${C_ARGS[$c]:+\`${C_ARGS[$c]}\`}${C_ENV[$c]:+ (REDIS_URL=redis://127.0.0.1:port)} |"
        done
        echo
        for c in ${JFR_DONE:-}; do
            cp "$RUN/jfr-$c.txt" "$RESULTS_DIR/$NAME-jfr-$c.txt"
            echo "Profile of \`$c\` after the measurements (JFR \`profile\` settings, ${JFR_SECONDS}s of the same load, summarised by"
            echo "\`bench/jfr-top.sh\`): [\`$NAME-jfr-$c.txt\`]($NAME-jfr-$c.txt); the recording: \`target/bench-compare/run/$c.jfr\`."
            echo
        done
        echo "Raw data: [\`$NAME.tsv\`]($NAME.tsv) (every measured run; phase = round, p99 or soak) and"
        echo "[\`$NAME-warmup.tsv\`]($NAME-warmup.tsv) (the warm-up curve). Logs of the run: \`target/bench-compare/run/\`."
    } >"$MD"
    # the README points at the latest real run
    if ((!SMOKE)) && [[ "$RESULTS_DIR" == "$ROOT/bench/results" ]] && grep -q '<!-- latest-compare -->' bench/README.md; then
        sed -i "s|^.*<!-- latest-compare -->.*\$|Latest results: [\`results/$NAME.md\`](results/$NAME.md) <!-- latest-compare -->|" bench/README.md
    fi
    log "report: $MD"
}
save_state() {
    declare -p WARMUP NATIVE_WARMUP WARMUP_STEP DURATION ROUNDS REWARM CONNECTIONS THREADS P99 P99_DURATION P99_ROUNDS RSS_MINUTES \
        RSS_CASES JFR_SECONDS TOKENS GW_CPU LOAD_CPU JVM_FLAGS CASES SMOKE LABEL RESULTS_DIR HALF_RATE LOAD_START LOAD_END \
        haproxy_version nproc_n commit dirty SELECTED ACTIVE S_READY S_LOAD S_RSS1 S_RSS1_AT S_RSS_END S_FAIL S_WARN \
        JFR_DONE DPOP_KEYS DPOP_RATE DPOP_PROOFS >"$RUN/state.env" 2>/dev/null || true
}

if [[ "${1:-}" == "--report" ]]; then # write the report again from the last run's files
    [[ -f "$RUN/state.env" ]] || die "no $RUN/state.env: no finished run to report on"
    # shellcheck disable=SC1091
    source "$RUN/state.env"
    write_report
    exit 0
fi

SELECTED=()
for c in "${CASE_NAMES[@]}"; do
    # gw_baseline only when asked for by name, with a jar
    [[ $c == gw_baseline && ( -z "$BASELINE_JAR" || " $CASES " != *" $c "* ) ]] && continue
    if [[ -z "$CASES" || "$c" == bare || " $CASES " == *" $c "* ]]; then SELECTED+=("$c"); fi
done
if [[ " ${SELECTED[*]} " == *" gw_baseline "* ]]; then
    [[ -f "$BASELINE_JAR" ]] || { echo "compare.sh: BASELINE_JAR '$BASELINE_JAR' is not a file" >&2; exit 2; }
    BASELINE_JAR=$(readlink -f "$BASELINE_JAR")
fi
for c in $CASES; do
    [[ -n "${C_KIND[$c]:-}" ]] || { echo "compare.sh: unknown case '$c' (see bench/compare.sh --list)" >&2; exit 2; }
done

SMOKE=${SMOKE:-auto} # auto: a run shorter than the method is a smoke run; 0 or 1 to decide
if [[ "$SMOKE" == auto ]]; then SMOKE=$((WARMUP < 60 || DURATION < 10 || ROUNDS < 3 ? 1 : 0)); fi
if ((SMOKE)) && [[ -z "$LABEL" ]]; then LABEL=smoke; fi
# smoke numbers never land in bench/results unless asked for
RESULTS_DIR=${RESULTS_DIR:-$([[ $SMOKE == 1 ]] && echo "$OUT/results" || echo "$ROOT/bench/results")}


# ------------------------------------------------------------------------------------------ processes and cleanup
rm -rf "$RUN"
mkdir -p "$RUN" "$OUT/bin" "$RESULTS_DIR"
PIDS=()
STATE_ON_EXIT=0
cleanup() {
    local pid
    if ((STATE_ON_EXIT)); then # an interrupted run keeps what it measured
        save_state
        echo "compare.sh: stopped early; a report of what was measured: bench/compare.sh --report" >&2
    fi
    thaw
    for pid in "${PIDS[@]:-}"; do [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]:-}"; do
        [[ -z "$pid" ]] && continue
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
}
# Only the server under load runs: every other server under test (and its worker processes) is stopped with SIGSTOP
# for the length of each wrk run, so idle JVMs' timers, GC and JIT threads never take the measured core's time.
FROZEN=""
freeze_others() { # case
    local o p
    for o in "${!S_PID[@]}"; do
        [[ $o == "$1" ]] && continue
        for p in ${S_PID[$o]} ${S_EXTRA[$o]:-} $(pgrep -P "${S_PID[$o]}" 2>/dev/null || true); do
            kill -STOP "$p" 2>/dev/null && FROZEN+="$p "
        done
    done
    return 0
}
thaw() {
    local p
    for p in $FROZEN; do kill -CONT "$p" 2>/dev/null || true; done
    FROZEN=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

MAIN_PID=$$
(
    trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
    sleep "$MAX_SECONDS" &
    sleeper=$!
    wait "$sleeper"
    echo "compare.sh: exceeded MAX_SECONDS=${MAX_SECONDS}s, stopping (raise MAX_SECONDS or lower WARMUP/ROUNDS)" >&2
    kill -TERM "$MAIN_PID"
) </dev/null >/dev/null 2>>"$RUN/watchdog.log" &
PIDS+=($!)

stop_pid() { # pid: TERM, wait up to 5 s, KILL
    local pid=$1
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------------- tools
need_tools=()
for tool in wrk haproxy nginx taskset curl java ss; do command -v "$tool" >/dev/null || need_tools+=("$tool"); done
if ((${#need_tools[@]})); then
    pkgs=$(printf '%s\n' "${need_tools[@]}" | sed 's/^taskset$/util-linux/; s/^ss$/iproute2/; s/^java$/openjdk-17-jdk-headless/' | sort -u | tr '\n' ' ')
    if [[ "$INSTALL" == auto && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        log "installing $pkgs(apt-get)"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs; } >"$RUN/apt.log" 2>&1 \
            || die "apt-get install $pkgs failed; see $RUN/apt.log"
    else
        die "missing tools: ${need_tools[*]}; install them with: apt-get install -y $pkgs(or run as root with INSTALL=auto)"
    fi
fi
# HAProxy gained jwt_verify in 2.5
haproxy_version=$(haproxy -v 2>/dev/null | awk 'NR == 1 {print $3}')
if [[ " ${SELECTED[*]} " == *" haproxy_jwt "* ]]; then
    IFS=. read -r hv_major hv_minor _ <<<"$haproxy_version"
    if ((hv_major < 2 || (hv_major == 2 && hv_minor < 5))); then
        die "HAProxy $haproxy_version has no jwt_verify (needs >= 2.5; Debian 12 ships 2.6); or leave haproxy_jwt out of CASES"
    fi
fi
nproc_n=$(nproc)
((nproc_n >= 2)) || log "WARNING: $nproc_n CPU; the method needs 2 (server under test on GW_CPU, load on LOAD_CPU)"

# ---------------------------------------------------------------------------------------------------- build
CP_FILE=target/bench-compare-cp.txt
needs_build() {
    [[ "$BUILD" == 1 ]] && return 0
    [[ "$BUILD" == 0 ]] && return 1
    [[ -f "$GW_JAR" && -f "$CP_FILE" && -f target/test-classes/dualcore/bench/apps/tokens/MintTokens.class ]] || return 0
    [[ -z $(find src pom.xml config -newer "$GW_JAR" -type f -print -quit) ]] || return 0
    return 1
}
if needs_build; then
    log "building the jar, the test classes and the test classpath (./mvnw package -DskipTests)"
    ./mvnw -B -ntp -q package dependency:build-classpath -DskipTests \
        -Dmdep.includeScope=test -Dmdep.outputFile="$CP_FILE" >"$RUN/build.log" 2>&1 \
        || { tail -40 "$RUN/build.log" >&2; die "build failed; see $RUN/build.log"; }
    touch "$GW_JAR"
fi
[[ -f "$GW_JAR" ]] || die "no $GW_JAR (BUILD=0?)"
DEPS=$(cat "$CP_FILE")
# The benchmark-only apps run from the test classpath without Spring Boot's actuator, metrics, tracing and
# OpenTelemetry modules (what a plain spring-cloud-starter-gateway-server-webflux app has), and without
# target/classes (the gateway's own EnvironmentPostProcessor and classes stay out).
# Netty's io_uring transport is the gateway's dependency, not the starter's: the stock apps run without it (epoll),
# bare_tuned with it and with the gateway's one event loop per processor (the pipeline's cost alone, transport aside).
# grpc-java (the gateway's ext_authz gRPC door) stays out too: a starter app has none, and with it on the class path
# Spring Cloud Gateway's gRPC configuration starts and needs the unshaded grpc-netty (the gateway turns it off).
BENCH_CP="target/test-classes:$(tr ':' '\n' <<<"$DEPS" \
    | grep -Ev '/spring-boot-(actuator|actuator-autoconfigure|health|micrometer-[a-z-]+|opentelemetry|starter-actuator[a-z-]*|starter-opentelemetry)/' \
    | grep -Ev '/netty-transport-(native|classes)-io_uring/' \
    | grep -Ev '/io/grpc/' \
    | paste -sd: -)"
URING_CP=$(tr ':' '\n' <<<"$DEPS" | grep -E '/netty-transport-(native|classes)-io_uring/' | paste -sd: -)
[[ -n "$URING_CP" ]] || die "no netty io_uring jars on the test classpath (pom.xml)"

# ---------------------------------------------------------------------------------------------------- ports
USED_PORTS=" "
port_free() { ! ss -Htln "sport = :$1" 2>/dev/null | grep -q . && [[ "$USED_PORTS" != *" $1 "* ]]; }
NEXT_PORT=$BASE_PORT
alloc_port() { # variable -> a free port, never handed out twice in this run
    while ! port_free "$NEXT_PORT"; do NEXT_PORT=$((NEXT_PORT + 1)); done
    USED_PORTS+="$NEXT_PORT "
    printf -v "$1" '%s' "$NEXT_PORT"
    NEXT_PORT=$((NEXT_PORT + 1))
}

alloc_port BACKEND_PORT
alloc_port IDP_PORT
ISSUER_BASE="http://127.0.0.1:$IDP_PORT"
ISSUER="$ISSUER_BASE/realms/dualcore"

# -------------------------------------------------------------------- the container image's layout (gw_image)
# What the Dockerfile builds, without Docker: the layered extraction merged into one directory, and the class data
# sharing training run (the application context started once with the shipped config, exiting after refresh).
IMAGE_DIR=$RUN/image
if [[ " ${SELECTED[*]} " == *" gw_image "* ]]; then
    log "gw_image: extracting the jar and running the CDS training run, as the Dockerfile does"
    mkdir -p "$IMAGE_DIR" "$RUN/image-build"
    cp "$GW_JAR" "$RUN/image-build/application.jar"
    java -Djarmode=tools -jar "$RUN/image-build/application.jar" extract --layers \
        --destination "$RUN/image-build/extracted" >"$RUN/image-build.log" 2>&1 || die "extract failed; see $RUN/image-build.log"
    for layer in dependencies spring-boot-loader snapshot-dependencies application; do
        cp -r "$RUN/image-build/extracted/$layer/." "$IMAGE_DIR/"
    done
    # as the Dockerfile: the training run on the JDK's provider (ACCP's signed jar crashes JDK 17's dynamic dump)
    env SERVER_PORT=0 MANAGEMENT_PORT=0 REDIS_URL= DUALCORE_CRYPTO_PROVIDER=jdk java -XX:ArchiveClassesAtExit="$IMAGE_DIR/application.jsa" -Xlog:cds=off \
        -Dspring.context.exit=onRefresh -jar "$IMAGE_DIR/application.jar" >>"$RUN/image-build.log" 2>&1 \
        || die "CDS training run failed; see $RUN/image-build.log"
fi

# ------------------------------------------------------------------------------------------- tokens and the IdP
DPOP_DIR=$RUN/dpop
dpop_args=()
if [[ " ${SELECTED[*]} " == *" gw_dpop "* ]]; then
    # every second of load gw_dpop gets: warm-up, re-warms and rounds, p99 rounds, RSS soak and JFR if it is listed
    dpop_seconds=$((WARMUP + ROUNDS * (DURATION + REWARM) + (P99 == 1 ? P99_ROUNDS * (P99_DURATION + REWARM) : 0)))
    [[ " $RSS_CASES " == *" gw_dpop "* ]] && dpop_seconds=$((dpop_seconds + RSS_MINUTES * 60))
    [[ " $JFR_CASES " == *" gw_dpop "* ]] && dpop_seconds=$((dpop_seconds + JFR_SECONDS + REWARM))
    DPOP_PROOFS=$((DPOP_RATE * dpop_seconds * 5 / 4))
    dpop_args=("$DPOP_KEYS" "$DPOP_PROOFS" "$DPOP_PROBES" "$DPOP_BASE_URL${C_PATH[gw_dpop]}")
    log "gw_dpop: minting $DPOP_PROOFS DPoP proofs ($DPOP_RATE req/s x ${dpop_seconds}s of load x 1.25) for $DPOP_KEYS keys"
fi
log "minting $TOKENS RS256 tokens for $ISSUER"
java -cp "$BENCH_CP" dualcore.bench.apps.tokens.MintTokens "$RUN" "$ISSUER_BASE" dualcore,partners \
    dualcore-gateway "$TOKENS" "$TOKEN_LIFETIME" "${dpop_args[@]}" >"$RUN/mint.log" 2>&1 \
    || { cat "$RUN/mint.log" >&2; die "minting failed"; }
GOOD_TOKENS=$RUN/tokens.txt
BAD_TOKENS=$RUN/bad-tokens.txt
FIRST_GOOD=$(head -1 "$GOOD_TOKENS")
FIRST_BAD=$(head -1 "$BAD_TOKENS")
tokens_file() {
    case ${C_TOKENS[$1]} in bad) echo "$BAD_TOKENS" ;; dpop) echo "$DPOP_DIR" ;; *) echo "$GOOD_TOKENS" ;; esac
}
first_token() { [[ ${C_TOKENS[$1]} == bad ]] && echo "$FIRST_BAD" || echo "$FIRST_GOOD"; }
# gw_dpop's probes: the next unused proof of probe-proofs.txt (a counter file: probes run in subshells), with its
# token, as curl arguments on two lines; fails when they ran out
next_probe_proof() {
    local n line
    n=$(cat "$DPOP_DIR/probe-next" 2>/dev/null || echo 0)
    n=$((n + 1))
    echo "$n" >"$DPOP_DIR/probe-next"
    line=$(sed -n "${n}p" "$DPOP_DIR/probe-proofs.txt")
    [[ -n "$line" ]] || return 1
    echo "Authorization: DPoP $(sed -n "${line%% *}p" "$DPOP_DIR/tokens.txt")"
    echo "DPoP: ${line#* }"
}

# 1 KiB of JSON for the backend
json_head='{"service":"bench-backend","padding":"' json_tail='"}'
printf '%s%s%s\n' "$json_head" "$(head -c $((1023 - ${#json_head} - ${#json_tail})) /dev/zero | tr '\0' x)" "$json_tail" \
    >"$RUN/backend.json"

nginx_common() { # prefix
    cat <<EOF
daemon off;
master_process on;
worker_processes 1;
$([[ $(id -u) == 0 ]] && echo "user root;")
pid $RUN/$1.pid;
error_log $RUN/$1-error.log warn;
events { worker_connections 4096; }
EOF
}
nginx_temp() { # prefix
    echo "access_log off; client_body_temp_path $RUN/$1-tmp/body; proxy_temp_path $RUN/$1-tmp/proxy;"
    echo "fastcgi_temp_path $RUN/$1-tmp/fcgi; uwsgi_temp_path $RUN/$1-tmp/uwsgi; scgi_temp_path $RUN/$1-tmp/scgi;"
}
mkdir -p "$RUN/backend-tmp" "$RUN/proxy-tmp"
{
    nginx_common backend
    cat <<EOF
http {
    $(nginx_temp backend)
    keepalive_requests 10000000;
    keepalive_timeout 600s;
    server {
        listen 127.0.0.1:$BACKEND_PORT;
        location / { root $RUN; default_type application/json; try_files /backend.json =404; }
    }
    server {
        listen 127.0.0.1:$IDP_PORT;
        location / { root $RUN/idp; default_type application/json; }
        # RFC 7662 stub (gw_introspect): every token active; the gateway caches the answer per token
        location ~ /protocol/openid-connect/token/introspect\$ { default_type application/json; return 200 '{"active":true}'; }
    }
}
EOF
} >"$RUN/nginx-backend.conf"
log "backend (nginx, 1 KiB JSON) on :$BACKEND_PORT and static IdP on :$IDP_PORT, cpu $LOAD_CPU"
taskset -c "$LOAD_CPU" nginx -e "$RUN/backend-error.log" -c "$RUN/nginx-backend.conf" >"$RUN/backend.log" 2>&1 &
PIDS+=($!)

wait_http() { # url what seconds
    local deadline=$((SECONDS + $3))
    until curl -sf -o /dev/null "$1"; do
        ((SECONDS < deadline)) || die "$2 did not answer in $3 s ($1); see $RUN/"
        sleep 0.2
    done
}
wait_http "http://127.0.0.1:$BACKEND_PORT/x" backend 20
wait_http "$ISSUER/.well-known/openid-configuration" "static IdP" 20

# Redis for the redis case: redis-server from the PATH, else the binary of the embedded-redis test dependency
REDIS_URL_BENCH=""
if [[ " ${SELECTED[*]} " == *" gw_redis_limit "* ]]; then
    redis_bin=$(command -v redis-server || true)
    if [[ -z "$redis_bin" ]]; then
        jar=$(tr ':' '\n' <<<"$DEPS" | grep '/embedded-redis-[0-9.]*\.jar$' | head -1)
        [[ -n "$jar" ]] || die "no redis-server on PATH and no embedded-redis jar on the test classpath"
        case $(uname -m) in x86_64) res=redis-server-6.2.6-v5-linux-amd64 ;; aarch64) res=redis-server-6.2.7-linux-arm64 ;;
            *) die "no embedded redis-server for $(uname -m); put redis-server on PATH" ;; esac
        [[ -x "$OUT/bin/$res" ]] || { unzip -o -q -d "$OUT/bin" "$jar" "$res" && chmod +x "$OUT/bin/$res"; }
        redis_bin=$OUT/bin/$res
    fi
    alloc_port REDIS_PORT
    log "redis ($redis_bin) on :$REDIS_PORT, cpu $LOAD_CPU"
    taskset -c "$LOAD_CPU" "$redis_bin" --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
        --dir "$RUN" >"$RUN/redis.log" 2>&1 &
    PIDS+=($!)
    deadline=$((SECONDS + 20))
    until [[ "$( (exec 3<>/dev/tcp/127.0.0.1/$REDIS_PORT && printf 'PING\r\n' >&3 && timeout 1 head -c 7 <&3) 2>/dev/null)" == +PONG* ]]; do
        ((SECONDS < deadline)) || die "redis did not answer PING; see $RUN/redis.log"
        sleep 0.2
    done
    REDIS_URL_BENCH="redis://127.0.0.1:$REDIS_PORT"
fi

# ------------------------------------------------------------------------------------------- servers under test
declare -A S_PID S_EXTRA S_DPORT S_PORT S_MPORT S_START S_READY S_LOAD S_RSS1 S_RSS1_AT S_FAIL S_RSS_END S_WARN
LOGBACK=$RUN/logback-bench.xml
cat >"$LOGBACK" <<'EOF'
<configuration>
  <include resource="org/springframework/boot/logging/logback/defaults.xml"/>
  <include resource="org/springframework/boot/logging/logback/console-appender.xml"/>
  <root level="INFO"><appender-ref ref="CONSOLE"/></root>
</configuration>
EOF

start_server() { # case -> sets S_PID S_PORT S_START
    local c=$1 port mport kind=${C_KIND[$1]} cls
    alloc_port port
    S_PORT[$c]=$port
    S_START[$c]=$(date +%s.%N)
    case $kind in
        scg-bare | scg-bare-tuned | scg-bare-epoll | scg-security-stock | scg-security-tuned)
            local cp=$BENCH_CP transport=()
            case $kind in
                scg-bare) cls=dualcore.bench.apps.bare.BareRouteApplication ;;
                scg-bare-tuned)
                    cls=dualcore.bench.apps.bare.BareRouteApplication cp="$BENCH_CP:$URING_CP"
                    transport=(-Dreactor.netty.ioWorkerCount="$(taskset -c "$GW_CPU" nproc)") ;;
                scg-bare-epoll) # no io_uring jars on its classpath: Reactor Netty takes epoll
                    cls=dualcore.bench.apps.bare.BareRouteApplication
                    transport=(-Dreactor.netty.ioWorkerCount="$(taskset -c "$GW_CPU" nproc)") ;;
                scg-security-stock) cls=dualcore.bench.apps.security.stock.StockResourceServerApplication ;;
                scg-security-tuned) cls=dualcore.bench.apps.security.tuned.TunedResourceServerApplication ;;
            esac
            # shellcheck disable=SC2086
            taskset -c "$GW_CPU" java $JVM_FLAGS "${transport[@]}" -Dlogback.configurationFile="$LOGBACK" \
                -Dlogging.config="$LOGBACK" -cp "$cp" "$cls" --spring.config.location=optional:classpath:/ \
                --server.port="$port" --server.address=127.0.0.1 \
                --bench.upstream-uri="http://127.0.0.1:$BACKEND_PORT" --bench.issuer-uri="$ISSUER" \
                --bench.jwks-uri="$ISSUER/protocol/openid-connect/certs" >"$RUN/$c.log" 2>&1 &
            ;;
        gateway | gateway-image)
            alloc_port mport
            S_MPORT[$c]=$mport
            local launch=(-jar "$GW_JAR")
            [[ $c == gw_baseline ]] && launch=(-jar "$BASELINE_JAR")
            [[ $kind == gateway-image ]] && launch=(-XX:SharedArchiveFile="$IMAGE_DIR/application.jsa" -jar "$IMAGE_DIR/application.jar")
            # shellcheck disable=SC2086
            env SERVER_PORT="$port" MANAGEMENT_PORT="$mport" \
                MICROSERVICE_CORE_URI="http://127.0.0.1:$BACKEND_PORT" EDGE_CORE_URI="http://127.0.0.1:$BACKEND_PORT" \
                OIDC_ISSUER_BASE_URL="$ISSUER_BASE" KEYCLOAK_URL="$ISSUER_BASE" \
                REDIS_URL="$([[ ${C_ENV[$c]} == redis ]] && echo "$REDIS_URL_BENCH")" \
                taskset -c "$GW_CPU" java $JVM_FLAGS "${launch[@]}" --server.address=127.0.0.1 \
                --management.server.address=127.0.0.1 ${C_ARGS[$c]} $GW_EXTRA_ARGS >"$RUN/$c.log" 2>&1 &
            ;;
        nginx-authreq | nginx-gw)
            # the gateway (shipped config) first, then nginx in front of it, both on GW_CPU
            local gport=$port dport=0 gargs=""
            alloc_port mport
            S_MPORT[$c]=$mport
            if [[ $kind == nginx-gw ]]; then
                alloc_port gport
            else
                alloc_port dport
                S_DPORT[$c]=$dport
                gargs="--dualcore.decision-api.enabled=true --dualcore.decision-api.port=$dport"
                alloc_port gport
            fi
            # shellcheck disable=SC2086
            env SERVER_PORT="$gport" MANAGEMENT_PORT="$mport" \
                MICROSERVICE_CORE_URI="http://127.0.0.1:$BACKEND_PORT" EDGE_CORE_URI="http://127.0.0.1:$BACKEND_PORT" \
                OIDC_ISSUER_BASE_URL="$ISSUER_BASE" KEYCLOAK_URL="$ISSUER_BASE" REDIS_URL= \
                taskset -c "$GW_CPU" java $JVM_FLAGS -jar "$GW_JAR" --server.address=127.0.0.1 \
                --management.server.address=127.0.0.1 $gargs $GW_EXTRA_ARGS >"$RUN/$c.log" 2>&1 &
            S_EXTRA[$c]=$!
            PIDS+=("${S_EXTRA[$c]}")
            mkdir -p "$RUN/proxy-$c-tmp"
            {
                nginx_common "proxy-$c"
                echo "http {"
                nginx_temp "proxy-$c"
                echo "    keepalive_requests 10000000;"
                echo "    keepalive_timeout 600s;"
                if [[ $kind == nginx-gw ]]; then
                    echo "    upstream gateway { server 127.0.0.1:$gport; keepalive 64; keepalive_requests 10000000; }"
                    echo "    server {"
                    echo "        listen 127.0.0.1:$port;"
                    echo "        location / { proxy_pass http://gateway; proxy_http_version 1.1; proxy_set_header Connection \"\"; }"
                    echo "    }"
                else
                    # the README's own snippet, as ForwardAuthProxiesIT runs it: the shipped config is the measured one
                    awk '$0 == "<!-- forward-auth:nginx -->" { m = 1; next }
                         m && /^```/ { if (b) exit; b = 1; next }
                         b { print }' README.md \
                        | sed -e "s/127\.0\.0\.1:8000/127.0.0.1:$port/g" -e "s/127\.0\.0\.1:8082/127.0.0.1:$dport/g" \
                              -e "s/127\.0\.0\.1:9001/127.0.0.1:$BACKEND_PORT/g"
                fi
                echo "}"
            } >"$RUN/$c.conf"
            grep -q "listen 127.0.0.1:$port" "$RUN/$c.conf" || die "no nginx snippet in README.md for $c"
            taskset -c "$GW_CPU" nginx -e "$RUN/$c-error.log" -c "$RUN/$c.conf" >"$RUN/$c-nginx.log" 2>&1 &
            ;;
        nginx)
            {
                nginx_common "proxy-$c"
                cat <<EOF
http {
    $(nginx_temp proxy)
    keepalive_requests 10000000;
    keepalive_timeout 600s;
    upstream backend { server 127.0.0.1:$BACKEND_PORT; keepalive 64; keepalive_requests 10000000; }
    server {
        listen 127.0.0.1:$port;
        location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
    }
}
EOF
            } >"$RUN/$c.conf"
            taskset -c "$GW_CPU" nginx -e "$RUN/$c-error.log" -c "$RUN/$c.conf" >"$RUN/$c.log" 2>&1 &
            ;;
        haproxy)
            cat >"$RUN/$c.cfg" <<EOF
global
    nbthread 1
    maxconn 1024
defaults
    mode http
    option http-keep-alive
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend fe
    bind 127.0.0.1:$port
    http-request set-var(txn.bearer) http_auth_bearer
    http-request set-var(txn.alg) var(txn.bearer),jwt_header_query('\$.alg')
    http-request deny deny_status 401 unless { var(txn.alg) -m str RS256 }
    http-request set-var(txn.iss) var(txn.bearer),jwt_payload_query('\$.iss')
    http-request deny deny_status 401 unless { var(txn.iss) -m str $ISSUER }
    http-request set-var(txn.aud) var(txn.bearer),jwt_payload_query('\$.aud')
    http-request deny deny_status 401 unless { var(txn.aud) -m str dualcore-gateway }
    http-request set-var(txn.exp) var(txn.bearer),jwt_payload_query('\$.exp','int')
    http-request set-var(txn.now) date()
    http-request deny deny_status 401 unless { var(txn.exp),sub(txn.now) -m int gt 0 }
    http-request deny deny_status 401 unless { var(txn.bearer),jwt_verify("RS256","$RUN/public-key.pem") -m int 1 }
    default_backend be
backend be
    server backend 127.0.0.1:$BACKEND_PORT
EOF
            haproxy -c -q -f "$RUN/$c.cfg" >"$RUN/$c-check.log" 2>&1 || { cat "$RUN/$c-check.log" >&2; return 1; }
            taskset -c "$GW_CPU" haproxy -db -f "$RUN/$c.cfg" >"$RUN/$c.log" 2>&1 &
            ;;
        *) die "unknown kind $kind" ;;
    esac
    S_PID[$c]=$!
    PIDS+=("${S_PID[$c]}")
}

server_pids() { # case -> the pids whose CPU and memory count (nginx: master and workers)
    local pid=${S_PID[$1]}
    echo "$pid"
    [[ ${C_KIND[$1]} == nginx* ]] && pgrep -P "$pid" || true
    [[ -n "${S_EXTRA[$1]:-}" ]] && echo "${S_EXTRA[$1]}"
    return 0
}
cpu_ticks() { local t=0 p; for p in $(server_pids "$1"); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }
rss_kb() { local t=0 p; for p in $(server_pids "$1"); do t=$((t + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0))); done; echo "$t"; }
CLK_TCK=$(getconf CLK_TCK)

probe() { # case -> http status of one request
    local auth=("Authorization: Bearer $(first_token "$1")") headers=() h
    if [[ ${C_TOKENS[$1]} == dpop ]]; then
        mapfile -t auth < <(next_probe_proof)
        ((${#auth[@]} == 2)) || { echo "no-probe-proof-left"; return; }
    fi
    for h in "${auth[@]}"; do headers+=(-H "$h"); done
    curl -s -o "$RUN/probe-$1.out" -D "$RUN/probe-$1.headers" -w '%{http_code}' --max-time 5 "${headers[@]}" \
        "http://127.0.0.1:${S_PORT[$1]}${C_PATH[$1]}" || true
}
wait_ready() { # case -> sets S_READY (seconds from start to the first expected answer) or fails
    local c=$1 deadline=$((SECONDS + READY_TIMEOUT)) code
    while :; do
        kill -0 "${S_PID[$c]}" 2>/dev/null || { S_FAIL[$c]="exited during start (see $RUN/$c.log)"; return 1; }
        [[ -z "${S_EXTRA[$c]:-}" ]] || kill -0 "${S_EXTRA[$c]}" 2>/dev/null \
            || { S_FAIL[$c]="its gateway exited during start (see $RUN/$c.log)"; return 1; }
        code=$(probe "$c")
        if [[ "$code" == "${C_EXPECT[$c]}" ]]; then
            S_READY[$c]=$(awk -v a="${S_START[$c]}" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
            return 0
        fi
        if ((SECONDS >= deadline)); then
            S_FAIL[$c]="answered ${code:-nothing}, not ${C_EXPECT[$c]}, within ${READY_TIMEOUT}s (see $RUN/$c.log, $RUN/probe-$c.out)"
            return 1
        fi
        sleep 0.05
    done
}

redis_dbsize() {
    local reply
    reply=$( (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT" && printf 'DBSIZE\r\n' >&3 && timeout 1 head -n 1 <&3) 2>/dev/null || true)
    reply=${reply#:}
    echo "${reply%%[!0-9]*}"
}
check_case() { # case -> sets S_WARN when a variant shows no sign of its settings
    local c=$1 check n problems=()
    for check in ${C_CHECK[$c]:-}; do
        case $check in
            # ECS audit events (logger dualcore.audit): an allowed request is event.outcome "success"
            # one grep, no pipe: with pipefail, grep -q closing a pipe early fails the pipeline (SIGPIPE)
            log_has) grep -q '"logger":"dualcore.audit".*"outcome":"success"' "$RUN/$c.log" || problems+=("no audit line for an allowed request in its log") ;;
            log_lacks) ! grep -q '"logger":"dualcore.audit".*"outcome":"success"' "$RUN/$c.log" || problems+=("audit lines for allowed requests in its log") ;;
            rate_limit_header) grep -qi '^RateLimit-Policy:' "$RUN/probe-$c.headers" || problems+=("no RateLimit-Policy header: no plan applied") ;;
            rejects_bad_token)
                n=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $FIRST_BAD" \
                    "http://127.0.0.1:${S_PORT[$c]}${C_PATH[$c]}" || true)
                [[ "$n" == 401 ]] || problems+=("a bad signature got $n, not 401: is it authenticating at all?") ;;
            io_uring) event_loops "$c" | grep -q 'reactor-http-io' \
                || problems+=("event loops '$(event_loops "$c")', not io_uring: kernel too old or io_uring blocked (seccomp)?") ;;
            epoll) event_loops "$c" | grep -q 'reactor-http-ep' \
                || problems+=("event loops '$(event_loops "$c")', not epoll") ;;
            info_epoll)
                n=$(curl -s --max-time 5 "http://127.0.0.1:${S_MPORT[$c]}/actuator/info" || true)
                grep -q '"transport":{"name":"epoll"' <<<"$n" || problems+=("/actuator/info does not report epoll: $n") ;;
            stock_transport) ! event_loops "$c" | grep -q 'reactor-http-io' || problems+=("the stock app runs on io_uring") ;;
            cds_mapped) grep -q 'application.jsa' "/proc/${S_PID[$c]}/maps" 2>/dev/null || problems+=("the JVM did not map the CDS archive") ;;
            no_revocation)
                n=$(curl -s --max-time 5 "http://127.0.0.1:${S_MPORT[$c]}/actuator/prometheus" || true)
                [[ -n "$n" ]] || problems+=("no metrics from the management port")
                ! grep -q '^dualcore_revocations_active' <<<"$n" || problems+=("revocation metrics present: the check is on") ;;
            decision_door) # the decision API answered (audit lines of the nginx door), not a proxied route
                grep -q '"door":"nginx"' "$RUN/$c.log" || problems+=("no audit line of the nginx door: did nginx ask the decision API?") ;;
            redis_keys) n=$(redis_dbsize); ((${n:-0} > 0)) || problems+=("Redis holds no key: the limit did not use Redis") ;;
            dpop_replay) # one proof twice: 200, then 401 (the replay cache is on the path)
                local auth=() first second
                mapfile -t auth < <(next_probe_proof)
                if ((${#auth[@]} != 2)); then
                    problems+=("no probe proof left for the replay check")
                else
                    first=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "${auth[0]}" -H "${auth[1]}" \
                        "http://127.0.0.1:${S_PORT[$c]}${C_PATH[$c]}" || true)
                    second=$(curl -s -o "$RUN/probe-$c-replay.out" -w '%{http_code}' --max-time 5 -H "${auth[0]}" \
                        -H "${auth[1]}" "http://127.0.0.1:${S_PORT[$c]}${C_PATH[$c]}" || true)
                    [[ "$first/$second" == 200/401 ]] || problems+=("a proof sent twice got $first then $second, not 200 then 401: is DPoP on?")
                fi ;;
            dpop_required) # the bound token as a Bearer token, without a proof: 401
                n=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
                    -H "Authorization: Bearer $(head -1 "$DPOP_DIR/tokens.txt")" "http://127.0.0.1:${S_PORT[$c]}${C_PATH[$c]}" || true)
                [[ "$n" == 401 ]] || problems+=("the bound token without a proof got $n, not 401: is DPoP required?") ;;
        esac
    done
    if ((${#problems[@]})); then
        S_WARN[$c]="check failed: $(IFS=';'; echo "${problems[*]}") (settings renamed? see C_ARGS in compare.sh)"
        log "$c: WARNING: ${S_WARN[$c]}"
    fi
}

event_loops() { # case -> its Reactor Netty event-loop threads, as the kernel names them (15 characters: io_uring
    # loops are reactor-http-io, epoll loops reactor-http-ep), on one line
    local t name names=() # (no glob: the script runs with set -f)
    for t in $(ls "/proc/${S_PID[$1]}/task" 2>/dev/null); do
        read -r name <"/proc/${S_PID[$1]}/task/$t/comm" 2>/dev/null && [[ $name == reactor-http-* ]] && names+=("$name")
    done
    echo "${names[*]:-none}"
}

WRK_LAST=""
run_wrk() { # case seconds [rate] -> WRK_LAST="requests duration_us status_errors socket_errors p50 p90 p99 p999 max cpu_ticks"
    local c=$1 secs=$2 rate=${3:-} lua=tokens.lua base=tokens.lua extra=() before after line
    [[ ${C_TOKENS[$c]} == dpop ]] && lua=dpop.lua base=dpop.lua
    if [[ -n "$rate" ]]; then lua=paced.lua; extra=("$(awk -v r="$rate" -v t="$THREADS" 'BEGIN {printf "%.3f", r / t}')"); fi
    freeze_others "$c"
    before=$(cpu_ticks "$c")
    line=$(BENCH_LUA_DIR="$ROOT/bench/compare" BENCH_LUA_BASE=$base BENCH_THREADS=$THREADS timeout $((secs + 30)) taskset -c "$LOAD_CPU" \
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --timeout 10s -s "$ROOT/bench/compare/$lua" \
        "http://127.0.0.1:${S_PORT[$c]}" -- "$(tokens_file "$c")" "${C_PATH[$c]}" "${extra[@]}" 2>>"$RUN/wrk-$c.err" \
        | tee -a "$RUN/wrk-$c.log" | grep '^BENCH ' || true)
    after=$(cpu_ticks "$c")
    thaw
    S_LOAD[$c]=$(( ${S_LOAD[$c]:-0} + secs ))
    if [[ ${C_TOKENS[$c]} == dpop && -f "$DPOP_DIR/EXHAUSTED" ]]; then
        # never replayed: the run stopped at the last proof; its numbers would mix 200s with refusals
        S_FAIL[$c]="ran out of DPoP proofs ($DPOP_PROOFS minted for DPOP_RATE=$DPOP_RATE req/s): raise DPOP_RATE"
        log "$c: FAILED: ${S_FAIL[$c]}"
        WRK_LAST=""
        return 1
    fi
    if [[ -z "$line" ]]; then WRK_LAST=""; return 1; fi
    WRK_LAST="$(sed -E 's/BENCH //; s/[a-z0-9_]+=//g' <<<"$line") $((after - before))"
}

# one line per measured run: the raw data every table is made of
printf 'phase\tround\tcase\tseconds\trequests\trps\tstatus_errors\tsocket_errors\tunexpected\tcpu_us_per_req\tp50_ms\tp90_ms\tp99_ms\tp999_ms\tmax_ms\toffered_rps\tt_since_start_s\n' >"$TSV"
record() { # phase round case offered -> appends WRK_LAST as a row; echoes rps
    local phase=$1 round=$2 c=$3 offered=${4:-}
    [[ -n "$WRK_LAST" ]] || { printf '%s\t%s\t%s\t\t\t\t\t\t\t\t\t\t\t\t\t%s\t\n' "$phase" "$round" "$c" "$offered" >>"$TSV"; echo NA; return; }
    local t
    t=$(awk -v a="${S_START[$c]}" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
    # shellcheck disable=SC2086
    set -- $WRK_LAST
    awk -v OFS='\t' -v phase="$phase" -v round="$round" -v c="$c" -v expect="${C_EXPECT[$c]}" -v hz="$CLK_TCK" \
        -v offered="$offered" -v t="$t" -v n="$1" -v dur="$2" -v serr="$3" -v sock="$4" -v p50="$5" -v p90="$6" \
        -v p99="$7" -v p999="$8" -v max="$9" -v ticks="${10}" 'BEGIN {
            rps = n / (dur / 1e6)
            unexpected = (expect == 200) ? serr : n - serr
            cpu = n > 0 ? ticks * 1e6 / hz / n : 0
            print phase, round, c, sprintf("%.1f", dur / 1e6), n, sprintf("%.0f", rps), serr, sock, unexpected,
                sprintf("%.1f", cpu), sprintf("%.2f", p50 / 1e3), sprintf("%.2f", p90 / 1e3), sprintf("%.2f", p99 / 1e3),
                sprintf("%.2f", p999 / 1e3), sprintf("%.2f", max / 1e3), offered, t
            }' | tee -a "$TSV" | awk -F'\t' '{print $6}'
}

# ------------------------------------------------------------------------------------------------ plan and budget
n_jvm=0 n_native=0
for c in "${SELECTED[@]}"; do case ${C_KIND[$c]} in nginx | haproxy) n_native=$((n_native + 1)) ;; *) n_jvm=$((n_jvm + 1)) ;; esac; done
NATIVE_WARMUP=$((NATIVE_WARMUP < WARMUP ? NATIVE_WARMUP : WARMUP))
estimate=$((n_jvm * (WARMUP + 20) + n_native * (NATIVE_WARMUP + 2) + ${#SELECTED[@]} * ROUNDS * (DURATION + REWARM + 2)
    + (P99 == 1 ? ${#SELECTED[@]} * P99_ROUNDS * (P99_DURATION + REWARM + 2) : 0) + RSS_MINUTES * 60 + JFR_SECONDS + 40))
log "cases: ${SELECTED[*]}"
log "plan: warm-up ${WARMUP}s per JVM, ${ROUNDS} rounds x ${DURATION}s, wrk -t$THREADS -c$CONNECTIONS; about $((estimate / 60)) min (MAX_SECONDS=$MAX_SECONDS)"
((estimate < MAX_SECONDS)) || die "the plan needs about ${estimate}s, more than MAX_SECONDS=$MAX_SECONDS: raise MAX_SECONDS"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo " (with uncommitted changes)" || true)
STATE_ON_EXIT=1

# ------------------------------------------------------------- start and warm up, one server at a time
printf 'case\tstep\tt_since_start_s\tload_s\trps\n' >"$WARM_TSV"
ACTIVE=()
for c in "${SELECTED[@]}"; do
    log "$c: starting (${C_KIND[$c]}) on cpu $GW_CPU"
    if ! start_server "$c"; then S_FAIL[$c]=${S_FAIL[$c]:-"did not start (see $RUN/$c*.log)"}; log "$c: FAILED: ${S_FAIL[$c]}"; continue; fi
    if ! wait_ready "$c"; then
        log "$c: FAILED: ${S_FAIL[$c]}"; stop_pid "${S_PID[$c]}"; [[ -z "${S_EXTRA[$c]:-}" ]] || stop_pid "${S_EXTRA[$c]}"
        [[ $c == bare ]] && die "the bare route is the reference of every ratio and did not come up"
        continue
    fi
    warm=$WARMUP
    [[ ${C_KIND[$c]} == nginx || ${C_KIND[$c]} == haproxy ]] && warm=$NATIVE_WARMUP
    log "$c: ready in ${S_READY[$c]}s; warming up ${warm}s"
    step=0 done_s=0
    while ((done_s < warm)); do
        s=$((warm - done_s < WARMUP_STEP ? warm - done_s : WARMUP_STEP))
        step=$((step + 1))
        if run_wrk "$c" "$s"; then
            set -- $WRK_LAST
            rps=$(awk -v n="$1" -v d="$2" 'BEGIN {printf "%.0f", n / (d / 1e6)}')
        else
            rps=NA
        fi
        done_s=$((done_s + s))
        t=$(awk -v a="${S_START[$c]}" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
        printf '%s\t%s\t%s\t%s\t%s\n' "$c" "$step" "$t" "${S_LOAD[$c]}" "$rps" >>"$WARM_TSV"
        if [[ -z "${S_RSS1[$c]:-}" ]] && ((S_LOAD[$c] >= 60 || done_s >= warm)); then
            S_RSS1[$c]=$(rss_kb "$c") S_RSS1_AT[$c]=${S_LOAD[$c]}
        fi
    done
    code=$(probe "$c")
    if [[ "$code" != "${C_EXPECT[$c]}" ]]; then
        S_FAIL[$c]="answered $code after the warm-up, not ${C_EXPECT[$c]} (see $RUN/probe-$c.out)"
        log "$c: FAILED: ${S_FAIL[$c]}"; stop_pid "${S_PID[$c]}"; [[ -z "${S_EXTRA[$c]:-}" ]] || stop_pid "${S_EXTRA[$c]}"; continue
    fi
    check_case "$c"
    ACTIVE+=("$c")
done
[[ " ${ACTIVE[*]} " == *" bare "* ]] || die "the bare route failed; nothing to compare with"

# ------------------------------------------------------------------------------------------ alternating rounds
n_active=${#ACTIVE[@]}
for r in $(seq 1 "$ROUNDS"); do
    for i in $(seq 0 $((n_active - 1))); do
        c=${ACTIVE[$(((i + r - 1) % n_active))]}
        ((REWARM > 0)) && { run_wrk "$c" "$REWARM" || true; }
        run_wrk "$c" "$DURATION" || true
        rps=$(record round "$r" "$c")
        log "round $r/$ROUNDS $(printf '%-20s' "$c") $rps req/s"
    done
done

# ------------------------------------------------------------------------ p99 at half the bare route's maximum
BARE_MAX=$(median_of round bare 6)
HALF_RATE=$(awk -v m="${BARE_MAX:-0}" 'BEGIN {printf "%.0f", m / 2}')
if ((P99 == 1)) && ((HALF_RATE > 0)); then
    for r in $(seq 1 "$P99_ROUNDS"); do
        for i in $(seq 0 $((n_active - 1))); do
            c=${ACTIVE[$(((i + r - 1) % n_active))]}
            ((REWARM > 0)) && { run_wrk "$c" "$REWARM" || true; }
            run_wrk "$c" "$P99_DURATION" "$HALF_RATE" || true
            rps=$(record p99 "$r" "$c" "$HALF_RATE")
            log "p99 round $r/$P99_ROUNDS at $HALF_RATE req/s offered: $(printf '%-20s' "$c") achieved $rps req/s"
        done
    done
fi

# ------------------------------------------------------------------------------------ RSS after longer load
for c in $RSS_CASES; do
    [[ " ${ACTIVE[*]} " == *" $c "* ]] || continue
    while ((S_LOAD[$c] < RSS_MINUTES * 60)); do
        left=$((RSS_MINUTES * 60 - S_LOAD[$c]))
        s=$((left < 60 ? left : 60))
        run_wrk "$c" "$s" || true
        rps=$(record soak 1 "$c")
        log "$c: load for RSS, $((S_LOAD[$c]))s of $((RSS_MINUTES * 60))s, $rps req/s, RSS $(($(rss_kb "$c") / 1024)) MiB"
    done
done
for c in "${ACTIVE[@]}"; do S_RSS_END[$c]=$(rss_kb "$c"); done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------- a profile, after everything
JFR_DONE=""
if ((JFR_SECONDS > 0)); then
    for c in $JFR_CASES; do
        [[ " ${ACTIVE[*]} " == *" $c "* && ${C_KIND[$c]} != nginx && ${C_KIND[$c]} != haproxy ]] || continue
        rm -f "$RUN/$c.jfr"
        ((REWARM > 0)) && { run_wrk "$c" "$REWARM" || true; }
        if [[ -n $ASYNC_PROFILER ]]; then
            # async-profiler instead of JFR: CPU samples every 1 ms (itimer: no perf_events needed), collapsed stacks
            rm -f "$RUN/$c.collapsed"
            jcmd "${S_PID[$c]}" JVMTI.agent_load "$ASYNC_PROFILER" "\"start,event=itimer,interval=1ms\"" >"$RUN/jfr-$c.log" 2>&1 || continue
            run_wrk "$c" "$JFR_SECONDS" || true
            rps=$(record jfr 1 "$c")
            jcmd "${S_PID[$c]}" JVMTI.agent_load "$ASYNC_PROFILER" "\"stop,file=$RUN/$c.collapsed,collapsed\"" >>"$RUN/jfr-$c.log" 2>&1 || continue
            log "$c: async-profiler ${JFR_SECONDS}s ($rps req/s under the profiler): $RUN/$c.collapsed"
            continue
        fi
        jcmd "${S_PID[$c]}" JFR.start name=bench settings=profile filename="$RUN/$c.jfr" >"$RUN/jfr-$c.log" 2>&1 || continue
        run_wrk "$c" "$JFR_SECONDS" || true
        rps=$(record jfr 1 "$c")
        jcmd "${S_PID[$c]}" JFR.stop name=bench >>"$RUN/jfr-$c.log" 2>&1 || continue
        if bench/jfr-top.sh "$RUN/$c.jfr" >"$RUN/jfr-$c.txt" 2>>"$RUN/jfr-$c.log"; then
            JFR_DONE+="$c "
            log "$c: JFR profile of ${JFR_SECONDS}s ($rps req/s under JFR): $RUN/jfr-$c.txt"
        fi
    done
fi

save_state
STATE_ON_EXIT=0
write_report
echo
sed -n '/^## Throughput/,/^## Cases/p' "$MD" | sed '$d'
