#!/usr/bin/env bash
# Warm-up curves of the packaged gateway under JVM flag variants (issue 28): how many seconds of load the shipped
# jar, pinned to one core as bench/compare.sh pins it, needs to reach its steady throughput, per set of JVM flags.
#
# Each variant is started alone (taskset -c GW_CPU), loaded with wrk (-t1 -c32, LOAD_CPU) in STEP-second steps for
# SECONDS_PER_RUN seconds, then stopped; the variants run one after the other, REPEATS times, the order rotated each
# repeat, so that the curves compared were measured minutes apart on the same machine. The same setup as
# compare.sh: nginx serving 1 KiB of JSON and the static IdP, 1,000 RS256 tokens (MintTokens), round robin.
#
#   bench/warmup.sh                                   # the default variants, 3 minutes each, 2 repeats (~25 min)
#   VARIANTS='default=|c1=-XX:TieredStopAtLevel=1' SECONDS_PER_RUN=120 REPEATS=1 bench/warmup.sh
#
# VARIANTS: name=flags pairs separated by '|'; '@CDS@' in the flags is replaced by the CDS launch of the container
# image (the jar extracted, a training run with -XX:ArchiveClassesAtExit, as the Dockerfile builds it).
# Output: $OUT/warmup.tsv (variant, repeat, second of load at the step's end, req/s, CPU us per request) and a
# summary per run: the steady rate (median of the last 60 s) and the first step at >= 90% of it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
GW_CPU=${GW_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-180}
STEP=${STEP:-10}
REPEATS=${REPEATS:-2}
CONNECTIONS=${CONNECTIONS:-32}
TOKENS=${TOKENS:-1000}
JVM_FLAGS=${JVM_FLAGS:-"-Xms512m -Xmx512m -XX:+UseSerialGC"}
GW_JAR=${GW_JAR:-target/dualcore-gateway.jar}
CP_FILE=${CP_FILE:-target/bench-cp.txt}
OUT=${OUT:-target/bench-warmup}
BASE_PORT=${BASE_PORT:-18600}
VARIANTS=${VARIANTS:-"default=|c1_only=-XX:TieredStopAtLevel=1|cds=@CDS@|cds_pretouch=@CDS@ -XX:+AlwaysPreTouch"}

die() { echo "warmup: $*" >&2; exit 1; }
log() { echo "$(date +%T) $*" >&2; }
[[ -f "$GW_JAR" ]] || die "no $GW_JAR: ./mvnw -B -q package -DskipTests"
[[ -f "$CP_FILE" ]] || die "no $CP_FILE (bench/README.md: dependency:build-classpath)"
for tool in wrk nginx taskset curl; do command -v "$tool" >/dev/null || die "needs $tool"; done

RUN=$OUT/run
rm -rf "$RUN"
mkdir -p "$RUN/backend-tmp"
PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

port=$BASE_PORT
next_port() { # variable -> a free port, never handed out twice
    while ss -Htln "sport = :$port" | grep -q .; do port=$((port + 1)); done
    printf -v "$1" '%s' "$port"
    port=$((port + 1))
}
next_port BACKEND_PORT
next_port IDP_PORT
ISSUER_BASE="http://127.0.0.1:$IDP_PORT"

log "minting $TOKENS tokens"
java -cp "target/test-classes:$(cat "$CP_FILE")" dualcore.bench.apps.tokens.MintTokens "$RUN" "$ISSUER_BASE" \
    dualcore,partners dualcore-gateway "$TOKENS" PT12H >"$RUN/mint.log" 2>&1 || die "minting failed: $RUN/mint.log"
printf '{"service":"bench-backend","padding":"%s"}\n' "$(head -c 990 /dev/zero | tr '\0' x)" >"$RUN/backend.json"
cat >"$RUN/nginx.conf" <<EOF
daemon off;
worker_processes 1;
$([[ $(id -u) == 0 ]] && echo "user root;")
pid $RUN/nginx.pid;
error_log $RUN/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off; client_body_temp_path $RUN/backend-tmp/body; proxy_temp_path $RUN/backend-tmp/proxy;
    fastcgi_temp_path $RUN/backend-tmp/fcgi; uwsgi_temp_path $RUN/backend-tmp/uwsgi; scgi_temp_path $RUN/backend-tmp/scgi;
    keepalive_requests 10000000;
    keepalive_timeout 600s;
    server { listen 127.0.0.1:$BACKEND_PORT; location / { root $RUN; default_type application/json; try_files /backend.json =404; } }
    server { listen 127.0.0.1:$IDP_PORT; location / { root $RUN/idp; default_type application/json; } }
}
EOF
taskset -c "$LOAD_CPU" nginx -e "$RUN/nginx-error.log" -c "$RUN/nginx.conf" >"$RUN/nginx.log" 2>&1 &
PIDS+=($!)

IMAGE_DIR=$RUN/image
if [[ "$VARIANTS" == *@CDS@* ]]; then
    log "extracting the jar and training the CDS archive, as the Dockerfile does"
    mkdir -p "$IMAGE_DIR" "$RUN/image-build"
    cp "$GW_JAR" "$RUN/image-build/application.jar"
    java -Djarmode=tools -jar "$RUN/image-build/application.jar" extract --layers \
        --destination "$RUN/image-build/extracted" >"$RUN/image-build.log" 2>&1 || die "extract failed"
    for layer in dependencies spring-boot-loader snapshot-dependencies application; do
        cp -r "$RUN/image-build/extracted/$layer/." "$IMAGE_DIR/"
    done
    env SERVER_PORT=0 MANAGEMENT_PORT=0 REDIS_URL= java -XX:ArchiveClassesAtExit="$IMAGE_DIR/application.jsa" \
        -Xlog:cds=off -Dspring.context.exit=onRefresh -jar "$IMAGE_DIR/application.jar" >>"$RUN/image-build.log" 2>&1 \
        || die "CDS training run failed: $RUN/image-build.log"
fi

TSV=$OUT/warmup.tsv
printf 'variant\trepeat\tload_s\trps\tcpu_us_per_req\tstatus_errors\tsocket_errors\n' >"$TSV"
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

IFS='|' read -r -a SPECS <<<"$VARIANTS"
run_variant() { # name flags repeat
    local name=$1 flags=$2 repeat=$3 gport mport pid launch deadline t before after line n d serr sock
    next_port gport
    next_port mport
    launch="-jar $GW_JAR"
    if [[ "$flags" == *@CDS@* ]]; then
        flags=${flags//@CDS@/}
        launch="-XX:SharedArchiveFile=$IMAGE_DIR/application.jsa -jar $IMAGE_DIR/application.jar"
    fi
    # shellcheck disable=SC2086
    env SERVER_PORT="$gport" MANAGEMENT_PORT="$mport" REDIS_URL= \
        MICROSERVICE_CORE_URI="http://127.0.0.1:$BACKEND_PORT" EDGE_CORE_URI="http://127.0.0.1:$BACKEND_PORT" \
        OIDC_ISSUER_BASE_URL="$ISSUER_BASE" KEYCLOAK_URL="$ISSUER_BASE" \
        taskset -c "$GW_CPU" java $JVM_FLAGS $flags $launch --server.address=127.0.0.1 \
        --management.server.address=127.0.0.1 >"$RUN/$name-$repeat.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    deadline=$((SECONDS + 180))
    until [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $(head -1 "$RUN/tokens.txt")" \
        "http://127.0.0.1:$gport/api/bench" || true) == 200 ]]; do
        ((SECONDS < deadline)) && kill -0 "$pid" 2>/dev/null || { kill "$pid" 2>/dev/null; die "$name did not get ready: $RUN/$name-$repeat.log"; }
        sleep 0.1
    done
    log "$name (repeat $repeat) ready; ${SECONDS_PER_RUN}s of load in ${STEP}s steps"
    for ((t = STEP; t <= SECONDS_PER_RUN; t += STEP)); do
        before=$(cpu_ticks "$pid")
        line=$(BENCH_LUA_DIR="$ROOT/bench/compare" taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"${STEP}s" \
            --timeout 10s -s "$ROOT/bench/compare/tokens.lua" "http://127.0.0.1:$gport" -- "$RUN/tokens.txt" /api/bench \
            2>>"$RUN/wrk.err" | grep '^BENCH ' || true)
        after=$(cpu_ticks "$pid")
        # BENCH requests=.. duration_us=.. status_errors=.. socket_errors=.. (tokens.lua)
        read -r n d serr sock _ <<<"$(sed -E 's/BENCH //; s/[a-z0-9_]+=//g' <<<"${line:-BENCH 0 1 0 0}")"
        awk -v OFS='\t' -v v="$name" -v r="$repeat" -v t="$t" -v n="$n" -v d="$d" -v ticks=$((after - before)) \
            -v hz="$CLK_TCK" -v serr="$serr" -v sock="$sock" 'BEGIN { print v, r, t, sprintf("%.0f", n / (d / 1e6)),
                (n > 0) ? sprintf("%.1f", ticks * 1e6 / hz / n) : "NA", serr, sock }' >>"$TSV"
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

for ((r = 1; r <= REPEATS; r++)); do
    for ((i = 0; i < ${#SPECS[@]}; i++)); do
        spec=${SPECS[$(((i + r - 1) % ${#SPECS[@]}))]}
        run_variant "${spec%%=*}" "${spec#*=}" "$r"
    done
done

# per run: steady = median req/s of the last 60 s; the first step at >= 90% of it; the curve
awk -F'\t' -v step="$STEP" 'NR > 1 { key = $1 "\t" $2; if (!(key in seen)) { seen[key] = 1; order[++k] = key }
        n[key]++; rps[key, n[key]] = $4; cpu[key, n[key]] = $5; errors[key] += $6 + $7 }
    END { print "variant\trepeat\tsteady_rps\tto_90pct_s\tcpu_us_last_step\terrors\tcurve (req/s per " step " s step)"
        for (i = 1; i <= k; i++) { key = order[i]; m = n[key]; w = int(60 / step); if (w > m) w = m
            c = 0; for (j = m - w + 1; j <= m; j++) v[++c] = rps[key, j] + 0
            for (a = 1; a <= c; a++) for (b = a + 1; b <= c; b++) if (v[b] < v[a]) { x = v[a]; v[a] = v[b]; v[b] = x }
            steady = (c % 2) ? v[(c + 1) / 2] : (v[c / 2] + v[c / 2 + 1]) / 2
            first = "> " m * step; for (j = 1; j <= m; j++) if (rps[key, j] >= 0.9 * steady) { first = j * step; break }
            curve = ""; for (j = 1; j <= m; j++) curve = curve (j > 1 ? " " : "") rps[key, j]
            printf "%s\t%.0f\t%s\t%s\t%d\t%s\n", key, steady, first, cpu[key, m], errors[key], curve } }' "$TSV" | tee "$OUT/warmup-summary.tsv"
