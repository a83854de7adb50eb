-- wrk script for bench/intake.py: POST /sms/inbound with precomputed signed bodies.
--
-- wrk -s bench/intake.lua URL -- FILE THREADS
-- FILE holds one request per line, "<X-Signature> <JSON body>". Thread k of THREADS sends
-- lines k, k + THREADS, k + 2 * THREADS, ... once each; past its last line it starts over
-- and counts repeats (a repeat is a provider's retry, cheaper than a new message: the bench
-- reports how many there were). done() prints one line "WRK {json}" for bench/intake.py.

local threads = {}
local count = 0

function setup(thread)
  thread:set("id", count)
  table.insert(threads, thread)
  count = count + 1
end

function init(args)
  local every = tonumber(args[2])
  local headers = { ["Content-Type"] = "application/json" }
  prepared = {}
  local line_no = 0
  for line in io.lines(args[1]) do
    if line_no % every == id then
      local signature, body = line:match("^(%S+) (.*)$")
      headers["X-Signature"] = signature
      prepared[#prepared + 1] = wrk.format("POST", "/sms/inbound", headers, body)
    end
    line_no = line_no + 1
  end
  sent = 0
  repeats = 0
end

function request()
  if sent >= #prepared then
    repeats = repeats + 1
  end
  sent = sent + 1
  return prepared[(sent - 1) % #prepared + 1]
end

function done(summary, latency, _)
  local repeated = 0
  for _, thread in ipairs(threads) do
    repeated = repeated + thread:get("repeats")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "status_errors": %d, "connect_errors": %d, '
      .. '"read_errors": %d, "write_errors": %d, "timeouts": %d, "repeats": %d, '
      .. '"p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    repeated, latency:percentile(50), latency:percentile(99)))
end
