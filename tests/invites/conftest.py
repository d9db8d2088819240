"""The real SMTP server of the mail tests, for following a reminder to the inbox."""

from tests.mailing.conftest import smtp as smtp
