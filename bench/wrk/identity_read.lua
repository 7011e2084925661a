-- Point reads through the rows API of the identity section's table (bench/sections/identity.py), as one caller or
-- many: BENCH_TOKENS is a comma-separated list of X-Cassandra-Token values sent in rotation (none: no header),
-- BENCH_PATH the table's path, BENCH_ROWS how many keys (0 .. BENCH_ROWS - 1) the reads pick from.
math.randomseed(os.time())
local tokens = {}
for token in string.gmatch(os.getenv("BENCH_TOKENS") or "", "[^,]+") do
  tokens[#tokens + 1] = token
end
local path = os.getenv("BENCH_PATH")
local rows = tonumber(os.getenv("BENCH_ROWS") or "100")
local next_token = 0
request = function()
  local headers = {}
  if #tokens > 0 then
    next_token = next_token % #tokens + 1
    headers["X-Cassandra-Token"] = tokens[next_token]
  end
  return wrk.format("GET", string.format("%s/%d", path, math.random(0, rows - 1)), headers)
end
