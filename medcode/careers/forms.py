"""Forms of the job board pages (the services validate again; forms give the browser its fields)."""

from __future__ import annotations

from django import forms

from medcode.careers.models import CREDENTIALS, EMPLOYMENT_TYPES, SALARY_PERIODS, SPECIALTIES, WORKPLACE


class EmployerForm(forms.Form):
    organisation = forms.CharField(max_length=200)
    website = forms.URLField(required=False, assume_scheme="https")


class JobForm(forms.Form):
    title = forms.CharField(max_length=160)
    organisation = forms.CharField(max_length=200, required=False, help_text="Empty: your employer name.")
    location = forms.CharField(max_length=160, required=False, help_text="City, state; empty for fully remote jobs.")
    workplace = forms.ChoiceField(choices=WORKPLACE)
    employment_type = forms.ChoiceField(choices=EMPLOYMENT_TYPES)
    credentials = forms.MultipleChoiceField(choices=CREDENTIALS, required=False, widget=forms.CheckboxSelectMultiple)
    specialty = forms.ChoiceField(choices=SPECIALTIES)
    salary_min = forms.IntegerField(min_value=0, required=False)
    salary_max = forms.IntegerField(min_value=0, required=False)
    salary_period = forms.ChoiceField(choices=SALARY_PERIODS)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), max_length=20_000)
    how_to_apply = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)
    apply_url = forms.URLField(
        required=False, assume_scheme="https", help_text="Your own application page; empty: applicants apply here."
    )
    closing_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ApplyForm(forms.Form):
    resume = forms.FileField(help_text="PDF or Word (.docx)")
    cover_letter = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=5000)


class RejectForm(forms.Form):
    reason = forms.CharField(max_length=300)
