"""At most so many requests per minute from each kiosk (429 with Retry-After beyond that).

Counted in this receiver's memory: with several receivers behind a load balancer, each
counts its own share.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self._per_minute = per_minute
        self._clock = clock
        self._recent: dict[str, deque[float]] = {}

    def retry_after(self, key: str) -> int | None:
        """None, counting the request, if it may go ahead; else the seconds until it may."""
        now = self._clock()
        recent = self._recent.setdefault(key, deque())
        while recent and recent[0] <= now - WINDOW_SECONDS:
            recent.popleft()
        if len(recent) >= self._per_minute:
            return max(1, math.ceil(recent[0] + WINDOW_SECONDS - now))
        recent.append(now)
        return None
