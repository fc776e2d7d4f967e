"""Pulse surveys: short, anonymous-by-construction surveys per site, and their results.

- :mod:`.statistics`: means, eNPS and their 95 % confidence intervals (pure);
- :mod:`.results`: the one results module every output goes through: groups (sites,
  in-house, BPO, overall), the ``min_responses`` threshold and the rule that no combination
  of shown figures recovers a hidden group (pure: counts in, figures out).
"""
