"""Prometheus metrics, exposed at ``GET /metrics``.

With ``run --workers N`` the workers count in prometheus_client's multiprocess mode
(``PROMETHEUS_MULTIPROC_DIR``, prepared by the supervisor, ``gateway.cli.workers``) and a
scrape adds up every worker's files. A Gauge added here needs a ``multiprocess_mode``
(``livesum``, ``max``...) saying how the workers' values combine.
"""

import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"

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


def exposition() -> bytes:
    """What ``/metrics`` answers: the whole gateway's figures, in the text format."""
    path = os.environ.get(MULTIPROC_DIR)
    if not path:  # one process: its own registry
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path)
    return generate_latest(registry)
