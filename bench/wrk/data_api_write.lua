-- 100 rows a request into bench.data_api_writes (bench/sections/data_api.py), 10 partitions of 10 rows at random
-- keys: BENCH_BODY=insertMany posts a Data API insertMany to /v1/bench/data_api_writes, BENCH_BODY=ndjson the same
-- rows as an NDJSON bulk ingest to the rows API (/v2/keyspaces/bench/data_api_writes). BENCH_TOKEN, when set, is
-- sent as the Token header (the real Data API needs one).
math.randomseed(os.time())
local ndjson = os.getenv("BENCH_BODY") == "ndjson"
local token = os.getenv("BENCH_TOKEN")
wrk.method = "POST"
if token and token ~= "" then
  wrk.headers["Token"] = token
end
local path
if ndjson then
  wrk.headers["Content-Type"] = "application/x-ndjson"
  path = "/v2/keyspaces/bench/data_api_writes"
else
  wrk.headers["Content-Type"] = "application/json"
  path = "/v1/bench/data_api_writes"
end
local rows = {}
request = function()
  local base = math.random(0, 9999999)
  for i = 0, 99 do
    rows[i + 1] = string.format(
      '{"id":"w%07d-%d","part":%d,"label":"label %d","score":%d,"active":%s}',
      base, math.floor(i / 10), i % 10, i, (base + i) % 1000, (i % 2 == 0) and "true" or "false")
  end
  local body
  if ndjson then
    body = table.concat(rows, "\n") .. "\n"
  else
    body = '{"insertMany":{"documents":[' .. table.concat(rows, ",") .. ']}}'
  end
  return wrk.format("POST", path, nil, body)
end
