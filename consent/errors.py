from __future__ import annotations


class ConsentError(Exception):
    """A consent action that cannot be done; the message is shown to the user as is."""


class ConsentLinkError(ConsentError):
    """A remote consent link that is unknown, expired, used or cancelled."""
