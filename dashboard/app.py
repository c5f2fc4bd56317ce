"""The dashboard application factory.

Usage (in the API process)::

    app = create_dash(CareServices.from_settings(settings), settings)
    fastapi_app.mount("/dashboard", WSGIMiddleware(app.server))

The Dash app serves its pages under ``requests_pathname_prefix`` (what the browser requests) and answers routes
relative to its mount point, so it can be mounted in the API's process under ``/dashboard/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash

from dashboard.availability import install_availability_check
from dashboard.callbacks import cases, household, network, overview, research, routing
from dashboard.callbacks.context import DashContext
from dashboard.i18n import t
from dashboard.layouts.shell import shell_layout
from dashboard.security import RENDERER_SCRIPT, install_security_headers
from dashboard.session import configure_session
from dashboard.session import session_secret as session_secret_from

__all__ = ["create_dash", "ASSETS"]

ASSETS = Path(__file__).with_name("assets")


def create_dash(
    services: Any,
    settings: Any,
    *,
    requests_pathname_prefix: str = "/dashboard/",
    routes_pathname_prefix: str = "/",
    secret: str | None = None,
    secure_cookie: bool = False,
) -> dash.Dash:
    """Build the dashboard over ``services`` (a :class:`caregraph.services.CareServices`).

    Parameters
    ----------
    services
        The services layer; every callback calls it with the logged-in principal.
    settings
        The :class:`foundation.settings.Settings` (kept for the callbacks).
    requests_pathname_prefix
        Path prefix the browser uses (where the app is mounted), ending in ``/``.
    routes_pathname_prefix
        Path prefix of the Flask routes themselves (``/`` when a parent app strips the mount path).
    secret
        Key signing the session cookie; by default ``settings.session_secret`` (``CAREGRAPH_SESSION_SECRET``), or
        a random per-process key with a warning when that is unset (sessions end at restart).
    secure_cookie
        Mark the session cookie ``Secure`` (set behind HTTPS).
    """
    app = dash.Dash(
        __name__,
        requests_pathname_prefix=requests_pathname_prefix,
        routes_pathname_prefix=routes_pathname_prefix,
        assets_folder=str(ASSETS),
        suppress_callback_exceptions=True,
        serve_locally=True,
        title=t("app_title"),
        update_title="",
        compress=False,
    )
    app.renderer = RENDERER_SCRIPT
    server = app.server
    configure_session(server, secret=secret or session_secret_from(settings), secure_cookie=secure_cookie,
                      path=requests_pathname_prefix)
    install_security_headers(server, RENDERER_SCRIPT)
    install_availability_check(server, services)
    ctx = DashContext(services=services, settings=settings)
    app.layout = lambda: shell_layout(ctx.today())
    for module in (routing, overview, cases, household, network, research):
        module.register(app, ctx)
    return app
