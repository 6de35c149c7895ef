"""Consult desk URLs under /consult/."""

from django.urls import path

from medcode.consult import views

app_name = "consult"
urlpatterns = [
    path("", views.ask, name="ask"),
    path("mine/<str:token>/", views.mine_detail, name="mine-detail"),
    path("desk/", views.desk, name="desk"),
    path("desk/<int:consult_id>/", views.desk_detail, name="desk-detail"),
    path("desk/<int:consult_id>/state/", views.desk_state, name="desk-state"),
    path("desk/<int:consult_id>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
