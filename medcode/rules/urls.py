"""URLs of the claim checker, fee calculator and modifier reference."""

from django.urls import path

from medcode.rules import views

app_name = "rules"

urlpatterns = [
    path("check/", views.check, name="check"),
    path("check/files/<str:token>/", views.batch, name="batch"),
    path("check/files/<str:token>/results.<str:fmt>", views.batch_download, name="batch_download"),
    path("fees/", views.fee, name="fee"),
    path("modifiers/", views.modifier_reference, name="modifiers"),
]
