"""Milestone reminders: heads-ups ``days_before`` and a day-of post, at each site's local time.

- :mod:`.planner`: what is due when (the clock's planner);
- :mod:`.render`: the Block Kit post, worded for each site's own calendar.
"""
