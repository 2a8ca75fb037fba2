-- wrk script for spec/interop/wrk.spec.ts: pipelines DEPTH GET requests per
-- write (wrk then reads DEPTH responses), counts every response whose
-- status is not 2xx, and prints one machine-readable summary line.

local DEPTH = 8
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  responses = 0
  non2xx = 0
  local batch = {}
  for i = 1, DEPTH do
    batch[i] = wrk.format("GET", "/pipelined/" .. i, { ["X-Depth"] = tostring(DEPTH) })
  end
  pipelined = table.concat(batch)
end

function request()
  return pipelined
end

function response(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local total, bad = 0, 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("responses")
    bad = bad + thread:get("non2xx")
  end
  local e = summary.errors
  io.write(string.format(
    "INTEROP depth=%d requests=%d responses=%d non2xx=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    DEPTH, summary.requests, total, bad, e.connect, e.read, e.write, e.status, e.timeout))
end
