from __future__ import annotations

from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("", views.integration_list, name="list"),
    path("new/", views.integration_create_view, name="create"),
    path("<id:pk>/tokens/new/", views.token_create_view, name="token_create"),
    path("<id:pk>/endpoints/new/", views.endpoint_create_view, name="endpoint_create"),
    path("tokens/<id:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("endpoints/<id:pk>/", views.endpoint_detail, name="endpoint"),
    path("endpoints/<id:pk>/rotate/", views.endpoint_rotate, name="endpoint_rotate"),
    path("endpoints/<id:pk>/enable/", views.endpoint_enable_view, name="endpoint_enable"),
    path("deliveries/<id:pk>/", views.delivery_detail, name="delivery"),
    path("deliveries/<id:pk>/redeliver/", views.delivery_redeliver_view, name="redeliver"),
]
