"""Domain errors for accounts; each carries a stable code for the API."""


class AccountError(Exception):
    code = "account_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DuplicateEmail(AccountError):
    code = "duplicate_email"
