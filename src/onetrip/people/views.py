from __future__ import annotations

from django.contrib.auth import login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onetrip.errors import DomainError
from onetrip.people.forms import RegisterForm
from onetrip.people.services import applicant_account_register, phone_code_send
from onetrip.throttles import throttled_view


def _safe_next(request) -> str:
    """``?next=`` only when it stays on this site (no open redirect after sign-up)."""
    target = request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and ok else "/"


def register(request):
    """Applicant self-registration: phone + password, confirmed by an SMS code."""
    form = RegisterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = applicant_account_register(**form.cleaned_data)
        except DomainError as exc:
            for field, messages in exc.fields.items():
                if field in form.fields:
                    for message in messages if isinstance(messages, list) else [messages]:
                        form.add_error(field, message)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(_safe_next(request))
    # A form sent back with errors is an unprocessable request (422), not a success.
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "people/register.html", {"form": form}, status=status)


@require_POST
@throttled_view("sms_code", phone_field="phone")
def register_code(request):
    """htmx: send the SMS code for the phone number typed in the form."""
    try:
        phone_code_send(phone=request.POST.get("phone", ""), purpose="register")
    except DomainError as exc:
        return HttpResponse(
            f'<span class="error" data-testid="code-status">{escape(exc.message)}</span>',
            # 422 for a bad number, 409 when sent too often; the page shows it all the same
            status=exc.status,
        )
    return HttpResponse(
        f'<span class="muted" data-testid="code-status">{escape(_("验证码已发送，10分钟内有效。"))}</span>'
    )
