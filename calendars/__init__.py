"""Site calendars: holidays per site, curated content and company milestones."""
