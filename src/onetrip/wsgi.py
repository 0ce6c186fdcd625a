import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402

# Refuse to start without a real key (raises ImproperlyConfigured when SECRET_KEY is empty).
if not settings.SECRET_KEY:  # pragma: no cover - Django raises before this on an empty key
    raise RuntimeError("SECRET_KEY is not set")
