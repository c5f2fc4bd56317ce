"""Security headers on every dashboard response.

The Content-Security-Policy allows only the dashboard's own origin for scripts, styles, images, fonts and XHR;
inline scripts are refused except Dash's one renderer bootstrap script, allowed by its SHA-256 hash. Inline *styles*
are allowed because Dash and Plotly set ``style`` attributes. Framing is refused (``frame-ancestors 'none'`` and
``X-Frame-Options: DENY``, against clickjacking), MIME sniffing is off, and no referrer leaves the site.
Reference: OWASP Secure Headers Project, https://owasp.org/www-project-secure-headers/.
"""

from __future__ import annotations

import base64
import hashlib

from flask import Flask, Response

__all__ = ["RENDERER_SCRIPT", "content_security_policy", "security_headers", "install_security_headers"]

RENDERER_SCRIPT = "var renderer = new DashRenderer();"
"""The inline script Dash puts in its index page (``app.renderer``); its hash goes into the CSP."""


def _sha256(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(renderer_script: str = RENDERER_SCRIPT) -> str:
    """The Content-Security-Policy header value for the dashboard.

    >>> "frame-ancestors 'none'" in content_security_policy()
    True
    """
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' {_sha256(renderer_script)}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def security_headers(renderer_script: str = RENDERER_SCRIPT) -> dict[str, str]:
    """Every header the dashboard sets on its responses."""
    return {
        "Content-Security-Policy": content_security_policy(renderer_script),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cache-Control": "no-store",
    }


def install_security_headers(server: Flask, renderer_script: str = RENDERER_SCRIPT) -> None:
    """Add :func:`security_headers` to every response of ``server`` (static assets may be cached privately)."""
    headers = security_headers(renderer_script)

    @server.after_request
    def _add_headers(response: Response) -> Response:
        for name, value in headers.items():
            if name == "Cache-Control" and ("/_dash-component-suites/" in _path() or "/assets/" in _path()):
                response.headers.setdefault(name, "private, max-age=3600")
                continue
            response.headers[name] = value
        return response


def _path() -> str:
    from flask import request

    return request.path
