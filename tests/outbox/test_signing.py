"""Webhook signatures: HMAC-SHA256 over the timestamp and the body, as the receiver checks them."""

from __future__ import annotations

import hashlib
import hmac

from server.outbox import signing
from tests.webhook_receiver import verify


def test_signature_covers_timestamp_and_body() -> None:
    body = signing.event_body({"cursor": "7", "kind": "GRADE_CHANGED", "note": "晋级"})
    assert body == '{"cursor":"7","kind":"GRADE_CHANGED","note":"晋级"}'.encode()
    header = signing.signature_header("s3cret", 1_767_225_600, body)
    assert header == "t=1767225600,v1=" + signing.sign("s3cret", 1_767_225_600, body)
    expected = hmac.new(b"s3cret", b"1767225600." + body, hashlib.sha256).hexdigest()
    assert signing.sign("s3cret", 1_767_225_600, body) == expected
    headers = {"x-ruralcredit-signature": header}
    assert verify("s3cret", headers, body)
    assert not verify("wrong", headers, body)
    assert not verify("s3cret", headers, body.replace("晋级".encode(), "降级".encode()))
    later = {"x-ruralcredit-signature": header.replace("t=1767225600", "t=1767229200")}
    assert not verify("s3cret", later, body)
