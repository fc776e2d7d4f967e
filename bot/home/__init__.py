"""The App Home: what is coming up at every site, your kudos, the latest recognition that
crossed sites, and (for admins) delivery health.

- :mod:`.queries`: the figures, from the database;
- :mod:`.render`: the Home tab's blocks;
- :mod:`.service`: publishing it for the person who opened it.
"""
