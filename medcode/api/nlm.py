"""The NLM Clinical Table Search Service, medcode's copy: the same paths and answers, so its clients only change the host."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET

from medcode.api.auth import api_gate
from medcode.core.errors import ApplicationError
from medcode.search import autocomplete


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        raise ApplicationError(f"'{value}' is not a number") from None


@require_GET
@api_gate(scope="read")
def ctss(request: HttpRequest, system: str) -> JsonResponse:
    """[total, codes, extra, display] like the NLM Clinical Table Search Service (icd10cm and hcpcs)."""
    try:
        result = autocomplete.ctss_search(
            system=system,
            terms=request.GET.get("terms", ""),
            max_list=_int(request.GET.get("maxList"), 7),
            sf=request.GET.get("sf", "code,name"),
            df=request.GET.get("df"),
            ef=request.GET.get("ef"),
        )
    except ApplicationError as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    return JsonResponse(result, safe=False)


urlpatterns = [
    path("api/icd10cm/v3/search", ctss, {"system": "icd10cm"}, name="ctss-icd10cm"),
    path("api/hcpcs/v3/search", ctss, {"system": "hcpcs"}, name="ctss-hcpcs"),
]
