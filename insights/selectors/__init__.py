"""Reads for the dashboards and pages: plain data, never figures (see insights.figures)."""
