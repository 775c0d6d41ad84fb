from __future__ import annotations

from tests.labeling.conftest import signing_keys

__all__ = ["signing_keys"]
