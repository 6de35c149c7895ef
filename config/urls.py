"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("medcode.web.urls")),
    path("", include("medcode.codebook.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "medcode.web.errors.not_found"
handler500 = "medcode.web.errors.server_error"
