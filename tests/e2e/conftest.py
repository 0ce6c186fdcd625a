"""Browser tests reuse the journey fixtures (the sample catalogue one matter at a time, the
four kinds of applicant) for the founder's journey."""

from tests.journeys.conftest import frozen, people  # noqa: F401
