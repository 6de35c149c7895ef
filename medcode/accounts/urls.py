"""URLs of the account pages under /account/."""

from django.urls import path

from medcode.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("register/", views.register, name="register"),
    path("register/sent/", views.register_sent, name="register_sent"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/<uidb64>/<token>/", views.PasswordResetConfirm.as_view(), name="password_reset_confirm"),
    path("email/", views.email_change, name="email_change"),
    path("password/", views.password_change, name="password_change"),
    path("keys/", views.key_create, name="key_create"),
    path("keys/<int:key_id>/revoke/", views.key_revoke, name="key_revoke"),
    path("delete/", views.delete, name="delete"),
    path("upgrade/", views.upgrade, name="upgrade"),
    path("favorites/", views.favorites, name="favorites"),
    path("favorites/<str:system>/<str:code>/", views.favorite_toggle, name="favorite_toggle"),
    path("notes/", views.notes, name="notes"),
    path("notes/<str:system>/<str:code>/", views.note_save, name="note_save"),
    path("history/", views.history, name="history"),
]
