-- wrk script: POST /v1/invoices with a fresh invoice number on every request, so
-- each request stores a new record (the platform's real upload path).
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

local counter = 0
local template = [[{"number":"%s","request_serial":"s-%s","seller_tax_id":"91110000MA01ABCD1X",
"buyer_tax_id":"91110108MA02EFGH2Y","buyer_name":"Beijing Example Trading Co.","kind":"blue",
"issued_at":"2025-05-02T16:57:33+08:00","currency":"CNY","lines":[{"description":"Office chair",
"quantity":2,"unit_price":45000,"tax_rate":1300,"amount":90000,"tax":11700}],
"totals":{"amount_excl_tax":90000,"tax":11700,"total_incl_tax":101700}}]]

function request()
  counter = counter + 1
  local number = string.format("B%02d%014d", tid, counter)
  local body = string.format(template, number, number)
  return wrk.format("POST", "/v1/invoices", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer bench-token",
  }, body)
end

function done(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("non-2xx responses: %d\n", non2xx))
end
