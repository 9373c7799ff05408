-- wrk script for bench/public_submit_bench.py: POST a distinct JSON lead per request.
-- Each wrk thread numbers its own requests; the thread id keeps phones distinct across threads.
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

function init(args)
  base = tonumber(args[1] or "0")
  counter = 0
end

function request()
  counter = counter + 1
  local n = base + id * 1000000 + counter
  local body = string.format(
    '{"name":"压测线索%d","company":"测试公司%d","title":"CEO","phone":"139%08d",' ..
    '"email":"lead%d@example.com","city":"北京","industry":"高科技/互联网",' ..
    '"company_size":%d,"remark":"来自压测","utm_source":"bench","utm_medium":"cpc",' ..
    '"utm_campaign":"winter","referrer":"https://www.example.com/pricing"}',
    n, n, n % 100000000, n, 300 + n % 500)
  -- Many visitors behind a proxy: the server trusts 127.0.0.1 and limits per forwarded address.
  local visitor = string.format("10.%d.%d.%d", id % 250, math.floor(counter / 250) % 250, counter % 250)
  return wrk.format("POST", nil,
    {["Content-Type"] = "application/json", ["X-Forwarded-For"] = visitor}, body)
end

function response(status, headers, body)
  if status ~= 201 then
    io.stderr:write("unexpected status " .. status .. ": " .. body:sub(1, 200) .. "\n")
  end
end
