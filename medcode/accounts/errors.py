"""Errors of accounts, metering and the API gate; their messages are constants that tests import."""

from __future__ import annotations

from medcode.core.errors import ApplicationError

MSG_EMAIL_TAKEN = "An account with the e-mail {email} already exists; log in or reset its password"
MSG_BAD_LOGIN = "E-mail or password is not right"
MSG_NOT_VERIFIED = "Confirm your e-mail address first: we sent a link to {email} (it works once, for 3 hours; register again for a new one)"
MSG_LOGIN_THROTTLED = "Too many failed log-ins; try again in 15 minutes or reset your password"
MSG_RESET_THROTTLED = "Too many password reset requests; try again in an hour"
MSG_BAD_TOKEN = "This link is not valid or has expired; ask for a new one"  # noqa: S105 - a message, not a secret
MSG_WRONG_PASSWORD = "Your current password is not right"  # noqa: S105 - a message, not a secret
MSG_UNKNOWN_PLAN = "There is no plan '{slug}' you can switch to"
MSG_SELF_SERVICE_OFF = "Plan changes are made by the staff of this site; ask them to change your plan"
MSG_NOTE_EMPTY = "A note needs some text"
MSG_NOTE_TOO_LONG = "The note is {count:,} characters; a note may have at most {limit:,} (your saved note is unchanged)"
MSG_KEY_NAME = "Give the API key a name (up to 80 characters)"
MSG_KEY_SCOPES = "Choose at least one scope among: {scopes}"
MSG_KEY_NOT_FOUND = "No API key {key_id} on your account"
MSG_KEY_INVALID = "The API key is unknown or has been revoked"
MSG_KEY_REQUIRED = "This endpoint needs an API key with the '{scope}' scope (header X-API-Key or Authorization: Bearer)"
MSG_KEY_SCOPE = "The API key {prefix}… lacks the '{scope}' scope this endpoint needs"
MSG_RATE_LIMITED = "Rate limit exceeded: {limit} requests per {window} s for {who}; retry in {retry} s"
# What a viewer needs to see a code's locked sections (docs/metering.md); {sections} lists them.
MSG_LOCKED_ANONYMOUS_API = (
    "Locked without an API key: {sections}. Send X-API-Key (or Authorization: Bearer) with a key of an account"
    " whose plan has code views left this month (register for a free account); anonymous calls get the public fields"
)
MSG_LOCKED_GUEST = (
    "Locked: {sections}. The free code view for guests this month is used; register for a free account or log in"
)
MSG_LOCKED_ACCOUNT = (
    "Locked: {sections}. Your {plan} plan's {limit} code views this month are used (pages, API, FHIR and the"
    " assistant count together); upgrade your plan to see them"
)


class AccountError(ApplicationError):
    """A request about an account that cannot be carried out as asked."""


class Throttled(ApplicationError):
    """Too many attempts of something sensitive (log-in, password reset) in a short time."""

    status = 429


class ApiKeyRequired(ApplicationError):
    status = 401


class ApiKeyInvalid(ApplicationError):
    status = 401


class ScopeDenied(ApplicationError):
    status = 403


class RateLimited(ApplicationError):
    """Too many API requests in the current window; extra has limit, window_seconds, retry_after."""

    status = 429
