"""Values every page template gets: site name, navigation, active build."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

NAVIGATION = (
    ("Search", "web:search"),
    ("Assistant", "assistant:chat"),
    ("Case to code", "search:case2code"),
    ("Index", "search:index"),
    ("ICD-10-CM", "codebook:browse-icd10cm"),
    ("ICD-10-PCS", "codebook:browse-icd10pcs"),
    ("HCPCS", "codebook:browse-hcpcs"),
    ("Modifiers", "rules:modifiers"),  # the reference; it links the official Level II list when imported
    ("POS", "codebook:browse-pos"),
    ("Guidelines", "codebook:guidelines"),
    ("Claim check", "rules:check"),
    ("DRG", "drg:page"),
    ("Releases", "codebook:releases"),
    ("Jobs", "careers:list"),
    ("Consult", "consult:ask"),
)


def site(request: HttpRequest) -> dict[str, object]:
    return {"site_name": settings.MEDCODE_SITE_NAME, "navigation": NAVIGATION}
