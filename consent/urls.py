"""The consent pages: the desk's (parties, records, waivers, legal dashboard), the public
remote-signing pages, and the exports. Each group lives in its own module."""

from __future__ import annotations

from consent import urls_desk, urls_export, urls_remote

app_name = "consent"

urlpatterns = [*urls_desk.urlpatterns, *urls_remote.urlpatterns, *urls_export.urlpatterns]
