"""govcrawl's own Scrapy signals."""

# Sent for every network response a browser (Playwright) received while rendering a page:
# kwargs url, method, request_headers (dict), status, response_headers (dict), body (bytes).
browser_response = object()
