"""URLs of search pages and typing-time endpoints."""

from django.urls import path

from medcode.search import views

app_name = "search"

urlpatterns = [
    path("search/autocomplete/", views.autocomplete_json, name="autocomplete"),
    path("index/", views.index_home, name="index"),
    path("index/<str:idx>/<int:term_id>/", views.index_term, name="index-term"),
    path("index/<str:idx>/code/<str:code>/", views.index_code, name="index-code"),
    path("case2code/", views.case_to_code, name="case2code"),
]
