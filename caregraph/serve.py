"""One process serving the API (``/api/v1``, ``/docs``, ``/health``, ``/ready``) and the Dash dashboard
(``/dashboard/``), sharing one :class:`~caregraph.services.CareServices` (one store handle, one cache).

The dashboard is a Flask (WSGI) app, mounted in the ASGI app with :class:`a2wsgi.WSGIMiddleware`. One worker only:
the embedded store allows one writing process.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Literal

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from api.app import create_app
from api.problems import install_problem_handlers
from api.routes import health
from caregraph.services import CareServices, ServiceError

if TYPE_CHECKING:
    from caregraph.settings import Settings

__all__ = ["build_app", "serve_forever", "Mode", "DASHBOARD_PREFIX"]

log = logging.getLogger(__name__)

Mode = Literal["both", "api", "dashboard"]
DASHBOARD_PREFIX = "/dashboard/"


def build_app(settings: Settings, *, mode: Mode = "both", services: CareServices | None = None) -> FastAPI:
    """The ASGI app for ``mode``: API and dashboard (``both``), the API only, or the dashboard only (``/health``
    and ``/ready`` are always served)."""
    services = services or CareServices.from_settings(settings)
    if mode in ("both", "api"):
        app = create_app(settings, services=services)
    else:
        app = FastAPI(title="caregraph", docs_url=None, redoc_url=None, openapi_url=None)
        app.state.services = services
        install_problem_handlers(app)
        app.include_router(health.router)
    if mode in ("both", "dashboard"):
        from a2wsgi import WSGIMiddleware

        from dashboard.app import create_dash

        dash_app = create_dash(services, settings, requests_pathname_prefix=DASHBOARD_PREFIX)
        app.mount(DASHBOARD_PREFIX.rstrip("/"), WSGIMiddleware(dash_app.server))  # type: ignore[arg-type]

    home = DASHBOARD_PREFIX if mode in ("both", "dashboard") else "/docs"

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(home)

    return app


def _warm(services: CareServices) -> None:
    try:
        services.warm()
    except ServiceError as e:
        log.warning("could not warm the cache: %s", e.detail)


def serve_forever(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    mode: Mode = "both",
    warm: bool = True,
    log_level: str = "info",
) -> None:
    """Serve until interrupted (uvicorn, one worker). With ``warm``, the snapshot and today's analytics are built
    in the background at start, so the first requests do not wait for them."""
    import uvicorn

    services = CareServices.from_settings(settings)
    app = build_app(settings, mode=mode, services=services)
    if warm:
        threading.Thread(target=_warm, args=(services,), name="caregraph-warm", daemon=True).start()
    config = uvicorn.Config(app, host=host or settings.api_host, port=port or settings.api_port, workers=1,
                            log_level=log_level, access_log=False, server_header=False, lifespan="off")
    try:
        uvicorn.Server(config).run()
    except KeyboardInterrupt:  # uvicorn re-raises the signal after its graceful shutdown
        pass
    finally:
        services.close()
