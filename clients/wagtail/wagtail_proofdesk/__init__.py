"""Wagtail and Proofdesk: a page whose Proofdesk assets are not cleared is not published.

Add "wagtail_proofdesk" to INSTALLED_APPS; see docs/integrate-your-cms.md in the Proofdesk
repository for the settings, the URL of the webhook endpoint, the panel and the template tag.
"""

__version__ = "0.1.0"
