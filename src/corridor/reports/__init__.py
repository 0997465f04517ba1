"""Reports for people (the presentation layer): one self-contained HTML or Markdown document
from the analyses' results, with figures. :func:`report` is :func:`corridor.report`."""

from corridor.reports.document import Figure, Report, ReportSource, report

__all__ = ["Figure", "Report", "ReportSource", "report"]
