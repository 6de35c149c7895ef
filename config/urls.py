"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path

from medcode.api.v1 import api

# The APIs come first: machine clients call them most, and resolving walks the list in order.
urlpatterns = [
    path("fhir/", include("medcode.api.fhir.urls")),
    path("api/v1/", api.urls),
    path("", include("medcode.api.nlm")),  # the NLM-compatible search service (/api/icd10cm/v3/search)
    path("", include("medcode.web.urls")),
    path("", include("medcode.codebook.urls")),
    path("rules/", include("medcode.rules.urls")),
    path("drg/", include("medcode.rules.drg_urls")),
    path("", include("medcode.search.urls")),
    path("", include("medcode.assistant.urls")),
    path("account/", include("medcode.accounts.urls")),
    path("jobs/", include("medcode.careers.urls")),
    path("consult/", include("medcode.consult.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "medcode.web.errors.not_found"
handler500 = "medcode.web.errors.server_error"
