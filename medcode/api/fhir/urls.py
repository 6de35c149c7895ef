"""URLs of the FHIR terminology service under /fhir/."""

from django.urls import path, re_path

from medcode.api.fhir import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("CodeSystem/$lookup", views.codesystem_lookup, name="lookup"),
    path("CodeSystem/$validate-code", views.codesystem_validate_code, name="validate-code"),
    path("CodeSystem/$subsumes", views.codesystem_subsumes, name="subsumes"),
    path("CodeSystem/<str:resource_id>/$lookup", views.codesystem_lookup, name="lookup-instance"),
    path("CodeSystem/<str:resource_id>/$validate-code", views.codesystem_validate_code, name="validate-code-instance"),
    path("CodeSystem/<str:resource_id>/$subsumes", views.codesystem_subsumes, name="subsumes-instance"),
    path("CodeSystem/<str:resource_id>", views.codesystem_read, name="codesystem"),
    path("ValueSet/$expand", views.valueset_expand, name="expand"),
    path("ValueSet/<str:resource_id>/$expand", views.valueset_expand, name="expand-instance"),
    path("ValueSet/<str:resource_id>", views.valueset_read, name="valueset"),
    path("ConceptMap/$translate", views.conceptmap_translate, name="translate"),
    path("ConceptMap/<str:resource_id>/$translate", views.conceptmap_translate, name="translate-instance"),
    path("ConceptMap/<str:resource_id>", views.conceptmap_read, name="conceptmap"),
    re_path(r"^(?P<path>.*)$", views.not_found, name="not-found"),
]
