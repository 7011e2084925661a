-- Point reads of random keys among the benchmark's 10,000 Point animals.
math.randomseed(os.time())
request = function()
  return wrk.format("GET", string.format("/animal/Point/s%07d", math.random(0, 9999)))
end
