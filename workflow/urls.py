from __future__ import annotations

from django.urls import path

from workflow import views

# The review desk's namespace, kept from before the workflow layer existed (see workflow.views).
# The asset page's own actions joined it with the same paths: second_approve and
# acknowledge_provenance were signoff:*, recheck_provenance was provenance:recheck.
app_name = "review"

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("assets/upload/", views.upload, name="upload"),
    path("assets/<int:pk>/", views.asset_detail, name="asset_detail"),
    path("assets/<int:pk>/media", views.asset_media, name="asset_media"),
    path("assets/<int:pk>/comments/", views.asset_comment, name="asset_comment"),
    path("assets/<int:pk>/actions/<slug:action>/", views.asset_action, name="asset_action"),
    path("assets/<int:pk>/signoff/second/", views.second_approve, name="second_approve"),
    path(
        "assets/<int:pk>/signoff/acknowledge/",
        views.acknowledge_provenance,
        name="acknowledge_provenance",
    ),
    path(
        "assets/<int:pk>/provenance/recheck/",
        views.recheck_provenance,
        name="recheck_provenance",
    ),
]
