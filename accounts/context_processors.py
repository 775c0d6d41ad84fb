from __future__ import annotations

from django.http import HttpRequest

from accounts.roles import Role, user_roles


def roles(request: HttpRequest) -> dict[str, object]:
    held = user_roles(request.user)
    labels = [Role(name).label for name in sorted(held)]
    return {"user_roles": held, "user_role_labels": labels}
