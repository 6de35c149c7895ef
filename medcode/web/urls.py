"""URLs of the site shell."""

from django.urls import path

from medcode.search import views as search_views
from medcode.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", search_views.search_page, name="search"),  # the view lives in search/; the name stays
    path("about/", views.about, name="about"),
    path("privacy/", views.privacy, name="privacy"),
    path("contact/", views.contact, name="contact"),
    path("favicon.ico", views.favicon, name="favicon"),
]
