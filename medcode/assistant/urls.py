"""URLs of the assistant's chat page."""

from django.urls import path

from medcode.assistant import views

app_name = "assistant"

urlpatterns = [
    path("assistant/", views.chat, name="chat"),
    path("assistant/ask/", views.ask, name="ask"),
    path("assistant/stream/", views.stream, name="stream"),
    path("assistant/clear/", views.clear, name="clear"),
]
