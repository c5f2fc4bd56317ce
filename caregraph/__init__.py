"""caregraph: a network-of-care analyzer for Dutch municipalities."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed package's metadata on first use.

    Not at import: ``importlib.metadata`` (and the e-mail parser it loads) would add about 20 ms to every start of
    the ``caregraph`` command, which never shows the version.
    """
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("caregraph")
    except PackageNotFoundError:  # running from a source tree that is not installed
        value = "0.0.0+unknown"
    globals()["__version__"] = value
    return value
