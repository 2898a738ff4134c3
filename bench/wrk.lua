-- The request side of bench/wrk.ts, run by Debian's wrk (LuaJIT; wrk's SCRIPTING).
-- Arguments after "--": a file of credentials, one a line ("-" for none), the header
-- they go in, the method, a file of bodies, one a line ("-" for none), and a pause in
-- ms before each request on a connection (0: as fast as possible). Headers given with
-- -H go with every request. Requests are built once in init(), as SCRIPTING advises,
-- the i-th with the i-th credential and the i-th body (each list read round), and
-- taken in rotation. done() prints one JSON line, with wrk's own CPU time read from
-- /proc/self/stat (every thread's, as clock ticks).

local requests = {}
local nextRequest = 0

local function readFile(path)
  local file = assert(io.open(path, "rb"))
  local text = file:read("*a")
  file:close()
  return text
end

local function readLines(path)
  local lines = {}
  if path ~= "-" then
    for line in io.lines(path) do lines[#lines + 1] = line end
  end
  return lines
end

function init(args)
  local credentials, header, method, bodies = readLines(args[1]), args[2], args[3], readLines(args[4])
  local pauseMs = tonumber(args[5]) or 0
  for i = 1, math.max(#credentials, #bodies, 1) do
    local headers = {}
    for name, value in pairs(wrk.headers) do headers[name] = value end
    if #credentials > 0 then headers[header] = credentials[(i - 1) % #credentials + 1] end
    local body = nil
    if #bodies > 0 then body = bodies[(i - 1) % #bodies + 1] end
    requests[i] = wrk.format(method, nil, headers, body)
  end
  -- Defined only when wanted: wrk asks after init() whether there is a delay().
  if pauseMs > 0 then
    delay = function() return pauseMs end
  end
end

function request()
  nextRequest = nextRequest % #requests + 1
  return requests[nextRequest]
end

function done(summary, latency)
  local stat = readFile("/proc/self/stat")
  local fields = {}
  -- After the command's name in parentheses: state is field 3 of proc(5), utime 14, stime 15.
  for field in stat:sub(stat:find(")", 1, true) + 2):gmatch("%S+") do
    fields[#fields + 1] = field
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"socketErrors":%d,"timeouts":%d,"status4xx5xx":%d,"cpuTicks":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.connect + errors.read + errors.write, errors.timeout, errors.status,
    tonumber(fields[12]) + tonumber(fields[13])))
end
