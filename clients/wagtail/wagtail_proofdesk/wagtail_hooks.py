"""The publish hook: Wagtail asks before publishing, Proofdesk answers.

`before_publish_page` runs when an editor presses Publish (on a new page or an edited one),
after the revision is saved and before it goes live. A page with an asset Proofdesk has not
cleared is not published: the editor is sent back to the page with Proofdesk's own reasons,
and the work is kept as a draft. The same check guards the bulk Publish action. Pages published
another way (scheduled, a workflow's approval) are checked as they go live: Proofdesk refuses
the publication report, and the page is unpublished again at once (services.after_publish).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from wagtail import hooks
from wagtail.models import Page

from wagtail_proofdesk import services
from wagtail_proofdesk.models import Publication


def _refuse(request: HttpRequest, refusals: list[services.Refusal], saved: str) -> None:
    for refusal in refusals:
        messages.error(request, refusal.message)
    messages.warning(request, saved)


@hooks.register("before_publish_page")
def refuse_uncleared_assets(request: HttpRequest, page: Page) -> HttpResponse | None:
    refusals = services.publish_check(page)
    if not refusals:
        return None
    if page.live and page.live_revision_id is None:
        # Wagtail's create view saves a new page as live before asking this hook: without
        # this it would be served, unchecked, with no published revision.
        Page.objects.filter(pk=page.pk).update(live=False, has_unpublished_changes=True)
        page.live = False
    _refuse(request, refusals, "The page was saved as a draft and not published.")
    return redirect("wagtailadmin_pages:edit", page.pk)


@hooks.register("after_publish_page")
def tell_the_editor_what_proofdesk_said(request: HttpRequest, page: Page) -> None:
    page.refresh_from_db(fields=["live"])
    if not page.live:
        errors = Publication.objects.filter(page_id=page.pk).exclude(report_error="")
        reasons = " ".join(dict.fromkeys(p.report_error for p in errors))
        messages.error(
            request,
            "Proofdesk refused the publication, so the page was unpublished again: " + reasons,
        )
        return
    waiting = Publication.objects.filter(
        page_id=page.pk, unpublished_at__isnull=True, reported_at__isnull=True
    ).count()
    if waiting:
        messages.warning(
            request,
            f"Proofdesk could not be told of {waiting} publication(s) yet; it will be, by "
            "`manage.py proofdesk_sync`.",
        )


@hooks.register("before_bulk_action")
def refuse_bulk_publish_of_uncleared(
    request: HttpRequest, action_type: str, objects: list[Any], action_class_instance: Any
) -> HttpResponse | None:
    if action_type != "publish":
        return None
    refusals: list[services.Refusal] = []
    for obj in objects:
        if not isinstance(obj, Page):
            continue
        revision = obj.get_latest_revision()
        candidate = revision.as_object() if revision is not None else obj.specific
        refusals += services.publish_check(candidate)
    if not refusals:
        return None
    _refuse(request, refusals, "No page was published.")
    back = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    return redirect(back or "wagtailadmin_explore_root")
