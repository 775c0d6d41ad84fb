"""Authenticator apps in Django's admin, for the one thing an administrator does with them:
reset a lost phone by deleting the person's device (review/two_factor.py). django-otp's own
admin is replaced: it shows the secret key and a QR code of it to whoever opens the device,
and it adds a device without the person's app ever proving it has the key."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class AuthenticatorAdmin(admin.ModelAdmin[TOTPDevice]):
    list_display = ("user", "name", "confirmed", "last_used_at", "created_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username", "user__email")
    fields = ("user", "name", "confirmed", "last_used_at", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # set up by the person, with their app, on the two-factor page

    def has_change_permission(self, request: HttpRequest, obj: TOTPDevice | None = None) -> bool:
        return False
