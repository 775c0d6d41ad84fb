from __future__ import annotations

from django.urls import path

from workflow import queue, views

# The review desk's namespace, kept from before the workflow layer existed (see workflow.views).
# The asset page's own actions joined it with the same paths: second_approve and
# acknowledge_provenance were signoff:*, recheck_provenance was provenance:recheck.
app_name = "review"

urlpatterns = [
    path("queue/", queue.queue, name="queue"),
    path("assets/upload/", views.upload, name="upload"),
    path("assets/<id:pk>/", views.asset_detail, name="asset_detail"),
    path("assets/<id:pk>/media", views.asset_media, name="asset_media"),
    path("assets/<id:pk>/status", views.asset_status, name="asset_status"),
    path("assets/<id:pk>/comments/", views.asset_comment, name="asset_comment"),
    path("assets/<id:pk>/actions/<slug:action>/", views.asset_action, name="asset_action"),
    path("assets/<id:pk>/signoff/second/", views.second_approve, name="second_approve"),
    path(
        "assets/<id:pk>/signoff/acknowledge/",
        views.acknowledge_provenance,
        name="acknowledge_provenance",
    ),
    path(
        "assets/<id:pk>/provenance/recheck/",
        views.recheck_provenance,
        name="recheck_provenance",
    ),
]
