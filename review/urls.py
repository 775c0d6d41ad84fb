from __future__ import annotations

from django.urls import path

from review import views

app_name = "review"

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("assets/upload/", views.upload, name="upload"),
    path("assets/<int:pk>/", views.asset_detail, name="asset_detail"),
    path("assets/<int:pk>/media", views.asset_media, name="asset_media"),
    path("assets/<int:pk>/comments/", views.asset_comment, name="asset_comment"),
    path("assets/<int:pk>/actions/<slug:action>/", views.asset_action, name="asset_action"),
]
