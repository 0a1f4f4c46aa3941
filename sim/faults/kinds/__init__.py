"""The shipped fault kinds; importing this package registers them all."""

from sim.faults.kinds import (
    brownout,
    contract,
    delivery,
    lost_response,
    master_data,
    messages,
    outage,
    people,
    scans,
    throttle,
)

__all__ = [
    "brownout",
    "contract",
    "delivery",
    "lost_response",
    "master_data",
    "messages",
    "outage",
    "people",
    "scans",
    "throttle",
]
