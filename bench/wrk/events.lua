-- wrk script for bench/ingest.py: POST /v1/events, one event per request.
--
-- Arguments (after `--`): API key, run tag, size of the user pool, occurred_at
-- (ISO 8601, UTC), random seed, timeout in ms. Event ids are unique across the
-- whole run (tag, thread, counter); users are drawn from the pool, so the same
-- user comes back and fatigue and per-user locking matter. done() prints one
-- line, "FLUIDE_WRK {json}", with the status counts of every thread, wrk's
-- socket errors and timeouts, and latency percentiles in microseconds.
--
-- wrk counts no timeout for a request the server never answers, so each request's
-- send time is kept by event id (both servers echo "event_id"): an answer later
-- than the timeout is "late", a request still waiting and older than the timeout
-- when the round ends is "held".

local ffi = require("ffi")
ffi.cdef([[
  typedef struct { long tv_sec; long tv_nsec; } fluide_timespec;
  int clock_gettime(int clock, fluide_timespec *ts);
]])
local ts = ffi.new("fluide_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC: the same clock in every thread
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

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
  timeout_ms = tonumber(args[6])
  -- wrk calls request() once per thread before connecting and never sends that one.
  sent, s2xx, s4xx, s500, s503, s5xx, other = -1, 0, 0, 0, 0, 0, 0
  late, no_id = 0, 0
  waiting = {} -- event id -> send time (ms), until its answer
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }
end

function request()
  sent = sent + 1
  local user = math.random(1, users)
  local id = string.format("%s-%d-%d", tag, tid, sent)
  local body = string.format(
    '{"id":"%s","type":"%s","occurred_at":"%s",'
      .. '"user":{"id":"u-%d","email":"u-%d@example.com","locale":"fr"},'
      .. '"properties":{"amount":%d}}',
    id, types[(sent % 10) + 1], occurred, user, user, sent % 500
  )
  if sent > 0 then
    waiting[id] = now_ms()
  end
  return wrk.format("POST", "/v1/events", headers, body)
end

function response(status, headers, body)
  local id = string.match(body, '"event_id":"([^"]*)"')
  local at = id and waiting[id]
  if at then
    waiting[id] = nil
    if now_ms() - at > timeout_ms then
      late = late + 1
    end
  else
    no_id = no_id + 1 -- an error body: done() does not count its request as held
  end
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
  local now = now_ms()
  for _, t in ipairs(threads) do
    local held, limit = 0, t:get("timeout_ms")
    for _, at in pairs(t:get("waiting")) do
      if now - at > limit then
        held = held + 1
      end
    end
    held = math.max(held - t:get("no_id"), 0)
    table.insert(parts, string.format(
      '{"id":%d,"sent":%d,"s2xx":%d,"s4xx":%d,"s500":%d,"s503":%d,"s5xx":%d,"other":%d,'
        .. '"late":%d,"held":%d}',
      t:get("tid"), t:get("sent"), t:get("s2xx"), t:get("s4xx"), t:get("s500"),
      t:get("s503"), t:get("s5xx"), t:get("other"), t:get("late"), held
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
