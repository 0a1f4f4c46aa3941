"""Event contracts: the versions consumers can map, and the replays that follow a fix.

A consumer reads a well-formed 1.0 event as it is; a 2.0 event (an ERP upgrade renames the
fields and nests the rest) once its mapping is deployed. Anything else is dead-lettered with
its reason (``unknown_schema`` or ``poison``), never dropped silently. A well-formed event
has the order's key and either its status (a data event) or the ``keys_only`` mark (a
notification event, read back by its consumers), in either version. When a mapping goes
live at its hour, the unknown-schema dead letters are replayed (``replay_on_deploy``); an
operator's replays run at the hours the scenario sets (``integration.replays``).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from typing import Any

from sim.engine import RunEnvironment
from sim.integration.adapters.erp import KEYS_ONLY
from sim.integration.canonical import Envelope
from sim.integration.messaging import MessageBus, Outcome, ReplayPolicy

__all__ = ["EventContracts"]


def _from_v2(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The ERP's 2.0 event contract mapped to the fields the consumers read (KeyError: bad)."""
    mapped = {
        "order_ref": payload["CustomerReference"],
        "erp_order_number": payload["SalesOrder"],
    }
    if payload.get("KeysOnly"):
        mapped[KEYS_ONLY] = True
    else:
        mapped["status"] = payload["OverallStatus"]
    mapped.update(payload["Detail"])
    return mapped


class EventContracts:
    """Maps events to the fields consumers read; deploys mappings and runs replays."""

    def __init__(
        self,
        run: RunEnvironment,
        record: Callable[..., None],
        bus: MessageBus,
        subscriptions: tuple[str, ...],
        mappings: dict[str, float],
        replay_on_deploy: bool,
    ) -> None:
        self.run = run
        self.record = record
        self.bus = bus
        self.subscriptions = subscriptions
        self.replay_on_deploy = replay_on_deploy
        self.deployed: set[str] = {v for v, hour in mappings.items() if hour <= 0}
        """Event contract versions the consumers can map now."""
        self._v1 = "1.0" in self.deployed
        for version, hour in sorted(mappings.items()):
            if hour > 0:
                run.sim.process(self._deploy(version, hour * 3600.0))

    def mapped(self, envelope: Envelope) -> Envelope | Outcome:
        """The event in the fields the consumers read, or why it cannot be mapped."""
        payload = envelope.payload
        version = envelope.schema_version
        if version == "1.0" and self._v1 and "order_ref" in payload and "status" in payload:
            return envelope  # the common case: a well-formed 1.0 event, read as it is
        if version not in self.deployed:
            return Outcome.UNKNOWN_SCHEMA
        if version != "1.0":
            try:
                payload = _from_v2(payload)
            except (KeyError, TypeError, ValueError):
                return Outcome.POISON
            envelope = envelope._replace(payload=payload)
        if "order_ref" not in payload or ("status" not in payload and not payload.get(KEYS_ONLY)):
            return Outcome.POISON
        return envelope

    def replay_at(
        self, at_h: float, subscriptions: tuple[str, ...], policy: ReplayPolicy
    ) -> Generator[Any, Any, None]:
        """Replay dead letters at an hour an operator set (every subscription if none)."""
        yield self.run.sim.timeout(at_h * 3600.0)
        for name in subscriptions or self.subscriptions:
            if name in self.subscriptions:
                yield from self._replay(name, policy)
            else:
                self.record("replay_not_applicable", status=name)

    def _deploy(self, version: str, at: float) -> Generator[Any, Any, None]:
        """A new contract mapping goes live; dead letters it can now read are replayed."""
        yield self.run.sim.timeout(at)
        self.deployed.add(version)
        self._v1 = "1.0" in self.deployed
        self.record("mapping_deployed", status=version)
        if self.replay_on_deploy:
            policy = ReplayPolicy(reasons=(Outcome.UNKNOWN_SCHEMA.value,))
            for name in self.subscriptions:
                yield from self._replay(name, policy)

    def _replay(self, name: str, policy: ReplayPolicy) -> Generator[Any, Any, None]:
        replayed = yield from self.bus.replay(name, policy)
        self.record("dead_letters_replayed", status=name, value=float(replayed))
