"""What an operator graphs: Prometheus metrics at ``/metrics``, and readiness at ``/readyz``.

Counters and histograms are fed where things happen (the request log, the commit, the hub);
the gauges of live state (open sockets, queue depths) are read when Prometheus scrapes, so
keeping them costs the hot paths nothing. ``/metrics`` is for the monitoring host only: a
caller whose address is not in ``PARTA_METRICS_ALLOW`` gets 404, as for a page that does not
exist — and so does anything that came through a proxy Parta was not told to trust.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import text

from parta.api.errors import error_response
from parta.proxies import client_address, forwarded_headers, parse_networks, peer_address

if TYPE_CHECKING:
    from parta.realtime.events import Envelope

__all__ = [
    "DELIVERY_SECONDS",
    "HTTP_ERRORS",
    "HTTP_REQUESTS",
    "MESSAGES_PERSISTED",
    "URGENT_SMS_FAILED",
    "count_committed",
    "observe_delivery",
    "router",
]

log = logging.getLogger("parta.metrics")

OPEN_SOCKETS = Gauge("parta_event_sockets_open", "Event sockets connected to this process")
SEND_QUEUE = Gauge("parta_socket_send_queue", "Sends over event sockets waiting for their batch")
BUS_BACKLOG = Gauge("parta_bus_backlog", "Events held back by the bus waiting for an earlier id")
MESSAGES_PERSISTED = Counter("parta_messages_persisted", "Messages committed by this process")
DELIVERY_SECONDS = Histogram(
    "parta_delivery_seconds", "From an event's commit to its frames being written to the sockets "
    "of this process (once per published batch)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
HTTP_REQUESTS = Counter("parta_http_requests", "HTTP requests answered, by status", ["status"])
HTTP_ERRORS = Counter("parta_http_errors", "HTTP refusals and failures, by status and error code",
                      ["status", "code"])
URGENT_SMS_FAILED = Counter("parta_urgent_sms_failed",
                            "Urgent SMS given up after their last attempt (issue 14)")
HTTP_SECONDS = Histogram("parta_http_request_seconds", "Time to answer an HTTP request")

_MESSAGE_NEW = "message.new"


def count_committed(envelopes: Iterable[Envelope]) -> None:
    """Called once per commit with its events; each ``message.new`` is a stored message."""
    n = sum(1 for e in envelopes if e.event.type == _MESSAGE_NEW)
    if n:
        MESSAGES_PERSISTED.inc(n)


def observe_delivery(committed_at: float) -> None:
    """Once per batch the hub wrote out: how long since its commit (wall clock, so an event
    committed by another process counts too)."""
    if committed_at:
        DELIVERY_SECONDS.observe(max(0.0, time.time() - committed_at))


def record_request(status: int, code: str | None, seconds: float) -> None:
    HTTP_REQUESTS.labels(str(status)).inc()
    HTTP_SECONDS.observe(seconds)
    if status >= 400:
        HTTP_ERRORS.labels(str(status), code or "").inc()


router = APIRouter(include_in_schema=False)


def may_read_metrics(request: Request) -> bool:
    settings = request.app.state.settings
    trusted = parse_networks(settings.trusted_proxies)
    address = client_address(request.scope, trusted)
    if address == peer_address(request.scope) and forwarded_headers(request.scope):
        return False  # passed on by a proxy Parta does not know: the real caller is unknown
    allowed = parse_networks(settings.metrics_allow)
    try:
        addr = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(addr in n for n in allowed)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    if not may_read_metrics(request):
        return error_response(request, 404, "not_found")
    state = request.app.state
    OPEN_SOCKETS.set(state.hub.connections())
    SEND_QUEUE.set(state.send_queue.depth())
    BUS_BACKLOG.set(state.services.bus.backlog())
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


READY_TIMEOUT = 5.0  # seconds: a database slower than this to answer SELECT 1 is not ready


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready for traffic: the database answers and the bus is listening."""
    services = request.app.state.services
    if not services.bus.started():
        return JSONResponse({"ok": False, "reason": "bus_not_started"}, status_code=503)
    try:
        async with services.sessionmaker() as db:
            await asyncio.wait_for(db.execute(text("SELECT 1")), READY_TIMEOUT)
    except Exception as e:  # noqa: BLE001  whatever the reason, the answer is «not ready»
        log.warning("readiness: the database did not answer: %s", e)
        return JSONResponse({"ok": False, "reason": "database_unreachable"}, status_code=503)
    return JSONResponse({"ok": True})
