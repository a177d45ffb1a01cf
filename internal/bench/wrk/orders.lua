-- wrk script: POST Redo's example order with a unique id per request.
-- Env: ORDER_FILE (internal/examples/order.json), API_KEY, STORE_ID (the
-- path is set here, so the URL given to wrk is only scheme://host:port);
-- ID_POOL=N: ids cycle through N orders instead (re-syncs of known orders
-- once each has been sent).
local f = assert(io.open(os.getenv("ORDER_FILE"), "r"))
local template = f:read("*a")
f:close()
local key = os.getenv("API_KEY") or ""
local path = "/v2.2/stores/" .. (os.getenv("STORE_ID") or "x") .. "/custom/orders"
local n = 0
local pool = tonumber(os.getenv("ID_POOL") or "")

-- wrk never seeds math.random: every wrk process would draw the same
-- numbers and resend the ids of the one before it (re-syncs of known
-- orders, not new ones). The ids are therefore drawn from /dev/urandom.
local function unique()
  local r = assert(io.open("/dev/urandom", "rb"))
  local b = r:read(6)
  r:close()
  local v = 0
  for i = 1, #b do v = v * 256 + b:byte(i) end
  return string.format("%012x", v)
end
local run = unique()

function setup(thread)
  thread:set("tid", unique())
end

function request()
  n = n + 1
  local id = 'wrk-' .. run .. '-' .. tid .. '-' .. n
  if pool then id = 'pool-' .. (n % pool) end
  local body = template:gsub('"order_123456"', '"' .. id .. '"', 1)
  return wrk.format("POST", path, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
end

function done(summary, latency, requests)
  io.write(string.format("RESULT req/s=%.0f p50=%.2fms p99=%.2fms errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
