"""Labels on a route map that keep clear of each other, the markers and the routes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes


__all__ = ["HALO", "Labeller"]

HALO = "white"
"""The outline that keeps a label readable over lines and land."""


class Labeller:
    """Greedy placement of point labels: the first candidate offset that overlaps nothing.

    Labels are placed in priority order; each keeps clear of the labels and markers placed
    before it and, when it can, of the route lines.
    """

    AROUND = ((7, 6), (7, -6), (-7, 6), (-7, -6), (10, 0), (-10, 0), (0, 11), (0, -11),
              (14, 14), (14, -14), (-14, 14), (-14, -14), (22, 0), (-22, 0))
    CENTRED = ((0, 0), (0, 18), (0, -18), (40, 0), (-40, 0), (30, 24), (-30, 24), (30, -24),
               (-30, -24), (0, 36), (0, -36), (70, 0), (-70, 0), (50, 45), (-50, -45),
               (50, -45), (-50, 45))

    def __init__(self, ax: Axes) -> None:
        from matplotlib.transforms import Bbox

        self.ax = ax
        self.renderer = ax.figure.canvas.get_renderer()
        self.taken: list[Bbox] = []
        self.frame = ax.get_window_extent(self.renderer)
        self.line_points = np.empty((0, 2))

    def block(self, lon: float, lat: float, radius_px: float = 7.0) -> None:
        """Keep labels off a marker."""
        from matplotlib.transforms import Bbox

        x, y = self.ax.transData.transform((lon, lat))
        self.taken.append(Bbox([[x - radius_px, y - radius_px], [x + radius_px, y + radius_px]]))

    def add_line(self, display_xy: np.ndarray, step_px: float = 3.0) -> None:
        """Keep labels off a drawn line (given in display pixels), sampled every few px."""
        samples = [display_xy[:1]]
        for a, b in zip(display_xy[:-1], display_xy[1:], strict=True):
            n = max(1, int(np.hypot(*(b - a)) / step_px))
            t = np.linspace(0, 1, n + 1)[1:, None]
            samples.append(a + t * (b - a))
        self.line_points = np.vstack([self.line_points, *samples])

    def _fits(self, box: Any, lines: bool) -> bool:
        if not (self.frame.contains(box.x0, box.y0) and self.frame.contains(box.x1, box.y1)):
            return False
        if any(box.overlaps(t) for t in self.taken):
            return False
        if lines and len(self.line_points):
            p = self.line_points
            hit = (p[:, 0] >= box.x0) & (p[:, 0] <= box.x1) & (p[:, 1] >= box.y0) & (
                p[:, 1] <= box.y1)
            return not bool(hit.any())
        return True

    def place(self, text: str, lon: float, lat: float, *, required: bool,
              centred: bool = False, halo: str = HALO, **style: Any) -> bool:
        """Label a point; ``required`` labels go at their first offset when nothing fits."""
        import matplotlib.patheffects as pe

        offsets = self.CENTRED if centred else self.AROUND
        effects = [pe.withStroke(linewidth=3, foreground=halo)]
        zorder = style.pop("zorder", 30)
        for lines in (True, False):
            for dx, dy in offsets:
                if centred:
                    ha = va = "center"
                else:
                    ha = "left" if dx > 0 else "right" if dx < 0 else "center"
                    va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
                artist = self.ax.annotate(
                    text, (lon, lat), xytext=(dx, dy), textcoords="offset points", ha=ha,
                    va=va, zorder=zorder, path_effects=effects,
                    annotation_clip=False, **style)
                box = artist.get_window_extent(self.renderer).expanded(1.06, 1.2)
                if self._fits(box, lines):
                    self.taken.append(box)
                    return True
                artist.remove()
        if required:
            dx, dy = offsets[0]
            artist = self.ax.annotate(
                text, (lon, lat), xytext=(dx, dy), textcoords="offset points",
                ha="center" if centred else "left", va="center" if centred else "bottom",
                zorder=zorder, path_effects=effects, annotation_clip=False, **style)
            self.taken.append(artist.get_window_extent(self.renderer))
            return True
        return False
