"""URL of the MS-DRG page (/drg/)."""

from django.urls import path

from medcode.rules import drg_views

app_name = "drg"

urlpatterns = [path("", drg_views.drg_page, name="page")]
