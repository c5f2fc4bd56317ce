"""503 for dashboard page loads while the graph store is unavailable.

A page load (``GET`` of a dashboard page, not of its scripts, styles or Dash's JSON routes) first asks the services
whether the store answers (:meth:`caregraph.services.CareServices.ready`: it reopens a store that went away, so the
dashboard recovers by itself once the store is back). When it does not, the page is a short bilingual message with
status 503, ``Retry-After`` and a meta refresh, so an open browser tab comes back by itself too.

Callbacks (``_dash-update-component``) keep answering 200 with the same message in the page (see
:func:`dashboard.callbacks.context.call_service`): Dash's renderer drops the body of any non-200 callback answer, so
a 503 there would show the user nothing at all.
"""

from __future__ import annotations

import html
import logging
from typing import Any

import flask

from dashboard.i18n import t

__all__ = ["install_availability_check", "unavailable_page", "RETRY_AFTER_S"]

log = logging.getLogger(__name__)

RETRY_AFTER_S = 10
"""Seconds after which the browser reloads the 503 page (and ``Retry-After``)."""

_NOT_PAGES = ("/_dash-", "/assets/", "/_favicon", "/_reload-hash")


def unavailable_page(detail: str) -> str:
    """The HTML of the 503 page: the message in Dutch and English, and the (non-personal) reason."""
    return (
        "<!DOCTYPE html><html lang=\"nl\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"refresh\" content=\"{RETRY_AFTER_S}\"><title>caregraph</title></head><body>"
        f"<h1>{html.escape(t('store_unavailable', 'nl'))}</h1>"
        f"<p lang=\"en\">{html.escape(t('store_unavailable', 'en'))}</p>"
        f"<p><small>{html.escape(detail)}</small></p></body></html>"
    )


def install_availability_check(server: flask.Flask, services: Any) -> None:
    """Answer dashboard page loads with 503 while ``services.ready()`` reports the store unavailable."""
    ready = getattr(services, "ready", None)
    if ready is None:  # services without a store (unit-test doubles)
        return

    @server.before_request
    def _store_check() -> flask.Response | None:
        req = flask.request
        if req.method != "GET" or any(part in req.path for part in _NOT_PAGES):
            return None
        status = ready()
        if getattr(status, "status", "ok") == "ok":
            return None
        detail = str(getattr(status, "detail", None) or "the graph store is unavailable")
        log.warning("dashboard page load while the store is unavailable: %s", detail)
        return flask.Response(unavailable_page(detail), status=503, mimetype="text/html",
                              headers={"Retry-After": str(RETRY_AFTER_S)})
