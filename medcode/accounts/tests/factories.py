"""factory_boy factories for users, accounts, plans and API keys."""

from __future__ import annotations

from typing import Any, cast

import factory
from django.contrib.auth.models import User

from medcode.accounts import apikeys
from medcode.accounts.models import Account, ApiKey, Plan
from medcode.accounts.services import Client

PASSWORD = "correct horse battery staple"


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"plan-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    page_limit = 5
    locked_sections = ["notes", "explanation"]
    api_rate_per_minute = 60


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"coder{n}@example.org")
    username = factory.LazyAttribute(lambda o: o.email)
    is_active = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    user = factory.SubFactory(UserFactory)
    plan = factory.LazyFunction(lambda: Plan.objects.get(slug="free"))


def api_key_for(
    user: User, *, scopes: tuple[str, ...] = ("read", "account"), rate: int | None = None
) -> tuple[ApiKey, str]:
    """A key made by the real service (only its hash is stored), with its secret."""
    return apikeys.api_key_create(
        user_id=user.pk, name="test key", scopes=list(scopes), client=Client(ip="127.0.0.1"), rate_per_minute=rate
    )


def make_account(**kwargs: Any) -> Account:
    """An active user with a known password (PASSWORD) and an account, typed for the tests."""
    return cast(Account, AccountFactory(**kwargs))
