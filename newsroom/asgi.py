from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

from newsroom.startup import freeze_startup_objects, keep_freed_memory_for_reuse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

keep_freed_memory_for_reuse()  # in-process tasks (no broker) read files here too

application = get_asgi_application()
freeze_startup_objects()
