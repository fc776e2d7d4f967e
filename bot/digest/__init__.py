"""The weekly manager digest: what a manager should act on this week, with the figures and a
chart, computed in the database and sent as one DM per manager (see ``service``)."""
