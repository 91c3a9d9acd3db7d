"""Domain errors for accounts; each carries a stable code for the API."""

from turnabout.core.errors import DomainError


class AccountError(DomainError):
    code = "account_error"


class DuplicateEmail(AccountError):
    code = "duplicate_email"


class AuditEntryPermanent(AccountError):
    """Something tried to change or delete an audit entry: the log is append-only."""

    code = "audit_entry_permanent"
