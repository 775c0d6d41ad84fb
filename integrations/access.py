"""Who may see and change integrations, their API tokens and webhook endpoints: holders of
`integrations.manage_integrations` (standards editors and administrators). One
fetch-and-check per object."""

from __future__ import annotations

from django.http import Http404

from accounts.roles import AnyUser
from integrations.models import ApiToken, Delivery, Integration, WebhookEndpoint
from review.access import can_manage_integrations, require


def require_integration_manager(user: AnyUser) -> None:
    require(
        can_manage_integrations(user),
        "Only standards editors and administrators manage integrations.",
    )


def get_integration_for_user(user: AnyUser, pk: int) -> Integration:
    require_integration_manager(user)
    integration = Integration.objects.filter(pk=pk).first()
    if integration is None:
        raise Http404("No such integration.")
    return integration


def get_endpoint_for_user(user: AnyUser, pk: int) -> WebhookEndpoint:
    require_integration_manager(user)
    endpoint = WebhookEndpoint.objects.select_related("integration").filter(pk=pk).first()
    if endpoint is None:
        raise Http404("No such webhook endpoint.")
    return endpoint


def get_delivery_for_user(user: AnyUser, pk: int) -> Delivery:
    require_integration_manager(user)
    delivery = (
        Delivery.objects.select_related("event", "endpoint__integration").filter(pk=pk).first()
    )
    if delivery is None:
        raise Http404("No such delivery.")
    return delivery


def get_token_for_user(user: AnyUser, pk: int) -> ApiToken:
    require_integration_manager(user)
    token = ApiToken.objects.select_related("integration").filter(pk=pk).first()
    if token is None:
        raise Http404("No such API token.")
    return token
