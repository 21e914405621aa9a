-- wrk script for W1: registerCooperative, a new cooperative per request
-- (distinct names), as a national admin ($TOKEN), in the ward $WARD.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
local ward = os.getenv("WARD")
local tag = os.getenv("TAG") or "w1"
local n = 0
local q = 'mutation($i: RegisterCooperativeInput!) { registerCooperative(input: $i) { cooperative { id } userErrors { code } } }'
request = function()
  n = n + 1
  local body = string.format('{"query":"%s","variables":{"i":{"name":"Hợp tác xã Bench %s %d","sector":"AGRICULTURE","businessLines":["0111"],"address":{"wardCode":"%s"},"officialMembers":7,"charterCapital":"500000000","director":{"fullName":"Nguyễn Văn An"},"legalRepresentative":{"fullName":"Nguyễn Văn An","idNumber":"0400%08d"}}}}', q, tag, n, ward, n % 100000000)
  return wrk.format(nil, nil, nil, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests":%d,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"errors":%d}\n',
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
