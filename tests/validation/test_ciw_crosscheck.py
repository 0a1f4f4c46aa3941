"""Independent cross-check: the same tandem network in o2csim and in Ciw.

Ciw (a peer discrete-event library, test-only dependency) simulates the order-pipeline tandem
with its own event loop and its own random numbers. Each library runs ``REPLICATIONS``
independent replications with the same warm-up deletion (by arrival at the first stage) and
the same window; each replication yields its mean end-to-end queue wait and its mean wait per
stage. A Welch two-sample t-test (unequal variances) over the replication means must not
reject equality at the 1% significance level for the end-to-end wait; the four per-stage
tests share that 1% by Bonferroni (each at 0.25%). A broken variant, o2csim with a slower ERP,
must be rejected at the same level.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from scipy import stats

from sim.engine import EndpointSpec, Exponential
from tests.validation.harness import (
    PIPELINE,
    PIPELINE_RATE,
    TandemRun,
    exponential_stages,
    run_ciw_tandem,
    run_tandem,
    scaled,
)

pytestmark = pytest.mark.validation

ALPHA = 0.01
"""Family significance level: the end-to-end test alone, the per-stage tests together."""
REPLICATIONS = 12
WARMUP = 300.0
DRAIN = 300.0
HORIZON = WARMUP + scaled(4_000) / PIPELINE_RATE


@cache
def ciw_runs() -> tuple[TandemRun, ...]:
    stages = [(servers, mean) for _, servers, mean in PIPELINE]
    return tuple(
        run_ciw_tandem(
            50_000 + r, PIPELINE_RATE, stages, warmup=WARMUP, horizon=HORIZON, drain=DRAIN
        )
        for r in range(REPLICATIONS)
    )


def o2csim_runs(stages: list[tuple[str, EndpointSpec]], seed_base: int) -> list[TandemRun]:
    return [
        run_tandem(
            seed_base + r, PIPELINE_RATE, stages, warmup=WARMUP, horizon=HORIZON, drain=DRAIN
        )
        for r in range(REPLICATIONS)
    ]


def welch_p(a: list[float], b: list[float]) -> float:
    """Two-sided p-value of Welch's t-test for equal means."""
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def test_o2csim_and_ciw_give_indistinguishable_mean_waits() -> None:
    ours = o2csim_runs(exponential_stages(PIPELINE), 51_000)
    theirs = ciw_runs()
    total_p = welch_p([r.mean_total_wait for r in ours], [r.mean_total_wait for r in theirs])
    print(
        f"end-to-end mean wait: o2csim {np.mean([r.mean_total_wait for r in ours]):.4f}, "
        f"Ciw {np.mean([r.mean_total_wait for r in theirs]):.4f}, Welch p = {total_p:.3f}"
    )
    stage_p = []
    for k, (name, _, _) in enumerate(PIPELINE):
        a = [float(r.stage_mean_waits()[k]) for r in ours]
        b = [float(r.stage_mean_waits()[k]) for r in theirs]
        stage_p.append(welch_p(a, b))
        print(f"{name}: o2csim {np.mean(a):.4f}, Ciw {np.mean(b):.4f}, p = {stage_p[-1]:.3f}")
    assert total_p > ALPHA
    assert min(stage_p) > ALPHA / len(PIPELINE)


def test_a_slower_erp_is_detected() -> None:
    """o2csim with ERP create 3.2 s instead of 2.8 s (utilisation 0.8, not 0.7) is rejected."""
    stages = [
        (name, EndpointSpec(service_time=Exponential(mean=3.2), concurrency=spec.concurrency))
        if name == "erp.create_order"
        else (name, spec)
        for name, spec in exponential_stages(PIPELINE)
    ]
    ours = o2csim_runs(stages, 52_000)
    theirs = ciw_runs()
    p = welch_p([r.mean_total_wait for r in ours], [r.mean_total_wait for r in theirs])
    print(f"slower ERP: end-to-end Welch p = {p:.2e}")
    assert p < ALPHA
