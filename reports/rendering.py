"""Rendering a report: the figures to PNG with Kaleido and the system Chromium, the HTML to
PDF with WeasyPrint. Both are heavy, so they are imported by the workers that render."""

import base64
import logging
import tempfile
from pathlib import Path

from django.conf import settings

from insights.page_figures import ChartFigure

logger = logging.getLogger(__name__)

CHART_WIDTH = 1200
# Two charts side by side (the organisation's and a unit's report) print at the same type
# size as one at CHART_WIDTH across the page.
HALF_CHART_WIDTH = 640
CHART_HEIGHT = 460
# Pixels per CSS pixel: about 250 dpi at the width printed, sharp on paper, small in the PDF.
CHART_SCALE = 1.5


# --- Charts as images-------------------------------------------------------------------------


def charts_export(
    *, figures: list[ChartFigure], width: int = CHART_WIDTH
) -> tuple[dict[str, str], str]:
    """Every figure as a PNG data URI `width` CSS pixels wide, in one Kaleido batch (a
    cold start costs seconds).

    Returns (images by figure key, "") or ({}, the reason the charts are unavailable).
    """
    if not figures:
        return {}, ""
    browser = settings.REPORT_CHART_BROWSER_PATH
    if not browser or not Path(browser).exists():
        return {}, "no Chromium is installed on the server"
    import kaleido  # heavy: imported by the workers that render

    with tempfile.TemporaryDirectory(prefix="report-charts-") as tmp:
        paths = {figure.key: Path(tmp) / f"{index}.png" for index, figure in enumerate(figures)}
        specs = [
            {"fig": figure.figure, "path": paths[figure.key], "opts": _image_options(figure, width)}
            for figure in figures
        ]
        try:
            errors = kaleido.write_fig_from_object_sync(
                specs, kopts={"path": browser, "mathjax": False, "timeout": 60}
            )
        except Exception as error:
            logger.exception("Chart export failed")
            return {}, f"the chart renderer failed ({type(error).__name__})"
        if errors:
            logger.error("Chart export failed: %s", errors)
            return {}, "the chart renderer failed"
        return {key: _data_uri(path) for key, path in paths.items()}, ""


def _image_options(figure: ChartFigure, width: int) -> dict:
    height = figure.figure.get("layout", {}).get("height") or CHART_HEIGHT
    return {"format": "png", "width": width, "height": height, "scale": CHART_SCALE}


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def html_to_pdf(*, html: str) -> bytes:
    from weasyprint import HTML  # heavy: imported by the workers that render

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
