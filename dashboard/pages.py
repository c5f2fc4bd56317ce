"""The pages of the dashboard: their paths, navigation labels and the service action each needs.

A page is shown only to a principal whose role may perform its action (the same deny-by-default table the services
enforce, :data:`caregraph.auth.PERMISSIONS`), so a page never appears for a role whose service calls would fail.
"""

from __future__ import annotations

from dataclasses import dataclass

from caregraph.auth import Action, Principal

__all__ = ["PageSpec", "PAGES", "page_for_path", "visible_pages", "home_page"]


@dataclass(frozen=True)
class PageSpec:
    """A page: ``key`` (also its path below the dashboard prefix), its nav label key and the action it needs."""

    key: str
    label: str
    action: Action
    in_nav: bool = True


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "nav_overview", Action.flag_summary),
    PageSpec("cases", "nav_cases", Action.list_households),
    PageSpec("household", "nav_household", Action.household_detail, in_nav=False),
    PageSpec("network", "nav_network", Action.agencies),
    PageSpec("research", "nav_research", Action.export),
    PageSpec("admin", "nav_admin", Action.manage_users),
)

_BY_KEY = {p.key: p for p in PAGES}


def page_for_path(relative_path: str) -> PageSpec | None:
    """The page of a path relative to the dashboard prefix (``""`` is the home page; unknown paths give None).

    >>> page_for_path("cases").key, page_for_path("/household/").key, page_for_path("nope")
    ('cases', 'household', None)
    """
    key = relative_path.strip("/").split("/")[0]
    if key == "":
        return None
    return _BY_KEY.get(key)


def visible_pages(principal: Principal) -> list[PageSpec]:
    """The pages ``principal`` may open."""
    return [p for p in PAGES if principal.may(p.action)]


def home_page(principal: Principal) -> PageSpec | None:
    """The first page ``principal`` may open (overview for managers and coordinators, research for researchers)."""
    pages = visible_pages(principal)
    return pages[0] if pages else None
