"""URLs of search pages and typing-time endpoints."""

from django.urls import path

from medcode.search import views

app_name = "search"

urlpatterns = [
    path("search/autocomplete/", views.autocomplete_json, name="autocomplete"),
    # the paths of the NLM Clinical Table Search Service, so its clients only change the host
    path("api/icd10cm/v3/search", views.ctss, {"system": "icd10cm"}, name="ctss-icd10cm"),
    path("api/hcpcs/v3/search", views.ctss, {"system": "hcpcs"}, name="ctss-hcpcs"),
    path("index/", views.index_home, name="index"),
    path("index/<str:idx>/<int:term_id>/", views.index_term, name="index-term"),
    path("index/<str:idx>/code/<str:code>/", views.index_code, name="index-code"),
    path("case2code/", views.case_to_code, name="case2code"),
]
