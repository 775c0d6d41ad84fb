from __future__ import annotations

from django.apps import AppConfig


class LabelingConfig(AppConfig):
    name = "labeling"
    verbose_name = "Labeling and disclosure"

    def ready(self) -> None:
        from labeling import checks  # noqa: F401  (registers the signing-key checks)
        from labeling.renditions import register_heif_opener

        # At startup rather than on first use: Pillow's registry is global, and the intake
        # check (review) decodes uploads with Pillow too; registering lazily would make
        # whether a HEIC decodes there depend on whether a rendition was made earlier in the
        # same process.
        register_heif_opener()
