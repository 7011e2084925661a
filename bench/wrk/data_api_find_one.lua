-- Data API findOne by full key of the benchmark's 10,000 Point animals (the rows the rows API's point read reads):
-- POST /v1/bench/animals. BENCH_TOKEN, when set, is sent as the Token header (the real Data API needs one).
math.randomseed(os.time())
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["Token"] = token
end
request = function()
  local body = string.format(
    '{"findOne":{"filter":{"genus":"Point","species":"s%07d"}}}', math.random(0, 9999))
  return wrk.format("POST", "/v1/bench/animals", nil, body)
end
