"""The sync protocol's fixed names, shared by the kiosk's uploader and the receiver (docs/protocol.md)."""

from __future__ import annotations

API = "/v1"
BATCHES = f"{API}/batches"
HEARTBEAT = f"{API}/heartbeat"
BUNDLE = f"{API}/bundle"
ENROL = f"{API}/enrol"
HEALTH = f"{API}/health"

IDEMPOTENCY_KEY = "Idempotency-Key"
DEFAULT_MAX_BATCH = 200
DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024

STORED = "stored"
DUPLICATE = "duplicate"
REJECTED = "rejected"
DELIVERED = frozenset({STORED, DUPLICATE})  # the kiosk may delete its copy

# Why an envelope can never be stored (beside kiosk.sealing.EnvelopeError's reasons).
KIOSK_MISMATCH = "kiosk-mismatch"
UNKNOWN_SURVEY = "unknown-survey"
INVALID_RECORD = "invalid-record"

CLOCK_SYNCED = "synced"
CLOCK_UNSYNCED = "unsynced"
