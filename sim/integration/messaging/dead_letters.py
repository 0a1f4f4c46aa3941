"""The bus's dead-letter queue: what died on each subscription, and replaying it.

A copy whose handler fails for good is kept as a :class:`DeadLetter` on its subscription
(``bus.dead_lettered``). Replaying puts it back on its partition (``bus.replayed``, then a
new ``bus.delivered``): the same copy, or with ``from_source`` the message as the producer
meant it (the fix for a malformed payload). :class:`MessageBus` keeps the subscriptions;
this base holds the operations on their dead letters.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from sim.engine import RunEnvironment
from sim.integration.messaging.bus_records import Copy, DeadLetter, ReplayPolicy, Subscription

__all__ = ["DeadLetterQueue"]


class DeadLetterQueue:
    """Listing and replaying the dead letters of a bus's subscriptions."""

    run: RunEnvironment
    _subscriptions: dict[str, list[Subscription]]
    _record: Callable[..., None]
    _status: Callable[[str], int]
    _replayed_event: int

    def _subscription(self, name: str) -> Subscription:
        raise NotImplementedError

    def dead_letters(self, subscription: str | None = None) -> list[DeadLetter]:
        """The dead letters of one subscription (or all), oldest first."""
        return [
            letter
            for subs in self._subscriptions.values()
            for s in subs
            if subscription is None or s.name == subscription
            for letter in s.dead_letters
        ]

    def replay(
        self, subscription: str, policy: ReplayPolicy | None = None
    ) -> Generator[Any, Any, int]:
        """Put a subscription's dead letters back on their partitions; returns how many.

        Run as a process (``yield from bus.replay(name, policy)``). Letters are replayed in
        the order they died, each one recorded as ``bus.replayed`` and then delivered again.
        """
        policy = policy or ReplayPolicy()
        target = self._subscription(subscription)
        sim = self.run.sim
        now = sim.now
        chosen = [
            letter
            for letter in target.dead_letters
            if (not policy.reasons or letter.reason in policy.reasons)
            and now - letter.dead_lettered_at >= policy.min_age_s
        ]
        for letter in chosen:
            self.replay_letter(letter, policy.from_source)
            if policy.spacing_s:
                yield sim.timeout(policy.spacing_s)
        return len(chosen)

    def replay_letter(self, letter: DeadLetter, from_source: bool = False) -> bool:
        """Put one dead letter back on its partition; False if it is no longer dead.

        ``from_source``: the producer re-sends the message as it meant it (the fix for a
        malformed payload); otherwise the same copy is delivered again.
        """
        target = self._subscription(letter.subscription)
        if letter not in target.dead_letters:
            return False
        target.dead_letters.remove(letter)
        sim = self.run.sim
        self._record(
            sim.now,
            self._replayed_event,
            target.actor,
            letter.order,
            letter.number,
            self._status(letter.reason),
        )
        resend = from_source and letter.source is not None
        envelope = letter.source if resend and letter.source is not None else letter.envelope
        target.partitions[letter.partition].put(
            Copy(
                sim.now,
                letter.number,
                envelope,
                letter.order,
                None if resend else letter.source,
                True,
            )
        )
        return True
