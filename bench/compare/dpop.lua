-- wrk script of bench/compare.sh's gw_dpop case: every request carries a DPoP-bound token (Authorization: DPoP) and
-- the next unused proof of a file minted ahead (MintTokens / MintDpopProofs), each proof sent at most once: the gateway's
-- replay cache refuses a proof twice. The file is read as a stream (it holds millions of proofs), and where this run
-- stopped is saved for the next wrk run of the case (the warm-up steps, the re-warms and the rounds share one file).
-- A run that runs out of proofs stops and leaves the file EXHAUSTED (compare.sh reports the case), never replays.
-- usage: wrk ... -s dpop.lua URL -- DPOP_DIR PATH        (paced.lua with BENCH_LUA_BASE=dpop.lua adds RATE)
-- DPOP_DIR: tokens.txt ("<token>" per line), proofs.txt ("<token line> <proof>" per line), next (the byte offset of
-- the first unused proof). With THREADS > 1 (BENCH_THREADS), thread k takes the lines k, k + THREADS, ...
dofile(os.getenv("BENCH_LUA_DIR") .. "/tokens.lua")

local tokens_done = done
local tokens, proofs, path = {}, nil, nil
local line_number, stride = 0, tonumber(os.getenv("BENCH_THREADS") or "1")
thread_id, pos, exhausted, dpop_dir = 0, 0, 0, nil -- globals: set by setup(), read by done() through thread:get()

local threads = {}
function setup(thread)
   thread:set("thread_id", #threads)
   table.insert(threads, thread)
end

local function read_offset(file)
   local f = io.open(file, "r")
   if not f then
      return 0
   end
   local offset = tonumber(f:read("*l") or "0") or 0
   f:close()
   return offset
end

function init(args)
   dpop_dir, path = args[1], args[2]
   for line in io.lines(dpop_dir .. "/tokens.txt") do
      if #line > 0 then
         tokens[#tokens + 1] = line
      end
   end
   if #tokens == 0 then
      error("no tokens in " .. dpop_dir .. "/tokens.txt")
   end
   proofs = assert(io.open(dpop_dir .. "/proofs.txt", "rb"))
   pos = read_offset(dpop_dir .. "/next")
   proofs:seek("set", pos)
   pace_init(args)
end

function request()
   while true do
      local line = proofs:read("*l")
      if not line then
         exhausted = 1
         wrk.thread:stop()
         -- no credentials: never a proof twice (the answer counts as unexpected, and compare.sh fails the case)
         return wrk.format("GET", "/bench-dpop-proofs-exhausted")
      end
      pos = pos + #line + 1
      line_number = line_number + 1
      if (line_number - 1) % stride == thread_id then
         local space = line:find(" ", 1, true)
         local token = tokens[tonumber(line:sub(1, space - 1))]
         return wrk.format("GET", path, { ["Authorization"] = "DPoP " .. token, ["DPoP"] = line:sub(space + 1) })
      end
   end
end

function done(summary, latency, requests_)
   tokens_done(summary, latency, requests_)
   local next_pos, out_of_proofs = 0, false
   for _, thread in ipairs(threads) do
      next_pos = math.max(next_pos, thread:get("pos"))
      out_of_proofs = out_of_proofs or thread:get("exhausted") == 1
   end
   local dir_ = threads[1]:get("dpop_dir")
   local f = assert(io.open(dir_ .. "/next", "w"))
   f:write(string.format("%d\n", next_pos))
   f:close()
   if out_of_proofs then
      f = assert(io.open(dir_ .. "/EXHAUSTED", "w"))
      f:write("the proofs ran out at byte " .. next_pos .. "\n")
      f:close()
   end
   io.write(string.format("BENCH_DPOP next_byte=%d exhausted=%d\n", next_pos, out_of_proofs and 1 or 0))
end
