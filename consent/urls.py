"""The consent pages: the desk's (parties, records, waivers, legal dashboard) in consent.desk,
the public remote-signing pages in consent.remote, and the PDFs and exports in consent.exports.
Each subpackage has its own urls module; this one joins them under the "consent" namespace."""

from __future__ import annotations

from consent.desk import urls as desk_urls
from consent.exports import urls as exports_urls
from consent.remote import urls as remote_urls

app_name = "consent"

urlpatterns = [*desk_urls.urlpatterns, *remote_urls.urlpatterns, *exports_urls.urlpatterns]
