"""The URL converter for database ids. Django's `int` takes any number of digits, and a number
past what the database stores fails inside the query (SQLite raises OverflowError on a related
lookup): a 500 for a typo or a probe. `<id:pk>` matches 1 to 18 digits, always below the
largest BigAutoField value, so a longer number never reaches a view: it is a plain 404."""

from __future__ import annotations

# The largest value a BigAutoField (and a PositiveBigIntegerField) holds.
MAX_DB_INT = 2**63 - 1


class DatabaseId:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
