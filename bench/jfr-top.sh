#!/usr/bin/env bash
# Summarises the execution samples of a JFR recording (e.g. target/bench-e2e/full.jfr from `JFR=1 bench/e2e.sh`):
#   top self frames (where the CPU is), and inclusive shares of frames matching a pattern (default: Dualcore code).
#   bench/jfr-top.sh target/bench-e2e/full.jfr [inclusive-regex] [top-n]
set -euo pipefail
FILE=$1
PATTERN=${2:-'^io\.dualcore\.'}
TOP=${3:-25}
jfr print --events jdk.ExecutionSample --stack-depth 256 "$FILE" | awk -v pattern="$PATTERN" -v top="$TOP" '
    function method(line) { sub(/^[ \t]+/, "", line); sub(/[ \t]+line:.*$/, "", line); return line }
    /stackTrace = \[/ { in_stack = 1; depth = 0; delete seen; next }
    in_stack && /^[ \t]*\]/ { in_stack = 0; samples++; next }
    in_stack {
        m = method($0)
        if (m == "..." || m == "") next
        if (depth == 0) self[m]++
        depth++
        if (m ~ pattern && !(m in seen)) { seen[m] = 1; incl[m]++ }
        # one bucket per sample for "any frame matches"
        if (m ~ pattern && !any_seen) { any_seen = 1 }
        next
    }
    /^jdk.ExecutionSample/ { if (any_seen) any++; any_seen = 0 }
    END {
        if (any_seen) any++
        printf "samples: %d; samples with a frame matching /%s/: %d (%.1f%%)\n\n", samples, pattern, any, 100 * any / samples
        printf "top self frames:\n"
        n = 0; for (m in self) { keys[++n] = m }
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (self[keys[j]] > self[keys[i]]) { t = keys[i]; keys[i] = keys[j]; keys[j] = t }
        for (i = 1; i <= n && i <= top; i++) printf "%6.2f%%  %6d  %s\n", 100 * self[keys[i]] / samples, self[keys[i]], keys[i]
        printf "\ninclusive, frames matching /%s/:\n", pattern
        n = 0; delete keys; for (m in incl) { keys[++n] = m }
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (incl[keys[j]] > incl[keys[i]]) { t = keys[i]; keys[i] = keys[j]; keys[j] = t }
        for (i = 1; i <= n && i <= top; i++) printf "%6.2f%%  %6d  %s\n", 100 * incl[keys[i]] / samples, incl[keys[i]], keys[i]
    }'
