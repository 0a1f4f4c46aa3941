"""Settings of the integration core: which pattern runs and how its mechanisms are tuned.

These are the ``integration:`` section of a scenario. They live apart from the patterns
and blocks so that both can read them without importing each other.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sim.integration.messaging import (
    BusSettings,
    CircuitBreakerPolicy,
    ClientLimit,
    ReplayPolicy,
    RetryPolicy,
)

__all__ = [
    "CallTimeouts",
    "DirectSettings",
    "EventBusSettings",
    "IntegrationSettings",
    "IpaasSettings",
    "MasterDataSyncSettings",
    "Mechanisms",
    "ReconciliationSettings",
    "ScheduledReplay",
]


class ReconciliationSettings(BaseModel):
    """Cadence of the reconciliation jobs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    interval_s: float = Field(default=4 * 3600.0, gt=0, description="status reconciliation cadence")
    grace_s: float = Field(
        default=3600.0, ge=0, description="changes younger than this are left to events"
    )
    batch: int = Field(default=200, gt=0, description="orders per CRM query")
    extract_timeout_s: float = Field(default=300.0, gt=0)
    tracking_poll_interval_s: float = Field(default=12 * 3600.0, gt=0)
    tracking_poll_after_s: float = Field(
        default=5 * 86400.0, gt=0, description="poll shipments not delivered this long"
    )


class Mechanisms(BaseModel):
    """Off switches for each resilience mechanism (all on by default).

    A switch is how a test proves its mechanism necessary: with the fault it answers and
    the switch off, the invariant it protects must break.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    retry: bool = Field(default=True, description="retry refused calls with backoff")
    circuit_breaker: bool = Field(default=True, description="stop calling a failing system")
    client_throttle: bool = Field(default=True, description="pace calls to client_limits")
    idempotency_keys: bool = Field(default=True, description="send a key with order creation")
    store_and_forward: bool = Field(
        default=True, description="hold work the target cannot take and forward it later"
    )
    dead_letter_queue: bool = Field(default=True, description="keep messages that fail")
    resequencing: bool = Field(
        default=True, description="apply only newer sequence numbers and scan times"
    )
    dedupe: bool = Field(default=True, description="skip message and scan ids already seen")
    reconciliation: bool = Field(
        default=True, description="scheduled status reconciliation and carrier tracking poll"
    )
    compensation: bool = Field(
        default=True, description="cancel the ERP order too when an order is cancelled"
    )
    order_desk: bool = Field(default=True, description="route exceptions to the order desk")
    erp_order_intake: bool = Field(
        default=True,
        description=(
            "create the CRM order record of orders that began in the ERP (EDI), as each "
            "pattern learns of them"
        ),
    )


class CallTimeouts(BaseModel):
    """How long the integration waits for each kind of call before giving up (always on).

    A caller that gives up does not undo the call: the callee may still commit it.
    Assumptions: typical client settings for synchronous APIs.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    erp_validate_s: float = Field(default=15.0, gt=0)
    erp_create_s: float = Field(default=30.0, gt=0)
    erp_delivery_s: float = Field(default=30.0, gt=0)
    erp_extract_s: float = Field(default=120.0, gt=0)
    erp_read_s: float = Field(
        default=30.0, gt=0, description="reading one order back by key (notification events)"
    )
    crm_write_s: float = Field(default=120.0, gt=0)
    wms_release_s: float = Field(default=30.0, gt=0)
    carrier_tender_s: float = Field(default=30.0, gt=0)


class ScheduledReplay(BaseModel):
    """Replay dead letters at a set hour: an operator's decision, written down in advance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at_h: float = Field(ge=0, description="hours since the run's start")
    subscriptions: tuple[str, ...] = Field(
        default=(), description="subscriptions to replay; () = every one"
    )
    policy: ReplayPolicy = ReplayPolicy()


class DirectSettings(BaseModel):
    """Direct (point-to-point) integration: a CRM trigger and a CRM polling job.

    Assumptions: a trigger retries a few times at once (no backoff worth the name), and
    a scheduled CRM job polls the ERP for each open order, a few callouts at a time.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    attempts: int = Field(default=3, ge=1, description="tries of each call before giving up")
    retry_delay_s: float = Field(default=1.0, gt=0, description="pause between the tries")
    poll_interval_s: float = Field(
        default=900.0, gt=0, description="how often CRM polls the ERP per open order"
    )
    poll_concurrency: int = Field(default=4, gt=0, description="callouts a poll runs at once")
    payment_poll_interval_s: float = Field(
        default=86400.0,
        gt=0,
        description=(
            "how often CRM polls a delivered order whose invoices are not all paid yet "
            "(assumption: a nightly payment-status poll)"
        ),
    )


class IpaasSettings(BaseModel):
    """iPaaS orchestration: flows on a pool of workers, status by scheduled bulk sync."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    flow_workers: int = Field(default=16, gt=0, description="flows the runtime runs at once")
    flow_overhead_s: float = Field(
        default=0.2, ge=0, description="the runtime's own time per flow step (mapping, logging)"
    )
    sync_interval_s: float = Field(
        default=1800.0, gt=0, description="how often the bulk status sync runs"
    )


class EventBusSettings(BaseModel):
    """Middleware and event bus: mappers consuming order requests from a topic."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mapper_partitions: int = Field(
        default=8, gt=0, description="order-request partitions, one mapper consumer each"
    )
    promise_from_cache: bool = Field(
        default=True, description="show the rep a promise from cached ATP at acceptance"
    )


class MasterDataSyncSettings(BaseModel):
    """Master data through the integration: accounts to partners, prices to the price book.

    CRM accounts become ERP business partners; ERP list prices reach the CRM price book.
    Each flow can be switched off: then nothing carries it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    accounts: bool = Field(
        default=True,
        description=(
            "assumption: new CRM accounts are replicated to the ERP as business partners "
            "and the ERP's number written back (the usual CRM-ERP customer replication)"
        ),
    )
    prices: bool = Field(
        default=True,
        description=(
            "assumption: ERP list price changes are carried to the CRM price book "
            "(the ERP is the system of record for prices, DOMAIN.md)"
        ),
    )
    batch_interval_s: float = Field(
        default=86400.0,
        gt=0,
        description=(
            "assumption: the direct pattern's nightly master-data job (price extract, "
            "accounts not yet replicated sent again)"
        ),
    )
    sweep_interval_s: float = Field(
        default=3600.0,
        gt=0,
        description=(
            "assumption: how often the iPaaS re-runs master-data flows that failed "
            "(a scheduled error-handling flow)"
        ),
    )
    partitions: int = Field(
        default=2,
        gt=0,
        description="assumption: consumers per master-data subscription on the bus",
    )


class IntegrationSettings(BaseModel):
    """Which pattern runs and how its resilience mechanisms are tuned."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: str = Field(
        default="hybrid",
        description="a registered pattern name, or a user's pattern as package.module:Class",
    )
    retry: RetryPolicy = RetryPolicy()
    circuit_breaker: CircuitBreakerPolicy = CircuitBreakerPolicy()
    bus: BusSettings = BusSettings()
    mechanisms: Mechanisms = Mechanisms()
    timeouts: CallTimeouts = CallTimeouts()
    client_limits: dict[Literal["crm", "erp", "wms", "carrier"], ClientLimit] = Field(
        default_factory=dict, description="client-side pace per system (token buckets)"
    )
    status_sync_partitions: int = Field(default=8, gt=0)
    fulfilment_partitions: int = Field(default=8, gt=0)
    forward_retry_interval_s: float = Field(default=60.0, gt=0)
    scan_workers: int = Field(default=16, gt=0, description="consumers applying carrier scans")
    reconciliation: ReconciliationSettings = ReconciliationSettings()
    mappings: dict[str, float] = Field(
        default_factory=lambda: {"1.0": 0.0},
        description="event contract versions the consumers can map, and the hour each is deployed",
    )
    replay_on_deploy: bool = Field(
        default=True, description="replay unknown-schema dead letters when a mapping deploys"
    )
    replays: tuple[ScheduledReplay, ...] = Field(
        default=(), description="dead-letter replays at set hours (o2csim run --replay)"
    )
    direct: DirectSettings = DirectSettings()
    ipaas: IpaasSettings = IpaasSettings()
    event_bus: EventBusSettings = EventBusSettings()
    master_data: MasterDataSyncSettings = Field(
        default=MasterDataSyncSettings(),
        description="assumption: how master data (accounts, list prices) travels",
    )
    atp_cache_refresh_s: float = Field(
        default=900.0, gt=0, description="how often the cached ATP used as fallback is refreshed"
    )
