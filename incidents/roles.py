"""Which roles hold the incident permissions. Granted by the data migration
`incidents.0002_roles`; kept here so that the migration and the tests read the same table.

Standards editors own correction and takedown decisions (DESIGN.md, "Who uses it");
administrators hold it too, as they hold the other standards-desk permissions.
"""

from __future__ import annotations

from accounts.roles import Role

DECIDE_PERMISSION = "incidents.decide_incident"

INCIDENT_ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.STANDARDS: (DECIDE_PERMISSION,),
    Role.ADMIN: (DECIDE_PERMISSION,),
}
