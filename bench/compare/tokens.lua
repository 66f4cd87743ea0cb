-- wrk script of bench/compare.sh: every request carries the next of N bearer tokens (round robin), so N distinct
-- tokens are each reused. Prints one machine-readable line at the end:
--   BENCH requests=.. duration_us=.. status_errors=.. socket_errors=.. p50_us=.. p90_us=.. p99_us=.. p999_us=.. max_us=..
-- usage: wrk ... -s tokens.lua URL -- TOKENS_FILE PATH
-- (status_errors counts responses >= 400: every request of a 401/404 case, none of a 200 case)
local requests, count, index = {}, 0, 0

function init(args)
   local file, path = args[1], args[2]
   for line in io.lines(file) do
      if #line > 0 then
         count = count + 1
         requests[count] = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. line })
      end
   end
   if count == 0 then
      error("no tokens in " .. tostring(file))
   end
   index = math.random(count) - 1
   pace_init(args)
end

function pace_init(args) end

function request()
   index = index % count + 1
   return requests[index]
end

function done(summary, latency, requests_)
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d status_errors=%d socket_errors=%d p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d\n",
      summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max))
end
