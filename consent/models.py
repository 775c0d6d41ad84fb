"""Consent records for creators and people depicted (PAI practice 17).

The models arrive with the consent issue; the app exists now so the layout and migrations
graph are stable from the first release.
"""

from __future__ import annotations
