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
# The most working days a provider may promise a reply in (kiosk and provider configs, enrolment).
MAX_REPLY_DAYS = 60

STORED = "stored"
DUPLICATE = "duplicate"
REJECTED = "rejected"

# Why an envelope can never be stored (beside the envelope's own reasons, kiosk.sealing.EnvelopeError).
KIOSK_MISMATCH = "kiosk-mismatch"
UNKNOWN_SURVEY = "unknown-survey"
INVALID_RECORD = "invalid-record"

CLOCK_SYNCED = "synced"
CLOCK_UNSYNCED = "unsynced"
