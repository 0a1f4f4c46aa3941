"""The WMS's bin stock per site: what is physically there, and what the WMS believes is.

The warehouse keeps its own stock per bin (one bin per material and site), apart from the
ERP's book stock. Two figures per bin:

* **physical**: what a picker finds. Drift moves it without a booking (damage, mis-picks,
  unrecorded moves): at ``drift_per_bin_day`` events per bin and day, a bin loses (or, with
  ``1 - drift_loss_share``, gains) a lognormal number of units. Each event is a
  ``wms.stock_drift`` row (status = site, subject = material number, value = units).
* **system**: what the WMS's records say, moved only by bookings (opening stock, receipts,
  picks, opening orders' shipments, counts).

A pick takes at most what is physically there: a pick task that finds too little is a
**short pick** (``wms.short_pick``: order, subject = delivery number, status = site, value
= units short) and the ship confirmation carries the quantity found (a task that found
nothing at all is picked again after ``repick_after_s``). The shortfall is not
booked at the pick; the bin's record stays wrong until it is counted.

**Cycle counts** run at ``cycle_count_hour`` on ``cycle_count_days``: each site counts
``cycle_count_share`` of its bins (rotating, so every bin is counted in turn), skipping a
bin with an open pick task (as SAP WM does not count a bin with open transfer orders: the
count would race the pick). A count
sets the record to the physical quantity and posts the difference to the ERP as an
inventory difference (the ERP writes the ``erp.inventory_difference`` row); the WMS
writes ``wms.cycle_count`` (status = site, subject = material number, value = counted,
value2 = difference).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sim.engine import RunEnvironment
from sim.engine.calendar import DAY, HOUR, WeeklyWindow, WorkCalendar

__all__ = ["BinStock", "BinStockConfig"]

_Recorder = Callable[..., None]


class BinStockConfig(BaseModel):
    """Drift of the WMS's bin stock from its records, and the cycle counts that correct it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    drift_per_bin_day: float = Field(
        default=0.003,
        ge=0,
        description=(
            "assumption: events per bin and day that move physical stock without a booking "
            "(damage, mis-picks, unrecorded moves); 0 switches drift off"
        ),
    )
    drift_units_mean: float = Field(
        default=3.0, gt=0, description="assumption: mean units a drift event moves (lognormal)"
    )
    drift_units_cv: float = Field(
        default=1.0, gt=0, description="assumption: cv of the units a drift event moves"
    )
    drift_loss_share: float = Field(
        default=0.8,
        ge=0,
        le=1,
        description="assumption: share of drift events that lose units (the rest find units)",
    )
    repick_after_s: float = Field(
        default=4 * 3600.0,
        gt=0,
        description=(
            "assumption: a pick task that found nothing at all is picked again after this "
            "long (stock put away meanwhile); a task that found some ships short"
        ),
    )
    cycle_count_share: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description=(
            "assumption: share of a site's bins counted per counting night (0.05 on five "
            "nights a week counts each bin about once a month); 0 switches counts off"
        ),
    )
    cycle_count_hour: float = Field(
        default=2.0, ge=0, lt=24, description="assumption: hour of the night counts run"
    )
    cycle_count_days: tuple[int, ...] = Field(
        default=(0, 1, 2, 3, 4),
        min_length=1,
        description="assumption: weekdays (0 = Monday) counts run",
    )

    @field_validator("cycle_count_days")
    @classmethod
    def _weekdays(cls, days: tuple[int, ...]) -> tuple[int, ...]:
        if any(d < 0 or d > 6 for d in days):
            raise ValueError("weekdays go from 0 (Monday) to 6 (Sunday)")
        return days


class BinStock:
    """Physical and recorded stock per (site, material) bin; drift, picks, cycle counts."""

    def __init__(
        self,
        run: RunEnvironment,
        config: BinStockConfig,
        calendar: WorkCalendar,
        record: _Recorder,
    ) -> None:
        self.run = run
        self.config = config
        self.calendar = calendar
        self._record = record
        self.physical: dict[tuple[str, str], int] = {}
        self.system: dict[tuple[str, str], int] = {}
        self.open_tasks: dict[tuple[str, str], int] = {}
        """Pick tasks released and not yet picked, per bin (such a bin is not counted)."""
        self.material_number: Callable[[str], int] = lambda material: -1
        """The material's number in the history (wired to the ERP's material master)."""
        self.post_difference: Callable[[str, str, int], None] = lambda *_: None
        """Told (site, material, counted - recorded) of each count that found a difference."""
        self._started = False

    def load(self, site: str, material: str, quantity: int) -> None:
        """Opening stock of a bin (physical and recorded alike)."""
        self.physical[(site, material)] = quantity
        self.system[(site, material)] = quantity
        if not self._started:
            self._started = True
            self.run.sim.process(self._start())

    def move(self, site: str, material: str, quantity: int) -> None:
        """A booked move in (+) or out (-) without a pick task (receipt, opening shipment)."""
        key = (site, material)
        self.physical[key] = max(0, self.physical.get(key, 0) + quantity)
        self.system[key] = self.system.get(key, 0) + quantity

    def task_opened(self, site: str, lines: tuple[tuple[int, str, int], ...]) -> None:
        """A pick task for ``lines`` was released: its bins have an open task."""
        tasks = self.open_tasks
        for _, material, _ in lines:
            key = (site, material)
            tasks[key] = tasks.get(key, 0) + 1

    def task_closed(self, site: str, lines: tuple[tuple[int, str, int], ...]) -> None:
        """A pick task for ``lines`` was picked."""
        tasks = self.open_tasks
        for _, material, _ in lines:
            tasks[(site, material)] -= 1

    def pick(self, site: str, material: str, wanted: int) -> int:
        """Take up to ``wanted`` units from the bin; returns the units found.

        A bin never loaded is not kept by the WMS (a world without opening stock in the
        warehouse): the pick finds what it wants.
        """
        key = (site, material)
        physical = self.physical.get(key)
        if physical is None:
            return wanted
        found = min(wanted, physical)
        if found:
            self.physical[key] -= found
            self.system[key] = self.system.get(key, 0) - found
        return found

    def _start(self) -> Generator[Any, Any, None]:
        """Start drift and counts once every opening bin is loaded (all at time zero)."""
        yield self.run.sim.timeout(0)
        sites = sorted({site for site, _ in self.physical})
        for site in sites:
            bins = sorted(material for s, material in self.physical if s == site)
            if self.config.drift_per_bin_day > 0 and bins:
                self.run.sim.process(self._drift(site, bins))
            if self.config.cycle_count_share > 0 and bins:
                self.run.sim.process(self._counts(site, bins))

    def _drift(self, site: str, bins: list[str]) -> Generator[Any, Any, None]:
        """Poisson drift events over the site's bins, from the stream ``wms.drift.<site>``."""
        cfg, sim = self.config, self.run.sim
        rng = self.run.streams.stream(f"wms.drift.{site}")
        rate = cfg.drift_per_bin_day * len(bins) / DAY
        sigma2 = math.log1p(cfg.drift_units_cv**2)
        mu, sigma = math.log(cfg.drift_units_mean) - sigma2 / 2, math.sqrt(sigma2)
        while True:
            yield sim.timeout(float(rng.exponential(1.0 / rate)))
            material = bins[int(rng.integers(len(bins)))]
            units = max(1, round(float(rng.lognormal(mu, sigma))))
            key = (site, material)
            if rng.random() < cfg.drift_loss_share:
                units = -min(units, self.physical[key])
            if units:
                self.physical[key] += units
                self._record(
                    "stock_drift",
                    subject=self.material_number(material),
                    status=site,
                    value=float(units),
                )

    def _counts(self, site: str, bins: list[str]) -> Generator[Any, Any, None]:
        """Count the next share of the site's bins on every counting night."""
        cfg, sim = self.config, self.run.sim
        per_night = max(1, math.ceil(cfg.cycle_count_share * len(bins)))
        window = (
            WeeklyWindow(
                start_hour=cfg.cycle_count_hour,
                end_hour=min(24.0, cfg.cycle_count_hour + 1),
                weekdays=cfg.cycle_count_days,
            ),
        )
        cursor = 0
        while True:
            opening = self.calendar.next_open(sim.now + 1.0, window)
            yield sim.timeout(opening - sim.now)
            tasks = self.open_tasks
            for _ in range(min(per_night, len(bins))):
                material = bins[cursor % len(bins)]
                if not tasks.get((site, material)):
                    self._count(site, material)
                cursor += 1
            yield sim.timeout(HOUR)

    def _count(self, site: str, material: str) -> None:
        key = (site, material)
        counted = self.physical[key]
        difference = counted - self.system[key]
        self.system[key] = counted
        self._record(
            "cycle_count",
            subject=self.material_number(material),
            status=site,
            value=float(counted),
            value2=float(difference),
        )
        if difference:
            self.post_difference(site, material, difference)
