"""What a webhook receiver gets: the event's bytes, signed with the endpoint's secret.

The body is the event's ``payload`` as JSON (compact, UTF-8), exactly the bytes
signed. ``X-RuralCredit-Signature: t=<unix seconds>,v1=<hex>`` carries
HMAC-SHA256 with the endpoint's secret over ``"<t>." + body``: the time is signed
with the body, so a receiver that refuses old timestamps also refuses a captured
request replayed later. ``X-RuralCredit-Event-Cursor`` repeats the event's
cursor, so a receiver can drop a repeat without parsing the body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

SIGNATURE_HEADER = "X-RuralCredit-Signature"
CURSOR_HEADER = "X-RuralCredit-Event-Cursor"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 with ``secret`` over ``"<timestamp>." + body``."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def event_body(payload: dict[str, Any]) -> bytes:
    """The bytes sent and signed: the payload as compact UTF-8 JSON (Chinese kept readable)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
