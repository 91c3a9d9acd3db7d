"""Domain errors for accounts; each carries a stable code for the API."""

from turnabout.core.errors import DomainError


class AccountError(DomainError):
    code = "account_error"


class DuplicateEmail(AccountError):
    code = "duplicate_email"
