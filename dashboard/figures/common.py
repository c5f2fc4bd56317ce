"""Shared figure settings: one template, fonts, margins and an empty-figure placeholder."""

from __future__ import annotations

import plotly.graph_objects as go

__all__ = ["base_layout", "empty_figure", "FONT_FAMILY"]

FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def base_layout(fig: go.Figure, *, title: str, x_title: str, y_title: str, height: int = 380) -> go.Figure:
    """Apply the common title, axis titles, fonts and margins to ``fig`` and return it."""
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 13},
        margin={"l": 60, "r": 20, "t": 60, "b": 120},
        height=height,
        legend={"orientation": "h", "yanchor": "top", "y": -0.3, "x": 0.0},
        hoverlabel={"namelength": -1},
    )
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return fig


def empty_figure(title: str, message: str, *, x_title: str = "", y_title: str = "") -> go.Figure:
    """A figure with a title, axis titles and a centred message instead of data."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 14})
    base_layout(fig, title=title, x_title=x_title, y_title=y_title, height=260)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False)
    return fig
