"""Small building blocks shared by the page layouts."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

__all__ = ["card", "section", "graph", "kpi", "message"]


def card(*children: Any, **kw: Any) -> html.Div:
    """A white card around ``children``."""
    kw.setdefault("className", "cg-card")
    return html.Div(list(children), **kw)


def section(title: str, *children: Any) -> html.Section:
    """A titled section."""
    return html.Section([html.H2(title, className="cg-h2"), *children], className="cg-section")


def graph(component_id: str) -> dcc.Loading:
    """A Plotly graph (with a loading indicator) whose figure a callback fills."""
    return dcc.Loading(dcc.Graph(id=component_id, config={"displaylogo": False},
                                 className="cg-graph"), type="dot")


def kpi(label: str, value: str, test_id: str) -> html.Div:
    """A key figure: a big value with its label."""
    return html.Div([html.Div(value, className="cg-kpi-value"), html.Div(label, className="cg-kpi-label")],
                    className="cg-kpi", id=test_id)


def message(text: str, kind: str = "info") -> html.Div:
    """A short message box (info, warning or error)."""
    return html.Div(text, className=f"cg-message cg-{kind}", role="status")
