"""URLs of code pages, browse pages, releases and the official guidance documents."""

from django.urls import path

from medcode.codebook import guidance_views, views
from medcode.codebook.systems import SYSTEMS

app_name = "codebook"

urlpatterns = [
    path("codes/<str:system>/<path:code>/", views.code_page, name="code"),
    path("releases/", views.releases, name="releases"),
    path("guidelines/", guidance_views.guidance_root, name="guidelines"),
    path("guidelines/<str:document>/", guidance_views.guidance_contents, name="guidance"),
    path("guidelines/<str:document>/search/", guidance_views.guidance_search, name="guidance-search"),
    path("guidelines/<str:document>/<str:ref>/", guidance_views.guidance_section, name="guidance-section"),
    path("releases/<str:system>/changes/", views.changes, name="changes"),
    path("codes/<str:system>/", views.browse, name="browse"),
    *[path(f"codes/{s}/", views.browse, {"system": s}, name=f"browse-{s}") for s in SYSTEMS],
]
