"""The person's own account page: links to change the password and two-factor sign-in, and the
choice of e-mails they get.

It lives in the desk's core app, not in accounts, because which e-mails concern a person is
decided by their roles, and review.access is the one place that answers that.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.forms import NotificationSettingsForm
from accounts.models import Notice
from accounts.notifications import notification_settings_update, settings_of
from accounts.roles import AnyUser
from review.access import can_decide_incidents, can_second_approve, can_upload


def relevant_notices(user: AnyUser) -> list[Notice]:
    """The e-mails the person's roles can bring them: only these are offered."""
    notices: list[Notice] = []
    if can_upload(user):
        notices += [Notice.CHANGES_REQUESTED, Notice.UPLOAD_DECIDED]
    if can_second_approve(user):
        notices.append(Notice.SECOND_APPROVAL)
    if can_decide_incidents(user):
        notices.append(Notice.INCIDENT_REPORTED)
    return notices


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse | HttpResponseRedirect:
    user = request.user
    assert isinstance(user, User)  # login_required
    notices = relevant_notices(user)
    current = settings_of(user)
    form = NotificationSettingsForm(
        request.POST if request.method == "POST" else None, notices=notices, current=current
    )
    if request.method == "POST" and form.is_valid():
        notification_settings_update(user=user, choices=form.choices())
        # Said next to the form, where the person just pressed Save (not in the page-wide
        # messages at the top): the redirect carries it, and a reload of that page says it once
        # more, harmlessly.
        return HttpResponseRedirect(f"{reverse('account')}?saved=1#email-heading")
    return render(
        request,
        "registration/account.html",
        {"form": form, "has_email": bool(user.email), "saved": request.GET.get("saved") == "1"},
    )
