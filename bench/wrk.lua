-- The request side of bench/wrk.ts, run by Debian's wrk (LuaJIT; wrk's SCRIPTING).
-- Arguments after "--": a file of credentials, one a line ("-" for none), the header
-- they go in, the method, a file holding the body ("-" for none), and a pause in ms
-- before each request on a connection (0: as fast as possible). Headers given with -H
-- go with every request. Requests are built once in init(), as SCRIPTING advises: one
-- per credential, taken in rotation. done() prints one JSON line, with wrk's own CPU
-- time read from /proc/self/stat (every thread's, as clock ticks).

local requests = {}
local nextRequest = 0

local function readFile(path)
  local file = assert(io.open(path, "rb"))
  local text = file:read("*a")
  file:close()
  return text
end

function init(args)
  local credentials, header, method, bodyFile = args[1], args[2], args[3], args[4]
  local pauseMs = tonumber(args[5]) or 0
  local body = nil
  if bodyFile ~= "-" then body = readFile(bodyFile) end
  if credentials == "-" then
    requests[1] = wrk.format(method, nil, nil, body)
  else
    for credential in io.lines(credentials) do
      local headers = {}
      for name, value in pairs(wrk.headers) do headers[name] = value end
      headers[header] = credential
      requests[#requests + 1] = wrk.format(method, nil, headers, body)
    end
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
