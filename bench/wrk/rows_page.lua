-- One 1,000-row page of the 100,000-plant partition through the rows API, the same request for Stargate and us.
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["X-Cassandra-Token"] = token
end
request = function()
  return wrk.format("GET", "/v2/keyspaces/bench/plants/Hundredk?page-size=1000")
end
