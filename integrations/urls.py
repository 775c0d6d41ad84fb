from __future__ import annotations

from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("", views.integration_list, name="list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("endpoints/<int:pk>/", views.endpoint_detail, name="endpoint"),
    path("endpoints/<int:pk>/rotate/", views.endpoint_rotate, name="endpoint_rotate"),
    path("endpoints/<int:pk>/enable/", views.endpoint_enable_view, name="endpoint_enable"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery"),
    path("deliveries/<int:pk>/redeliver/", views.delivery_redeliver_view, name="redeliver"),
]
