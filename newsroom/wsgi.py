from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from newsroom.startup import freeze_startup_objects

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

application = get_wsgi_application()
freeze_startup_objects()
