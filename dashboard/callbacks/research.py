"""Research and administration callbacks: export choices with metadata, the export download, statistics, users."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import dash
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.callbacks.context import DashContext, ServiceFailure, call_service, parse_date
from dashboard.i18n import Lang, lang_or_default, role_label, t
from dashboard.layouts.common import message

__all__ = ["register", "EXPORT_CHOICES", "export_choice_rows", "metadata_of_zip"]

EXPORT_CHOICES: tuple[tuple[str, str, tuple[str, str]], ...] = (
    ("nodes", "CSV, Parquet", ("Knopen van het netwerk (huishoudens, hulpverleners, organisaties, domeinen), "
                               "gepseudonimiseerd; geboortejaar in plaats van geboortedatum.",
                               "Network nodes (households, professionals, agencies, domains), pseudonymised; "
                               "birth year instead of date of birth.")),
    ("edges", "CSV, Parquet", ("Verbindingen (interventies, dienstverbanden, regie) met periode.",
                               "Edges (interventions, employment, coordination) with their period.")),
    ("graph", "GraphML, GEXF", ("Het hele netwerk voor Gephi, igraph en R.", "The whole network for Gephi, igraph "
                                                                              "and R.")),
    ("flags", "JSON, CSV", ("Signalen met regel, drempels en onderbouwing.", "Flags with rule, thresholds and "
                                                                            "evidence.")),
    ("statistics", "CSV, Parquet", ("Netwerkmaten per huishouden, wijk en maand; aantallen onder k onderdrukt.",
                                    "Network measures per household, district and month; counts below k "
                                    "suppressed.")),
    ("metadata", "JSON", ("Peildatum, drempels, projectiedrempel, k, versie en aantallen rijen.",
                          "As-of date, thresholds, projection threshold, k, version and row counts.")),
)
"""Export parts: name, formats, (Dutch, English) description."""


def export_choice_rows(lang: Lang) -> list[dict[str, str]]:
    """Rows of the export-choices table."""
    return [{"name": n, "formats": f, "description": d[1] if lang == "en" else d[0]} for n, f, d in EXPORT_CHOICES]


def metadata_of_zip(content: bytes) -> dict[str, Any] | None:
    """The ``metadata.json`` inside an export zip (None when there is none or it is not JSON)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            name = next((n for n in z.namelist() if n.rsplit("/", 1)[-1] == "metadata.json"), None)
            if name is None:
                return None
            value = json.loads(z.read(name))
    except (zipfile.BadZipFile, ValueError, KeyError):
        return None
    return value if isinstance(value, dict) else None


def _stats_component(stats: Any, lang: Lang) -> html.Table:
    rows = [("active_households", stats.active_households), ("households", stats.households),
            ("professionals", stats.professionals), ("agencies", stats.agencies),
            ("active_interventions", stats.active_interventions)]
    rows += [(f"helpers_{k}", v) for k, v in stats.helpers_per_household.items()]
    rows += [(k, v) for k, v in sorted(stats.measures.items())]
    return html.Table([html.Tbody([html.Tr([html.Td(k.replace("_", " ")), html.Td("—" if v is None else str(v))])
                                   for k, v in rows])], className="cg-table", id="research-stats-table")


def register(app: dash.Dash, ctx: DashContext) -> None:
    """Register the research and admin callbacks."""

    @app.callback(
        Output(ids.RESEARCH_TABLE, "data"), Output(ids.RESEARCH_TABLE, "columns"),
        Output(ids.RESEARCH_STATS, "children"),
        Input(ids.RESEARCH_TABLE, "id"), State(ids.AS_OF, "date"), State(ids.LANG_STORE, "data"),
    )
    def research(_id: str, as_of_value: str | None, lang_value: str | None) -> tuple[Any, ...]:
        lang = lang_or_default(lang_value)
        principal = ctx.principal()
        columns = [{"id": "name", "name": t("export_name", lang)}, {"id": "formats", "name": t("formats", lang)},
                   {"id": "description", "name": t("description", lang)}]
        try:
            stats = call_service(ctx.services.network_statistics, principal, as_of=parse_date(as_of_value, ctx.today()),
                         lang=lang)
            stats_component: Any = _stats_component(stats, lang)
        except ServiceFailure as failure:
            stats_component = failure.component
        return export_choice_rows(lang), columns, stats_component

    @app.callback(
        Output(ids.RESEARCH_DOWNLOAD, "data"), Output(ids.RESEARCH_MESSAGE, "children"),
        Input(ids.RESEARCH_EXPORT, "n_clicks"), State(ids.AS_OF, "date"), State(ids.LANG_STORE, "data"),
        prevent_initial_call=True,
    )
    def download(n_clicks: int, as_of_value: str | None, lang_value: str | None) -> tuple[Any, Any]:
        if not n_clicks:
            raise PreventUpdate
        lang = lang_or_default(lang_value)
        principal = ctx.principal()
        try:
            export = call_service(ctx.services.export, principal, as_of=parse_date(as_of_value, ctx.today()), lang=lang)
        except ServiceFailure as failure:
            return dash.no_update, failure.component
        content = Path(export.path).read_bytes()  # the services write the zip to disk and answer with its path
        meta = metadata_of_zip(content)
        shown: list[Any] = [message(t("export_ready", lang).format(name=export.filename))]
        if meta is not None:
            shown.append(html.Details([html.Summary(t("metadata", lang)),
                                       html.Pre(json.dumps(meta, indent=2, ensure_ascii=False, default=str))]))
        return dcc.send_bytes(content, export.filename), html.Div(shown)

    @app.callback(Output(ids.ADMIN_TABLE, "data"), Output(ids.ADMIN_TABLE, "columns"),
                  Input(ids.ADMIN_TABLE, "id"), State(ids.LANG_STORE, "data"))
    def admin(_id: str, lang_value: str | None) -> tuple[Any, Any]:
        lang = lang_or_default(lang_value)
        principal = ctx.principal()
        columns = [{"id": "username", "name": t("username", lang)}, {"id": "role", "name": t("role", lang)},
                   {"id": "districts", "name": t("districts", lang)}, {"id": "active", "name": t("active", lang)},
                   {"id": "tokens", "name": t("tokens", lang), "type": "numeric"}]
        try:
            users = call_service(ctx.services.list_users, principal, lang=lang)
        except ServiceFailure:
            return [], columns
        return [{"username": u.username, "role": role_label(u.role, lang), "districts": ", ".join(u.districts),
                 "active": t("yes" if u.active else "no", lang), "tokens": u.tokens} for u in users], columns
