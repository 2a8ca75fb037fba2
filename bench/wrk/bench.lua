-- One wrk script for every scenario, configured through the environment so
-- that the static-request fast path stays on unless pipelining needs request().
--   WRK_METHOD   GET | POST             WRK_PATH   request path
--   WRK_BODY_BYTES  body size for POST  WRK_CLOSE  "1" → Connection: close
--   WRK_PIPELINE  requests per write (>1 defines request())
-- done() prints one DRIVER_JSON line the harness parses: no scraping of wrk's text.

local method = os.getenv("WRK_METHOD") or "GET"
local path = os.getenv("WRK_PATH") or "/"
local body_bytes = tonumber(os.getenv("WRK_BODY_BYTES") or "0")
local pipeline = tonumber(os.getenv("WRK_PIPELINE") or "1")

wrk.method = method
wrk.path = path
if body_bytes > 0 then
  wrk.body = string.rep("x", body_bytes)
  wrk.headers["Content-Type"] = "application/octet-stream"
end
if os.getenv("WRK_CLOSE") == "1" then
  wrk.headers["Connection"] = "close"
end

if pipeline > 1 then
  local batch
  init = function(args)
    local one = wrk.format(method, path)
    batch = string.rep(one, pipeline)
  end
  request = function()
    return batch
  end
end

-- Latency caveat: wrk corrects for coordinated omission by adding samples
-- spaced by the mean per-connection interval. With pipelining that interval
-- is far below the recorded minimum (latency is recorded per batch), the
-- added samples fall outside [min, max] and latency:percentile() returns 0 or
-- inflated values (wg/wrk#236, #354). The harness reports pipelined latency
-- as not measured. A percentile of 0 is printed as -1 (unknown).
local function percentile(latency, p)
  local v = latency:percentile(p)
  if v == 0 then return -1 end
  return v
end

done = function(summary, latency, requests)
  local e = summary.errors
  local p = { percentile(latency, 50), percentile(latency, 90), percentile(latency, 99) }
  io.write(string.format(
    'DRIVER_JSON {"requests":%d,"bytes":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.bytes, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout,
    p[1], p[2], p[3], latency.max, latency.mean))
end
