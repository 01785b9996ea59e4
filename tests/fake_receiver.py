"""A receiver in memory, behind httpx.MockTransport: it keeps batches by id as the real one
does (same id and body: the same answer again; another body: 422), and can be told to fail."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from sync.wire.protocol import BATCHES, BUNDLE, DUPLICATE, ENROL, HEARTBEAT, REJECTED, STORED

Action = Callable[[httpx.Request], httpx.Response | None]


@dataclass
class FakeReceiver:
    stored: list[str] = field(default_factory=list)  # envelope ids, in the order stored
    reject: dict[str, str] = field(default_factory=dict)  # envelope id -> reason
    batch_requests: list[httpx.Request] = field(default_factory=list)
    heartbeats: list[dict] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    # What to do with the next batch requests, one each: an action may answer (a Response),
    # or return None to have the batch processed normally, or raise (a lost answer).
    next_batches: list[Action] = field(default_factory=list)
    bundle_version: int | None = None
    bundle_answer: dict | None = None
    enrolment: dict | None = None
    _answers: dict[str, tuple[str, dict]] = field(default_factory=dict)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == BATCHES:
            self.batch_requests.append(request)
            if self.next_batches:
                answer = self.next_batches.pop(0)(request)
                if answer is not None:
                    return answer
            return self.process(request)
        if path == HEARTBEAT:
            self.heartbeats.append(json.loads(request.content))
            return httpx.Response(200, json={"received_at": "2026-11-23T14:05:10Z",
                                             "bundle_version": self.bundle_version})
        if path == BUNDLE and self.bundle_answer is not None:
            return httpx.Response(200, json=self.bundle_answer)
        if path == ENROL and self.enrolment is not None:
            return httpx.Response(200, json=self.enrolment)
        return httpx.Response(404, json={"error": "not-found", "detail": path})

    def process(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        batch_id, digest = body["batch"], hashlib.sha256(request.content).hexdigest()
        if request.headers.get("Idempotency-Key", "").strip('"') != batch_id:
            return httpx.Response(400, json={"error": "idempotency-key", "detail": "missing or not the batch id"})
        if batch_id in self._answers:
            earlier_digest, answer = self._answers[batch_id]
            if earlier_digest != digest:
                return httpx.Response(422, json={"error": "batch-reused", "detail": "another body"})
            return httpx.Response(200, json=answer)
        answer = {"batch": batch_id, "received_at": "2026-11-23T14:05:09Z",
                  "results": [self._fate(envelope["id"]) for envelope in body["envelopes"]]}
        self._answers[batch_id] = (digest, answer)
        return httpx.Response(200, json=answer)

    def _fate(self, envelope_id: str) -> dict:
        if envelope_id in self.reject:
            return {"id": envelope_id, "status": REJECTED, "reason": self.reject[envelope_id]}
        if envelope_id in self.stored:
            return {"id": envelope_id, "status": DUPLICATE}
        self.stored.append(envelope_id)
        return {"id": envelope_id, "status": STORED}

    def sent_batches(self) -> list[dict]:
        return [json.loads(request.content) for request in self.batch_requests]

    def lose_answer(self, error: type[httpx.TransportError]) -> Action:
        """An action: process the batch (store its envelopes), then lose the answer on the way back."""

        def act(request: httpx.Request) -> None:
            self.process(request)
            raise error("the answer was lost", request=request)

        return act


def answer(status: int, **kwargs) -> Action:
    """An action: answer the batch request with `status` instead of processing it."""
    return lambda request: httpx.Response(status, **kwargs)


def fail(error: type[httpx.TransportError]) -> Action:
    """An action: the request never reaches the receiver."""

    def act(request: httpx.Request) -> None:
        raise error("no connection", request=request)

    return act
