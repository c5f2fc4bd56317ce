"""Component ids of the dashboard, in one place (layouts and callbacks import them from here)."""

from __future__ import annotations

# shell
URL = "url"
LANG_STORE = "lang-store"
LANG_SWITCH = "lang-switch"
NAV = "nav"
PAGE = "page-content"
USER_BADGE = "user-badge"
LOGOUT = "logout-button"
ERROR_BANNER = "error-banner"

# login
LOGIN_TOKEN = "login-token"  # noqa: S105 - a component id, not a secret
LOGIN_BUTTON = "login-button"
LOGIN_MESSAGE = "login-message"
LOGIN_REDIRECT = "login-redirect"

# filters shared by overview and cases
AS_OF = "as-of"
DISTRICT = "district-filter"

# overview
KPI_ROW = "kpi-row"
FIG_FLAGS_BY_DISTRICT = "fig-flags-by-district"
FIG_FLAGS_PER_FLAG = "fig-flags-per-flag"
FIG_TREND = "fig-trend"
FIG_HELPERS = "fig-helpers"

# cases
CASES_TABLE = "cases-table"
CASES_NOTE = "cases-note"
CASES_EXPORT = "cases-export"
CASES_DOWNLOAD = "cases-download"

# household
HH_HEADER = "household-header"
HH_EGO = "household-ego"
HH_EGO_HOVER = "household-ego-hover"
FIG_GANTT = "fig-gantt"
HH_FLAGS = "household-flags"
FIG_SCORES = "fig-scores"
HH_SUGGESTION = "household-suggestion"
HH_MEMBERS = "household-members"

# network
NET_THRESHOLD = "network-threshold"
NET_GRAPH = "network-graph"
NET_HOVER = "network-hover"
NET_NOTE = "network-note"
NET_CENTRALITY = "network-centrality"
FIG_CENTRALITY = "fig-centrality"
NET_COMMUNITIES = "network-communities"

# research
RESEARCH_TABLE = "research-table"
RESEARCH_STATS = "research-stats"
FILTER_BAR = "filter-bar"
CASES_FLAG = "cases-flag"
RESEARCH_EXPORT = "research-export"
RESEARCH_DOWNLOAD = "research-download"
RESEARCH_MESSAGE = "research-message"
ADMIN_TABLE = "admin-table"
