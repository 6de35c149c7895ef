"""URLs of code pages, browse pages and releases."""

from django.urls import path

from medcode.codebook import views
from medcode.ingest.records import SYSTEMS

app_name = "codebook"

urlpatterns = [
    path("codes/<str:system>/<path:code>/", views.code_page, name="code"),
    path("releases/", views.releases, name="releases"),
    path("releases/<str:system>/changes/", views.changes, name="changes"),
    path("codes/<str:system>/", views.browse, name="browse"),
    *[path(f"codes/{s}/", views.browse, {"system": s}, name=f"browse-{s}") for s in SYSTEMS],
]
