"""lantern: a Slack app that helps a company and its outsourced teams abroad work as one team."""

__version__ = "0.1.0"
