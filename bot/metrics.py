"""Prometheus metrics of one Application, written in the text exposition format.

One `Metrics` per Application (in `bot_data`), never a process-wide registry, so two
Applications in one process (tests) count apart. Gauges that the database knows (the
outbox backlog) are read when `/metrics` is asked for, see bot/server.py.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application

from storage.inbox import InboundStatus

METRICS_KEY = "metrics"
# Seconds from an update being queued to its being handled.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass
class Histogram:
    buckets: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        self.counts = [0] * len(self.buckets)

    def observe(self, value: float) -> None:
        index = bisect.bisect_left(self.buckets, value)
        if index < len(self.buckets):
            self.counts[index] += 1
        self.total += value
        self.count += 1

    def lines(self, name: str) -> list[str]:
        lines = []
        cumulative = 0
        for bound, count in zip(self.buckets, self.counts, strict=True):
            cumulative += count
            lines.append(f'{name}_bucket{{le="{bound}"}} {cumulative}')
        lines.append(f'{name}_bucket{{le="+Inf"}} {self.count}')
        lines.append(f"{name}_sum {self.total}")
        lines.append(f"{name}_count {self.count}")
        return lines


def _labels(values: Mapping[str, str]) -> str:
    if not values:
        return ""
    escaped = (
        f'{key}="{str(v).replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for key, v in values.items()
    )
    return "{" + ",".join(escaped) + "}"


class Metrics:
    """What this process counted since it started."""

    def __init__(self) -> None:
        self.updates: Counter[str] = Counter()  # outcome -> updates handled
        self.latency = Histogram(LATENCY_BUCKETS)
        self.webhook: Counter[str] = Counter()  # answer -> webhook requests
        self.telegram: Counter[tuple[str, str]] = Counter()  # (method, code) -> Bot API calls
        self.errors: Counter[str] = Counter()  # where -> errors

    # -- what the bot reports ---------------------------------------------------------

    def update_handled(self, outcome: str, seconds: float) -> None:
        self.updates[outcome] += 1
        self.latency.observe(seconds)
        if outcome != InboundStatus.DONE:
            self.errors["update_parked"] += 1

    def handler_failed(self) -> None:
        self.errors["handler"] += 1

    def webhook_answered(self, status: int) -> None:
        self.webhook[str(status)] += 1
        if status >= 500:
            self.errors["intake"] += 1

    def telegram_call(self, method: str, status: int | None) -> None:
        """A Bot API call and its HTTP status (None: no answer, a network error)."""
        code = "network" if status is None else str(status)
        self.telegram[(method, code)] += 1
        if status is None or status >= 500:
            self.errors["telegram"] += 1

    # -- what /metrics shows ----------------------------------------------------------

    @property
    def sent(self) -> int:
        return sum(n for (method, code), n in self.telegram.items() if _is_send(method, code))

    @property
    def rate_limited(self) -> int:
        return sum(n for (_, code), n in self.telegram.items() if code == "429")

    def render(self, gauges: Mapping[str, tuple[str, float]] | None = None) -> str:
        """The text format; `gauges`: name -> (help, value), read just now."""
        out: list[str] = []

        def family(name: str, kind: str, text: str, samples: Iterable[tuple[Any, float]]) -> None:
            out.append(f"# HELP {name} {text}")
            out.append(f"# TYPE {name} {kind}")
            for labels, value in samples:
                out.append(f"{name}{_labels(labels)} {value}")

        family(
            "kopiena_updates_handled_total",
            "counter",
            "Updates handled, by outcome (done, or parked after failing every attempt).",
            [
                ({"outcome": o}, self.updates[o])
                for o in sorted({InboundStatus.DONE, InboundStatus.PARKED, *self.updates})
            ],
        )
        out.append(
            "# HELP kopiena_update_seconds Seconds from an update being queued to its being "
            "handled."
        )
        out.append("# TYPE kopiena_update_seconds histogram")
        out.extend(self.latency.lines("kopiena_update_seconds"))
        family(
            "kopiena_webhook_requests_total",
            "counter",
            "Webhook requests, by the HTTP status answered (200: the update is stored).",
            [({"status": s}, n) for s, n in sorted(self.webhook.items())],
        )
        family(
            "kopiena_messages_sent_total",
            "counter",
            "Messages and files Telegram accepted (every send* call answered 200).",
            [({}, self.sent)],
        )
        family(
            "kopiena_telegram_rate_limited_total",
            "counter",
            "Bot API calls answered 429 Too Many Requests.",
            [({}, self.rate_limited)],
        )
        family(
            "kopiena_telegram_requests_total",
            "counter",
            "Bot API calls, by method and HTTP status (network: no answer).",
            [({"method": m, "code": c}, n) for (m, c), n in sorted(self.telegram.items())],
        )
        family(
            "kopiena_errors_total",
            "counter",
            "Errors: handler (a handler raised), update_parked, intake (an update could "
            "not be stored), telegram (Bot API 5xx or no answer).",
            [
                ({"where": w}, self.errors[w])
                for w in sorted({"handler", "update_parked", "intake", "telegram", *self.errors})
            ],
        )
        for name, (text, value) in (gauges or {}).items():
            family(name, "gauge", text, [({}, value)])
        return "\n".join(out) + "\n"


def _is_send(method: str, code: str) -> bool:
    return method.startswith("send") and code == "200"


def metrics_of(application: Application) -> Metrics:  # type: ignore[type-arg]
    found = application.bot_data.get(METRICS_KEY)
    if found is None:
        found = application.bot_data[METRICS_KEY] = Metrics()
    return found
