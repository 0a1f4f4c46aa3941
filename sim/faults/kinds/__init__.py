"""The shipped fault kinds; importing this package registers them all."""

from sim.faults.kinds import (
    brownout,
    lost_response,
    master_data,
    messages,
    outage,
    scans,
    throttle,
)

__all__ = [
    "brownout",
    "lost_response",
    "master_data",
    "messages",
    "outage",
    "scans",
    "throttle",
]
