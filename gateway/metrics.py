"""Prometheus metrics, exposed at ``GET /metrics``."""

from prometheus_client import Counter, Histogram

MESSAGES = Counter(
    "meter_gateway_messages_total",
    "Messages decided, by channel and outcome",
    ["channel", "status"],
)
UNAVAILABLE = Counter(
    "meter_gateway_storage_unavailable_total",
    "Messages refused because the database was unreachable (the sender retries)",
    ["channel"],
)
REJECTED_REQUESTS = Counter(
    "meter_gateway_rejected_requests_total",
    "Requests refused at the edge (bad signature, malformed body)",
    ["endpoint", "why"],
)
OUTBOX_SENT = Counter(
    "meter_gateway_outbox_total",
    "Replies delivered from the outbox, by transport and result",
    ["transport", "result"],
)
REQUEST_SECONDS = Histogram("meter_gateway_request_seconds", "HTTP request latency", ["route"])
