"""What every callback module needs: the services, the settings, and helpers to call services safely."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from dash import html
from dash.exceptions import PreventUpdate

from caregraph.auth import Principal
from caregraph.services import ServiceError, ServiceUnavailableError
from dashboard.i18n import Lang, t
from dashboard.layouts.common import message
from dashboard.session import current_principal

__all__ = ["DashContext", "parse_date", "ServiceFailure", "call_service"]

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class DashContext:
    """The services (a :class:`caregraph.services.CareServices` or anything with its methods) and the settings."""

    services: Any
    settings: Any

    def principal(self) -> Principal:
        """The logged-in principal; stops the callback (no update) when nobody is logged in."""
        principal = current_principal(self.services)
        if principal is None:
            raise PreventUpdate
        return principal

    def today(self) -> dt.date:
        """The default as-of date (the services' clock)."""
        today = getattr(self.services, "today", dt.date.today)
        value = today()
        return value if isinstance(value, dt.date) else dt.date.today()


def parse_date(value: object, default: dt.date) -> dt.date:
    """The date in an ISO string from a date picker (``default`` when empty or malformed).

    >>> parse_date("2025-03-01T00:00:00", dt.date(2000, 1, 1)), parse_date("x", dt.date(2000, 1, 1))
    (datetime.date(2025, 3, 1), datetime.date(2000, 1, 1))
    """
    if not isinstance(value, str) or len(value) < 10:
        return default
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return default


class ServiceFailure(Exception):
    """A service call failed; ``component`` is the message to show instead of the result."""

    def __init__(self, component: html.Div) -> None:
        super().__init__("service call failed")
        self.component = component


def call_service(fn: Callable[..., T], *args: Any, lang: Lang = "nl", **kwargs: Any) -> T:
    """Call the service method ``fn``; turn its errors into :class:`ServiceFailure` carrying a message fit to show.

    Unavailable store and unexpected errors become the translated "store unavailable" message (the unexpected ones are
    logged); a :class:`caregraph.services.ServiceError` shows its title and detail, which hold no personal data.
    """
    try:
        return fn(*args, **kwargs)
    except ServiceUnavailableError:
        raise ServiceFailure(message(t("store_unavailable", lang), "error")) from None
    except ServiceError as e:
        raise ServiceFailure(message(f"{e.title}: {e.detail}", "warning")) from None
    except Exception:
        log.exception("dashboard: service call %s failed", getattr(fn, "__name__", fn))
        raise ServiceFailure(message(t("store_unavailable", lang), "error")) from None
