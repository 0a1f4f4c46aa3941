"""The scenario's ``calendar:`` section: time zones and public holidays of regions and sites.

Every region has an IANA time zone; a site keeps the zone of the first region it serves
unless ``zones`` names the site too. Public holidays come from the ``holidays`` library
(country, and a subdivision per region or site); only the holidays listed in ``observed``
close warehouses, carriers and the order desk, together with the weekday a library marks
as that holiday's ``(observed)`` day when it falls on a weekend.

:func:`build_calendar` turns the section into the run's :class:`WorkCalendar` (UTC, no
holidays) carrying one calendar per region, per site and for the order desk
(``ORDER_DESK``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.engine.calendar import WorkCalendar

__all__ = [
    "DEFAULT_OBSERVED",
    "DEFAULT_ZONES",
    "ORDER_DESK",
    "CalendarSettings",
    "PublicHolidays",
    "build_calendar",
    "check_places",
]

ORDER_DESK = "order_desk"
"""The place name under which the run's calendar carries the order desk's calendar."""

DEFAULT_ZONES: dict[str, str] = {
    "northeast": "America/New_York",
    "south": "America/New_York",
    "midwest": "America/Chicago",
    "west": "America/Los_Angeles",
}

DEFAULT_OBSERVED: tuple[str, ...] = (
    "New Year's Day",
    "Memorial Day",
    "Independence Day",
    "Labor Day",
    "Thanksgiving Day",
    "Christmas Day",
)

_OBSERVED_SUFFIX = " (observed)"
_NAME_YEARS = range(2024, 2031)
"""Years whose holiday names a scenario may list in ``observed`` (names, not dates)."""
_YEARS_AHEAD = 2
"""Years after the start year whose holidays a run's calendars know (runs are weeks long)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PublicHolidays(_Section):
    """Which public holidays close warehouses, carriers and the order desk."""

    enabled: bool = Field(
        default=True,
        description="assumption: on; false is the off switch (every day is a working day)",
    )
    country: str = Field(
        default="US",
        min_length=2,
        description="ISO 3166 country code of the public holiday calendar (python-holidays)",
    )
    subdivisions: dict[str, str] = Field(
        default_factory=dict,
        description="assumption: none; region or site to its state or province code "
        "(python-holidays subdivision, e.g. NJ), for regional holidays",
    )
    observed: tuple[str, ...] = Field(
        default=DEFAULT_OBSERVED,
        description="UPS and FedEx holiday schedules (no pickup or delivery service): New "
        "Year's Day, Memorial Day, Independence Day, Labor Day, Thanksgiving Day, Christmas "
        "Day; distribution warehouses close on the same days (assumption); names as the "
        "holidays library spells them",
    )

    @field_validator("country")
    @classmethod
    def _known_country(cls, country: str) -> str:
        import holidays as holiday_library

        try:
            holiday_library.country_holidays(country)
        except NotImplementedError:
            raise ValueError(
                f"no public holiday calendar for country {country!r} (an ISO 3166 code, "
                "e.g. US, CA, DE)"
            ) from None
        return country

    @model_validator(mode="after")
    def _known_names(self) -> PublicHolidays:
        import holidays as holiday_library

        for place, subdivision in self.subdivisions.items():
            try:
                holiday_library.country_holidays(self.country, subdiv=subdivision)
            except NotImplementedError:
                raise ValueError(
                    f"subdivisions.{place}: {self.country} has no subdivision {subdivision!r}"
                ) from None
        known = {
            name.removesuffix(_OBSERVED_SUFFIX)
            for table in (
                holiday_library.country_holidays(self.country, subdiv=s, years=_NAME_YEARS)
                for s in (None, *self.subdivisions.values())
            )
            for day in table
            for name in table.get_list(day)
        }
        unknown = sorted(set(self.observed) - known)
        if unknown:
            raise ValueError(
                f"observed: {unknown} are not public holidays of {self.country}; "
                f"known: {sorted(known)}"
            )
        return self

    def dates(self, subdivision: str | None, years: Iterable[int]) -> frozenset[date]:
        """The dates closed in ``years`` in ``subdivision`` (none when switched off)."""
        if not self.enabled or not self.observed:
            return frozenset()
        import holidays as holiday_library

        table = holiday_library.country_holidays(
            self.country, subdiv=subdivision, years=list(years)
        )
        wanted = set(self.observed)
        return frozenset(
            day
            for day in table
            if any(n.removesuffix(_OBSERVED_SUFFIX) in wanted for n in table.get_list(day))
        )


class CalendarSettings(_Section):
    """Local time and public holidays of the world's regions, sites and order desk."""

    local_time: bool = Field(
        default=True,
        description="assumption: on; false is the off switch: every place keeps UTC hours",
    )
    zones: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_ZONES),
        description="IANA tz database zone of each region (and optionally of a site; a site "
        "not named keeps the zone of the first region it serves); US Census regions mapped "
        "to the zone of their largest population centre (assumption)",
    )
    # The default is built without validation: checking it would load the holiday tables
    # whenever the model is imported. Its values are PublicHolidays' field defaults, which
    # tests/unit/test_calendar_default.py validates; a scenario's own section is validated.
    holidays: PublicHolidays = PublicHolidays.model_construct()
    order_desk: str = Field(
        default="northeast",
        description="assumption: the order desk sits at the northeast head office; the region "
        "or site whose time zone and holidays its shifts keep",
    )

    @field_validator("zones")
    @classmethod
    def _known_zones(cls, zones: dict[str, str]) -> dict[str, str]:
        for place, zone in zones.items():
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"{place}: {zone!r} is not an IANA time zone "
                    "(e.g. America/New_York, Europe/Berlin)"
                ) from None
        return zones


def check_places(
    settings: CalendarSettings, regions: Iterable[str], sites: Mapping[str, Iterable[str]]
) -> None:
    """Every region has a zone; subdivisions and the desk name a region or site.

    ``zones`` may name more places than the world has (the defaults name four regions).

    Raises ``ValueError`` with a message naming the ``calendar.`` field to change.
    """
    regions = set(regions).union(*sites.values())
    missing = sorted(regions - set(settings.zones))
    if missing:
        raise ValueError(
            f"regions with no time zone (calendar.zones): {missing}; give each an IANA zone "
            "such as America/Chicago"
        )
    places = regions | set(sites)
    for field, named in (
        ("calendar.holidays.subdivisions", set(settings.holidays.subdivisions)),
        ("calendar.order_desk", {settings.order_desk}),
    ):
        unknown = sorted(named - places)
        if unknown:
            raise ValueError(
                f"{field} names {unknown}, which are neither regions nor sites; "
                f"expected one of {sorted(places)}"
            )


def build_calendar(
    settings: CalendarSettings, start: datetime, sites: Mapping[str, tuple[str, ...]]
) -> WorkCalendar:
    """The run's calendar (UTC) with one local calendar per region, site and the desk.

    ``sites`` maps each site to the regions it serves; a site without a zone or
    subdivision of its own keeps those of the first region it serves. With ``local_time``
    off every place keeps UTC; with holidays off no place keeps a holiday.
    """
    years = range(start.year, start.year + _YEARS_AHEAD + 1)
    subdivisions = settings.holidays.subdivisions

    def zone_of(place: str) -> str:
        if not settings.local_time:
            return "UTC"
        if place in settings.zones:
            return settings.zones[place]
        return settings.zones[sites[place][0]]

    def subdivision_of(place: str) -> str | None:
        if place in subdivisions or place not in sites:
            return subdivisions.get(place)
        return subdivisions.get(sites[place][0])

    regions = {region for served in sites.values() for region in served} | {
        p for p in settings.zones if p not in sites
    }
    places = {
        place: WorkCalendar(
            start, zone_of(place), settings.holidays.dates(subdivision_of(place), years)
        )
        for place in sorted(regions | set(sites))
    }
    places[ORDER_DESK] = places[settings.order_desk]
    return WorkCalendar(start, places=places)
