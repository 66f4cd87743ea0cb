-- tokens.lua at a fixed offered rate (wrk2-style pacing without wrk2): each request takes the next slot of a
-- schedule of RATE requests per second per wrk thread; a connection waits for its slot. Latency is measured from
-- the actual send, and a schedule that falls behind restarts from now (no coordinated-omission correction as wrk2
-- does), so compare p99 only at a rate every case sustains. The achieved rate is requests / duration.
-- usage: wrk ... -s paced.lua URL -- TOKENS_FILE PATH RATE   (BENCH_LUA_BASE=dpop.lua: DPoP proofs, see there)
dofile(os.getenv("BENCH_LUA_DIR") .. "/" .. (os.getenv("BENCH_LUA_BASE") or "tokens.lua"))

local ffi = require("ffi")
ffi.cdef [[
   typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
   int clock_gettime(int clock_id, bench_timespec *tp);
]]
local now_ts = ffi.new("bench_timespec")
local CLOCK_MONOTONIC = 1
local function now_ms()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, now_ts)
   return tonumber(now_ts.tv_sec) * 1000 + tonumber(now_ts.tv_nsec) / 1e6
end

local interval_ms, next_slot = nil, nil

function pace_init(args)
   local rate = tonumber(args[3])
   if not rate or rate <= 0 then
      error("paced.lua needs a positive RATE (requests per second per thread)")
   end
   interval_ms = 1000 / rate
end

function delay()
   local now = now_ms()
   if not next_slot or next_slot < now then
      next_slot = now
   end
   local wait = next_slot - now
   next_slot = next_slot + interval_ms
   return wait
end
