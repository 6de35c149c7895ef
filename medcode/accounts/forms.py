"""Forms of the account pages: they only parse input; services decide."""

from __future__ import annotations

from django import forms

from medcode.accounts.errors import MSG_NOTE_TOO_LONG
from medcode.accounts.models import API_SCOPES, NOTE_MAX_CHARS


class RegisterForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        min_length=1, max_length=200, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class LoginForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(max_length=200, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class ResetRequestForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class EmailChangeForm(forms.Form):
    new_email = forms.EmailField(max_length=254, label="New e-mail")
    password = forms.CharField(
        max_length=200, label="Current password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        max_length=200, label="Current password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        max_length=200, label="New password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class DeleteForm(forms.Form):
    password = forms.CharField(
        max_length=200, label="Your password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=80, label="Key name")
    scopes = forms.MultipleChoiceField(
        choices=API_SCOPES, widget=forms.CheckboxSelectMultiple, initial=["read"], label="Scopes"
    )


class NoteForm(forms.Form):
    text = forms.CharField(required=False, strip=True)

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"]
        if len(text) > NOTE_MAX_CHARS:
            raise forms.ValidationError(MSG_NOTE_TOO_LONG.format(count=len(text), limit=NOTE_MAX_CHARS))
        return text
