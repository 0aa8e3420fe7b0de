"""Log records without identity numbers or tokens, whatever put them there.

The application never logs an identity number on purpose, but an exception's text can
quote the data it failed on: PostgreSQL's DETAIL line of a unique violation shows the
key, that of a check violation the whole row; a parser quotes its input. So every logger
of the application carries :class:`Redact` (:func:`app_logger` gives one), which
rewrites a record before any handler sees it: in the message, the traceback and the
stack, a resident identity number or social credit code is shown as
:func:`~server.identity_codes.mask_identity` shows it, and a bearer token (a JWT) is
replaced. ``ruralcredit serve`` puts the same filter on its log handler, so the records
of the libraries it runs are rewritten too.
"""

from __future__ import annotations

import logging
import re

from server.identity_codes import mask_identity

# An 18-character resident ID (check digit right or wrong: a mistyped one is still
# personal data) or social credit code (GB 32100 letters, a 6-digit region code at 3-8).
_IDENTITY = re.compile(
    r"(?<![0-9A-Za-z])"
    r"(?:[0-9]{17}[0-9Xx]|[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10})"
    r"(?![0-9A-Za-z])"
)
_TOKEN = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
TOKEN_SHOWN_AS = "[token]"  # noqa: S105 - what replaces a token, not one

_traceback = logging.Formatter()


def redact(text: str) -> str:
    """``text`` with identity numbers masked and bearer tokens replaced."""
    text = _TOKEN.sub(TOKEN_SHOWN_AS, text)
    return _IDENTITY.sub(lambda found: mask_identity(found.group()), text)


class Redact(logging.Filter):
    """Rewrites a record so that no handler sees an identity number or token in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the message: keep both, as text
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
        if record.exc_info:
            # The traceback is written now, redacted; handlers then use the text.
            record.exc_text = redact(_traceback.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def app_logger(name: str) -> logging.Logger:
    """The logger ``name`` with :class:`Redact` on it (once)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, Redact) for f in logger.filters):
        logger.addFilter(Redact())
    return logger
