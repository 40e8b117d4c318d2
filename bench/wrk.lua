-- One wrk script for every scenario: bench/run.py passes the request in the environment
-- and reads the one JSON line done() prints.
wrk.method = os.getenv("BENCH_METHOD") or "GET"
wrk.body = os.getenv("BENCH_BODY")
local auth = os.getenv("BENCH_AUTH")
if auth then wrk.headers["Authorization"] = auth end
if wrk.body then wrk.headers["Content-Type"] = "application/json" end

function done(summary, latency, requests)
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "non2xx": %d, "socket_errors": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
