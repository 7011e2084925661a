-- Point reads through the rows API (Stargate REST v2 paths) of the same 10,000 Point animals as read.lua.
-- BENCH_TOKEN, when set, is sent as X-Cassandra-Token (Stargate needs one; this service ignores it without keys).
math.randomseed(os.time())
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["X-Cassandra-Token"] = token
end
request = function()
  return wrk.format("GET", string.format("/v2/keyspaces/bench/animals/Point/s%07d", math.random(0, 9999)))
end
