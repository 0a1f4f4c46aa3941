"""Unit costs and the cost per order of a replication.

The defaults are assumptions for a first comparison, not prices anyone quoted; replace them
with a costs file (``o2csim compare --costs costs.yaml``, a mapping of the fields of
:class:`UnitCosts`) or ``--cost field=value``:

* ``per_call`` 0.00001 (USD 10 per million API calls: gateway, compute and the callee's
  licence share); ``per_call_by_system`` overrides it for one system, e.g. ``{crm: 0.0001}``
  where CRM calls eat a licensed allowance;
* ``per_message`` 0.000001 (USD 1 per million broker publications, a managed broker's
  operation price);
* ``per_manual_touch`` 5.00 (about eight minutes of an order-desk clerk at a loaded
  USD 40 an hour);
* ``per_late_order`` 25.00 (an order delivered after the date the ERP confirmed, or still
  undelivered after it when the run ends: expediting, the customer-service call and the
  customer's late-delivery chargeback; an assumption to replace with the contract's terms);
* ``per_worker_hour`` 0.50 (one integration runtime instance, container or iPaaS worker,
  for an hour) times ``runtime_workers`` (2, an active pair; ``runtime_workers_by_pattern``
  overrides it per pattern) times the simulated hours, drain included.

The cost per order is the total over a replication divided by the orders it accepted.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim.kpis import SYSTEMS

__all__ = ["CostsError", "UnitCosts", "cost_per_order", "load_costs"]

_System = Literal["crm", "erp", "wms", "carrier"]


class CostsError(ValueError):
    """A costs file or ``--cost`` option that cannot be used; the message names the field."""


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"expected a finite amount, got {value}")
    return value


class UnitCosts(BaseModel):
    """Prices of the work a pattern does (see the module docstring for the defaults)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    currency: str = "USD"
    per_call: float = Field(default=0.00001, ge=0)
    per_call_by_system: dict[_System, float] = Field(default_factory=dict)
    per_message: float = Field(default=0.000001, ge=0)
    per_manual_touch: float = Field(default=5.0, ge=0)
    per_late_order: float = Field(default=25.0, ge=0)
    per_worker_hour: float = Field(default=0.5, ge=0)
    runtime_workers: float = Field(default=2.0, ge=0)
    runtime_workers_by_pattern: dict[str, float] = Field(default_factory=dict)

    @field_validator(
        "per_call", "per_message", "per_manual_touch", "per_late_order", "per_worker_hour"
    )
    @classmethod
    def _finite_amount(cls, value: float) -> float:
        return _finite(value)

    @field_validator("per_call_by_system", "runtime_workers_by_pattern")
    @classmethod
    def _finite_entries(cls, value: dict[str, float]) -> dict[str, float]:
        for key, amount in value.items():
            if not (math.isfinite(amount) and amount >= 0):
                raise ValueError(f"{key}: expected a finite amount >= 0, got {amount}")
        return value

    def call_price(self, system: str) -> float:
        """The price of one call to ``system``."""
        for name, price in self.per_call_by_system.items():
            if name == system:
                return price
        return self.per_call

    def workers(self, pattern: str) -> float:
        """Runtime instances ``pattern`` keeps up."""
        return self.runtime_workers_by_pattern.get(pattern, self.runtime_workers)


def cost_per_order(statistics: dict[str, float], costs: UnitCosts, pattern: str) -> float:
    """The priced work of one replication per accepted order (NaN when it accepted none).

    Work is calls, broker messages, manual touches and runtime hours; lateness is the late
    orders (``late_orders``, missing or NaN counts as none) times their penalty.
    """
    accepted = statistics["orders_accepted"]
    if not accepted:
        return math.nan
    total = sum(statistics[f"calls.{s}"] * costs.call_price(s) for s in SYSTEMS)
    total += statistics["messages_published"] * costs.per_message
    total += statistics["manual_touches"] * costs.per_manual_touch
    late = statistics.get("late_orders", 0.0)
    total += (0.0 if math.isnan(late) else late) * costs.per_late_order
    total += costs.workers(pattern) * statistics["horizon_h"] * costs.per_worker_hour
    return total / accepted


def _problem(source: str, exc: ValidationError) -> CostsError:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "costs"
    return CostsError(f"{source}: {where}: {first['msg']}")


def load_costs(path: Path | None = None, overrides: list[str] | None = None) -> UnitCosts:
    """Unit costs from a costs file and ``field=value`` overrides, else the defaults.

    The file is a YAML mapping of :class:`UnitCosts` fields; override values are parsed as
    YAML.

    Raises :class:`CostsError` with a message naming the file or option and the field.
    """
    data: dict[str, Any] = {}
    source = "costs"
    if path is not None:
        source = str(path)
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CostsError(f"{path}: no such costs file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CostsError(f"{path}: cannot read the costs file ({exc})") from None
        except yaml.YAMLError as exc:
            raise CostsError(f"{path}: malformed YAML ({exc})".replace("\n", " ")) from None
        if loaded is not None and not isinstance(loaded, dict):
            raise CostsError(
                f"{path}: expected a mapping of unit costs (per_call, per_message, ...), "
                f"got {type(loaded).__name__}"
            )
        data = dict(loaded or {})
    for item in overrides or []:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise CostsError(f"--cost {item!r}: expected field=value, e.g. per_call=0.0001")
        try:
            data[key.strip()] = yaml.safe_load(raw)
        except yaml.YAMLError:
            raise CostsError(f"--cost {item!r}: cannot read the value") from None
        source = f"{source} (with --cost)" if "--cost" not in source else source
    try:
        return UnitCosts.model_validate(data)
    except ValidationError as exc:
        raise _problem(source, exc) from None
