"""Grant `incidents.decide_incident` to the standards and administrator groups.

Added to the groups `accounts` made (not `set`): the groups keep everything else they hold.
"""

from __future__ import annotations

from django.db import migrations


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from incidents.roles import INCIDENT_ROLE_PERMISSIONS

    # Permissions are normally created after migrate; make sure this app's exist now.
    app_config = apps.get_app_config("incidents")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in INCIDENT_ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=str(role))
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )


def revoke(apps, schema_editor):
    from incidents.roles import INCIDENT_ROLE_PERMISSIONS

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in INCIDENT_ROLE_PERMISSIONS.items():
        for group in Group.objects.filter(name=str(role)):
            for dotted in codenames:
                app_label, codename = dotted.split(".")
                group.permissions.remove(
                    *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
                )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0001_initial"),
        # The role groups exist, with every permission granted before this one.
        ("accounts", "0005_signoff_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
