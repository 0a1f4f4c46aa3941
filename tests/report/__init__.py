"""Plots of a run or a comparison (``sim.report.plots``), rendered with the Agg backend."""
