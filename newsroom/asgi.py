from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

from newsroom.startup import freeze_startup_objects

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

application = get_asgi_application()
freeze_startup_objects()
