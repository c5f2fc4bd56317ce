"""One process serving the API (``/api/v1``, ``/docs``, ``/health``, ``/ready``) and the Dash dashboard
(``/dashboard/``), sharing one :class:`~caregraph.services.CareServices` (one store handle, one cache).

The dashboard is a Flask (WSGI) app, mounted in the ASGI app with :class:`a2wsgi.WSGIMiddleware`.

Workers (``caregraph serve --workers N``, ``CAREGRAPH_API_WORKERS``):

* **1** (default): one process owns the store read-write; uploads work.
* **N > 1**: :func:`caregraph.workers.run_workers` starts N processes (:func:`worker_app`), each with its own
  ``SO_REUSEPORT`` listening socket (so the kernel spreads connections evenly). On the
  embedded store each opens it **read-only** (LadybugDB allows one writer but many readers), holds its own cache and
  answers uploads with 503. ``caregraph ingest`` may load while they serve: with readers present a writer always
  builds a new file and swaps it in (:mod:`graph.ladybug_store`), and each worker notices the replaced file within a
  second and reloads it in the background (:meth:`caregraph.services.store_handle.StoreHandle._refresh`). The audit
  log is shared (appends under ``flock``, one hash chain); the dashboard's session key is drawn once by the
  supervisor when none is configured, so sessions span workers. Login throttling is per worker.
"""

from __future__ import annotations

import gc
import logging
import os
import secrets
import threading
from typing import TYPE_CHECKING, Literal

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from api.app import create_app
from api.guard import ApiGuard
from api.problems import install_problem_handlers
from api.routes import health
from caregraph.services import CareServices, ServiceError

if TYPE_CHECKING:
    from foundation.settings import Settings

__all__ = ["build_app", "serve_forever", "worker_app", "Mode", "DASHBOARD_PREFIX", "MODE_ENV", "WARM_ENV"]

log = logging.getLogger(__name__)

Mode = Literal["both", "api", "dashboard"]
DASHBOARD_PREFIX = "/dashboard/"
MODE_ENV = "CAREGRAPH_SERVE_MODE"
"""How the supervisor tells worker processes what to serve (``both``, ``api``, ``dashboard``)."""
WARM_ENV = "CAREGRAPH_SERVE_WARM"


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
        app.add_middleware(ApiGuard, authenticate=services.authenticate, max_body_bytes=settings.max_body_bytes,
                           max_upload_bytes=services.max_upload_bytes)
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
        return
    # The cache is long-lived: move it out of the collector's sight, so that later collections do not walk it (each
    # full collection would otherwise scan the millions of objects of a national-scale cache: latency spikes).
    gc.collect()
    gc.freeze()


def worker_app() -> FastAPI:
    """The app of one worker process of a multi-worker server (uvicorn calls it in each process; settings from the
    environment, mode and warm-up from :data:`MODE_ENV` and :data:`WARM_ENV`)."""
    from foundation.settings import get_settings

    settings = get_settings()
    mode = os.environ.get(MODE_ENV, "both")
    if mode not in ("both", "api", "dashboard"):
        raise ValueError(f"{MODE_ENV} must be both, api or dashboard, not {mode!r}")
    services = CareServices.from_settings(settings, read_only=settings.store == "embedded")
    app = build_app(settings, mode=mode, services=services)  # type: ignore[arg-type]
    if os.environ.get(WARM_ENV, "1") == "1":
        threading.Thread(target=_warm, args=(services,), name="caregraph-warm", daemon=True).start()
    return app


def _serve_workers(settings: Settings, *, host: str, port: int, mode: Mode, warm: bool, workers: int,
                   log_level: str) -> None:
    """Run ``workers`` processes of :func:`worker_app` (:func:`caregraph.workers.run_workers`: a listening socket
    per worker)."""
    from caregraph.workers import run_workers

    if settings.store == "embedded":  # read-only workers cannot create the store: create it (and its schema) first
        from graph.factory import open_store
        from graph.store import StoreLockedError

        try:
            open_store(settings).close()
        except StoreLockedError:  # a writer (`caregraph ingest`) has it open, and has created the schema
            log.info("the store is being written; the workers open it read-only")
    os.environ[MODE_ENV] = mode
    os.environ[WARM_ENV] = "1" if warm else "0"
    if settings.session_secret is None:  # one key for every worker, so a dashboard session spans them
        os.environ["CAREGRAPH_SESSION_SECRET"] = secrets.token_urlsafe(32)
    status = run_workers(workers, host, port, log_level=log_level)
    if status:
        raise SystemExit(status)


def serve_forever(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    mode: Mode = "both",
    warm: bool = True,
    log_level: str = "info",
    workers: int | None = None,
) -> None:
    """Serve until interrupted (uvicorn; ``workers`` processes, default ``settings.api_workers``: see the module
    docstring). With ``warm``, the snapshot and today's analytics are built in the background at start, so the first
    requests do not wait for them."""
    import uvicorn

    n = workers or settings.api_workers
    log.debug("serving %s on %s:%s with %d worker(s), store %s", mode, host or settings.api_host,
              port or settings.api_port, n, settings.store)
    if n > 1:
        _serve_workers(settings, host=host or settings.api_host, port=port or settings.api_port, mode=mode,
                       warm=warm, workers=n, log_level=log_level)
        return
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
