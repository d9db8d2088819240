"""The real SMTP server of the mail tests, for the scheduler's tests that follow a reminder to
the inbox."""

from tests.mailing.conftest import smtp as smtp
