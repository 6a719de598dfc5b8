-- wrk script for bench/ingest.py: POST /v1/events, one event per request.
--
-- Arguments (after `--`): API key, run tag, size of the user pool, occurred_at
-- (ISO 8601, UTC), random seed. Event ids are unique across the whole run
-- (tag, thread, counter); users are drawn from the pool, so the same user comes
-- back and fatigue and per-user locking matter. done() prints one line,
-- "FLUIDE_WRK {json}", with the status counts of every thread, wrk's socket
-- errors and timeouts, and latency percentiles in microseconds.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

-- Seven in ten trigger the in-app touchpoint, two the e-mail one (a delivery
-- row), one triggers nothing.
local types = {
  "payment_succeeded", "payment_succeeded", "payment_succeeded", "payment_succeeded",
  "payment_failed", "payment_succeeded", "payment_succeeded",
  "ticket_resolved", "ticket_resolved", "page_viewed",
}

function init(args)
  key, tag, users, occurred = args[1], args[2], tonumber(args[3]), args[4]
  math.randomseed(tonumber(args[5]) * 1000 + tid)
  sent, s2xx, s4xx, s500, s503, s5xx, other = 0, 0, 0, 0, 0, 0, 0
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }
end

function request()
  sent = sent + 1
  local user = math.random(1, users)
  local body = string.format(
    '{"id":"%s-%d-%d","type":"%s","occurred_at":"%s",'
      .. '"user":{"id":"u-%d","email":"u-%d@example.com","locale":"fr"},'
      .. '"properties":{"amount":%d}}',
    tag, tid, sent, types[(sent % 10) + 1], occurred, user, user, sent % 500
  )
  return wrk.format("POST", "/v1/events", headers, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    s2xx = s2xx + 1
  elseif status >= 400 and status < 500 then
    s4xx = s4xx + 1
  elseif status == 500 then
    s500 = s500 + 1
  elseif status == 503 then
    s503 = s503 + 1
  elseif status > 500 then
    s5xx = s5xx + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local parts = {}
  for _, t in ipairs(threads) do
    table.insert(parts, string.format(
      '{"id":%d,"sent":%d,"s2xx":%d,"s4xx":%d,"s500":%d,"s503":%d,"s5xx":%d,"other":%d}',
      t:get("tid"), t:get("sent"), t:get("s2xx"), t:get("s4xx"), t:get("s500"),
      t:get("s503"), t:get("s5xx"), t:get("other")
    ))
  end
  local e = summary.errors
  io.write(string.format(
    'FLUIDE_WRK {"requests":%d,"duration_us":%d,"bytes":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},'
      .. '"threads":[%s]}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, table.concat(parts, ",")
  ))
end
