-- Upserts of random keys into the benchmark's Write genus.
math.randomseed(os.time())
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local i = math.random(0, 99999)
  local body = string.format(
    '{"genus":"Write","species":"s%07d","image_url":"https://example.org/w.jpg","size_cm":1.5,"sightings":%d,'
    .. '"taxonomy":["Arthropoda","Insecta"]}', i, i)
  return wrk.format("POST", "/animal", nil, body)
end
