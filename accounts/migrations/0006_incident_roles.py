"""Grant the incident decision (correction, relabel, takedown) to its roles."""

from __future__ import annotations

import importlib

from django.db import migrations

roles_0001 = importlib.import_module("accounts.migrations.0001_roles")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_signoff_roles"),
        ("incidents", "0001_initial"),
    ]

    operations = [migrations.RunPython(roles_0001.create_roles, migrations.RunPython.noop)]
