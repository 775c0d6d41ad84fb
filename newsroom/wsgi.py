from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from newsroom.startup import tune_garbage_collector

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

application = get_wsgi_application()
tune_garbage_collector()
