"""Outcomes that prove impact: KPI statistics, small-cell suppression and matched comparisons.

The modules here are framework-free (plain Python, NumPy and SciPy) so they can be tested in isolation;
dashboards and exports call them with figures they have already aggregated.

- :mod:`turnabout.insights.stats` — proportions, differences, means, pre/post gains and NPS, each with a
  confidence interval;
- :mod:`turnabout.insights.suppression` — primary and complementary suppression of small cells in
  one- and two-way tables, and the cross-filter rule that decides which filtered versions of a figure may be
  published side by side (:mod:`turnabout.insights.lattice` lays a program's filters out for it);
- :mod:`turnabout.insights.comparison` — participants against matched non-participants on retention and
  promotion.

Formulas and rules are written out in ``docs/insights.md``.
"""
