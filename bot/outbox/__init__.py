"""The outbox: every message the bot sends on its own (reminders, announcements,
surveys, notices, certificates) goes through here.

    features --enqueue--> deliveries (rows) --claim (lease)--> sender --limiter--> Telegram
                  ^                                               |
        registry: renderers by kind, hooks (planners)   results written per send

- `queue`: Delivery rows; `enqueue`/`enqueue_many` inside a feature's own transaction;
  claims are leases (owner + expiry, FOR UPDATE SKIP LOCKED on PostgreSQL); results are
  written before a worker takes the next row, so a crash repeats only the sends in flight.
- `sender`: one `Dispatcher` per Application: workers, retries, 429 handling, wake-ups.
- `limiter`: Telegram's limits, judged by when sends really leave.
- `leader`: one instance at a time sends (a lease in the `outbox_leaders` row, taken
  with a conditional UPDATE on SQLite and PostgreSQL alike), so BROADCAST_RATE holds over
  all instances together; when the holder dies its lease runs out and another instance
  takes over and finishes the broadcast.
- `registry`: per application, what renders each kind of delivery and the hooks that
  run before each batch; features register on their own Application.

Statuses are `DeliveryStatus` (storage.models), stored as plain strings.
"""

from bot.outbox.limiter import BroadcastLimiter
from bot.outbox.queue import Lease, enqueue, enqueue_many, recover
from bot.outbox.registry import Due, Hook, NextDue, Outgoing, Registry, Renderer
from bot.outbox.sender import (
    Dispatcher,
    dispatch_due,
    dispatcher,
    markup,
    register_hook,
    register_renderer,
    start_dispatcher,
    stop_dispatcher,
    wake,
    workers_for,
)
from storage.models import DeliveryStatus

__all__ = [
    "BroadcastLimiter",
    "DeliveryStatus",
    "Dispatcher",
    "Due",
    "Hook",
    "Lease",
    "NextDue",
    "Outgoing",
    "Registry",
    "Renderer",
    "dispatch_due",
    "dispatcher",
    "enqueue",
    "enqueue_many",
    "markup",
    "recover",
    "register_hook",
    "register_renderer",
    "start_dispatcher",
    "stop_dispatcher",
    "wake",
    "workers_for",
]
