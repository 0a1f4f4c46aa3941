"""The mock WMS: pick release, waves, picking and packing by shift workers, ship confirmation.

A delivery released to a site waits for the site's next wave (``waves``): at each wave
time every delivery waiting is handed to the pickers at once (a ``wave_released`` row:
status the site, value the deliveries). With waves off, a delivery goes to the pickers
as it arrives. Each site has a pool of pickers who work only inside their shift windows
(in the site's local time, never on a holiday the site keeps), taking pick tasks first in,
first out. A task takes a sampled time per line plus packing; a task begun before the shift
ends is finished (overtime), a task arriving off shift waits for the next shift. Finished
tasks become ship confirmations on ``ship_confirms``.

Pick and pack times belong to the order, not to the picker's turn: the k-th pick of an
order line and the k-th packing of an order's tasks come from keyed streams at
(order, line, k) and (order, k), so they are the same under every pattern, whatever order the
deliveries reach the warehouse in and however they are numbered.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from functools import partial
from typing import Any, ClassVar, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from mock_systems.base import MockSystem
from mock_systems.wms_stock import BinStock, BinStockConfig
from sim.engine import (
    CallResult,
    Distribution,
    EndpointSpec,
    KeyedDraws,
    LevelMonitor,
    LogNormal,
    Mailbox,
    RunEnvironment,
    Triangular,
)
from sim.engine.calendar import WeeklyWindow, WorkCalendar
from sim.engine.schedule import BatchSchedule, next_start

__all__ = ["SiteStaffing", "WaveRelease", "WmsConfig", "PickRelease", "ShipConfirm", "Wms"]


class SiteStaffing(BaseModel):
    """Pickers at one warehouse and the weekly shifts they work."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pickers: int = Field(gt=0)
    shifts: tuple[WeeklyWindow, ...] = Field(
        default=(WeeklyWindow(start_hour=6, end_hour=22, weekdays=(0, 1, 2, 3, 4)),),
        min_length=1,
    )


class WaveRelease(BaseModel):
    """Wave picking: released deliveries go to the pickers in waves at fixed local times."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(
        default=True,
        description=(
            "assumption: warehouses release picks in waves; false hands each delivery to "
            "the pickers as it arrives"
        ),
    )
    schedule: BatchSchedule = Field(
        default=BatchSchedule(times_h=(6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0)),
        description="assumption: a wave every 2 hours through the 06:00-22:00 shift, Mon-Fri",
    )


class WmsConfig(BaseModel):
    """Settings of the mock WMS."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    waves: WaveRelease = Field(
        default=WaveRelease(), description="wave picking with release windows"
    )

    release: EndpointSpec = EndpointSpec(service_time=LogNormal(mean=0.5, cv=0.5), concurrency=8)
    pick_time_per_line: Distribution = Triangular(low=45.0, mode=90.0, high=240.0)
    pack_time: Distribution = Triangular(low=60.0, mode=150.0, high=420.0)
    stock: BinStockConfig = Field(
        default=BinStockConfig(),
        description="bin stock per site: drift from the ERP's book stock, cycle counts",
    )


class PickRelease(NamedTuple):
    """A delivery handed to the warehouse for picking."""

    delivery: str
    delivery_number: int
    order_ref: int
    site: str
    lines: tuple[tuple[int, str, int], ...]


class ShipConfirm(NamedTuple):
    """A packed delivery confirmed as shipped from the dock."""

    delivery: str
    delivery_number: int
    order_ref: int
    site: str
    lines: tuple[tuple[int, str, int], ...]
    confirmed_at: float


class Wms(MockSystem):
    """Warehouses with pick queues and shift-bound pickers."""

    OPERATIONS: ClassVar[tuple[str, ...]] = ("release",)

    def __init__(
        self,
        run: RunEnvironment,
        config: WmsConfig,
        calendar: WorkCalendar,
        sites: dict[str, SiteStaffing],
    ) -> None:
        super().__init__(run, "wms")
        self.config = config
        self.calendar = calendar
        self.sites = dict(sites)
        self.ship_confirms: Mailbox[ShipConfirm] = Mailbox(run.sim)
        self.released: dict[str, PickRelease] = {}
        self.pick_backlog = {site: LevelMonitor(run.now) for site in sorted(sites)}
        """Per site: tasks released and not yet started by a picker, integrated over time."""
        self._queues: dict[str, Mailbox[PickRelease]] = {
            site: Mailbox(run.sim) for site in sorted(sites)
        }
        self._waiting: dict[str, list[PickRelease]] = {site: [] for site in sorted(sites)}
        """Per site: deliveries released and waiting for the next wave."""
        self._release = self.endpoint("release", config.release)
        self.stock = BinStock(run, config.stock, calendar, self.record)
        """Physical and recorded stock per bin (:mod:`mock_systems.wms_stock`)."""
        self._pick_time = config.pick_time_per_line.quantile_function()
        self._pack_time = config.pack_time.quantile_function()
        self._pick_draws: dict[int, KeyedDraws] = {}
        """Keyed pick-time uniforms per line number (stream ``wms.pick.<line>``)."""
        self._pack_draws = KeyedDraws(run.streams.seed, "wms.pack")
        self._picks: dict[int, int] = {}
        """Picks started per order line, by ``order << 16 | line`` (line numbers count from 1
        and stay far below 65,536): ``k`` of its pick draws. Integer keys, not tuples, keep
        the dict out of the garbage collector's way."""
        self._packs: dict[int, int] = {}
        """Tasks started per order: ``k`` of the keyed pack draws."""
        for site in sorted(sites):
            for picker in range(sites[site].pickers):
                run.sim.process(self._picker(site, picker))
            if config.waves.enabled:
                run.sim.process(self._waves(site))

    def release_pick(
        self, release: PickRelease, timeout: float = math.inf
    ) -> Generator[Any, Any, CallResult | bool]:
        """Accept a delivery for picking; a repeated release is acknowledged, not re-queued."""
        return self._release.call(
            release.order_ref, partial(self._accept_release, release), timeout
        )

    def _accept_release(self, release: PickRelease) -> bool:
        if release.site not in self._queues:
            raise KeyError(f"WMS has no site {release.site!r}")
        if release.delivery in self.released:
            self.record(
                "duplicate_suppressed", order=release.order_ref, subject=release.delivery_number
            )
            return True
        self.released[release.delivery] = release
        self.record(
            "pick_released",
            order=release.order_ref,
            subject=release.delivery_number,
            status=release.site,
            value=float(len(release.lines)),
        )
        self.pick_backlog[release.site].change(self.sim.now, +1)
        self.stock.task_opened(release.site, release.lines)
        if self.config.waves.enabled:
            self._waiting[release.site].append(release)
        else:
            self._queues[release.site].put(release)
        return True

    def forget_order(self, order_ref: int, deliveries: tuple[str, ...]) -> None:
        """Forget a settled order's pick releases and draw counters (the ERP archived it)."""
        picks = self._picks
        for delivery in deliveries:
            release = self.released.pop(delivery, None)
            if release is not None:
                for line, _, _ in release.lines:
                    picks.pop(order_ref << 16 | line, None)
        self._packs.pop(order_ref, None)

    def _waves(self, site: str) -> Generator[Any, Any, None]:
        """Release the site's waiting deliveries to its pickers at each wave time."""
        sim = self.sim
        windows = self.config.waves.schedule.windows()
        queue = self._queues[site]
        local = self.calendar.at(site)
        while True:
            yield sim.timeout(next_start(local, windows, sim.now) - sim.now)
            wave, self._waiting[site] = self._waiting[site], []
            if not wave:
                continue
            self.record("wave_released", status=site, value=float(len(wave)))
            for release in wave:
                queue.put(release)

    def backlog(self, site: str) -> int:
        """Pick tasks waiting at a site (for a wave or for a picker)."""
        return len(self._queues[site]) + len(self._waiting[site])

    def _work(self, task: PickRelease) -> float:
        """Seconds to pick every line of ``task`` and pack it, drawn by order and line.

        The k-th pick of line ``l`` of an order takes draw k of the order in the keyed stream
        ``wms.pick.<l>``; its k-th task's packing, draw k in ``wms.pack``.
        """
        order, picks, pick_time = task.order_ref, self._picks, self._pick_time
        work = 0.0
        for line, _, _ in task.lines:
            order_line = order << 16 | line
            k = picks.get(order_line, 0) + 1
            picks[order_line] = k
            draws = self._pick_draws.get(line)
            if draws is None:
                draws = self._pick_draws[line] = KeyedDraws(
                    self.run.streams.seed, f"wms.pick.{line}"
                )
            work += pick_time(draws.unit(order, k))
        k = self._packs.get(order, 0) + 1
        self._packs[order] = k
        return work + self._pack_time(self._pack_draws.unit(order, k))

    def _pick_lines(self, task: PickRelease) -> tuple[tuple[int, str, int], ...]:
        """Take each line's units from its bin: the lines found (a short pick if less).

        Lines with nothing found are left out of the ship confirmation.
        """
        pick = self.stock.pick
        found = tuple((n, m, pick(task.site, m, q)) for n, m, q in task.lines)
        if found != task.lines:
            short = sum(q for _, _, q in task.lines) - sum(q for _, _, q in found)
            found = tuple(line for line in found if line[2])
            self.record(
                "short_pick",
                order=task.order_ref,
                subject=task.delivery_number,
                status=task.site,
                value=float(short),
            )
        return found

    def _repick(self, task: PickRelease) -> Generator[Any, Any, None]:
        """A task that found nothing goes back to the queue after ``repick_after_s``."""
        yield self.sim.timeout(self.config.stock.repick_after_s)
        self.pick_backlog[task.site].change(self.sim.now, +1)
        self._queues[task.site].put(task)

    def _picker(self, site: str, picker: int) -> Generator[Any, Any, None]:
        sim = self.sim
        shifts = self.sites[site].shifts
        calendar = self.calendar.at(site)  # the site's local time and holidays
        queue = self._queues[site]
        while True:
            task = yield from queue.take()
            opening = calendar.next_open(sim.now, shifts)
            if opening > sim.now:
                yield sim.timeout(opening - sim.now)
            self.pick_backlog[site].change(sim.now, -1)
            self.record(
                "pick_started",
                order=task.order_ref,
                subject=task.delivery_number,
                status=site,
                value=float(picker),
            )
            lines = self._pick_lines(task)
            if not lines:  # nothing found at all: nothing to ship, pick again later
                sim.process(self._repick(task))
                continue
            self.stock.task_closed(site, task.lines)
            work = self._work(task)
            yield sim.timeout(work)
            self.record(
                "packed",
                order=task.order_ref,
                subject=task.delivery_number,
                status=site,
                value=work,
            )
            self.ship_confirms.put(
                ShipConfirm(
                    task.delivery, task.delivery_number, task.order_ref, site, lines, sim.now
                )
            )
