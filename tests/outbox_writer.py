"""The process that tests/test_outbox_crash.py kills: appends and removes envelopes
forever, and reports on stdout each step that has returned.

    python tests/outbox_writer.py DIRECTORY SEGMENT_SIZE SEED

Lines: `ready`, `appended ID` once append() has returned, `removing ID...` before a
remove() and `removed` once it has returned.
"""

from __future__ import annotations

import base64
import hashlib
import random
import sys
import uuid
from pathlib import Path

from kiosk.outbox import Outbox

REMOVE_CHANCE = 0.1


def envelope_for(envelope_id: str) -> dict:
    """A ~2 KB envelope whose content follows from its id, so a check can tell whether
    what came back is what went in."""
    digest = hashlib.sha256(envelope_id.encode()).digest()
    return {"id": envelope_id, "ct": base64.b64encode(digest * 48).decode()}


def main(directory: Path, segment_size: int, seed: int) -> None:
    choices = random.Random(seed)
    with Outbox(directory, segment_size=segment_size) as outbox:
        print("ready", flush=True)
        while True:
            if choices.random() < REMOVE_CHANCE:
                batch = [envelope["id"] for envelope in
                         outbox.oldest(choices.randint(1, 2 * segment_size))]
                print("removing", *batch, flush=True)
                outbox.remove(batch)
                print("removed", flush=True)
            else:
                envelope_id = str(uuid.uuid4())
                outbox.append(envelope_for(envelope_id))
                print("appended", envelope_id, flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
