"""Kudos: recognition given with /kudos, the "Give kudos" form or a reaction, posted to the
shared feed.

- :mod:`.rules`: what may be given (pure: text in, decisions out);
- :mod:`.store`: the records and the daily allowance count;
- :mod:`.render`: the feed post, its corrections and the giver's confirmation;
- :mod:`.form`: the "Give kudos" modal;
- :mod:`.lookups`: what kudos ask of Slack about a reacted-to message;
- :mod:`.service`: the use cases (give, react, unreact), each in its own transaction;
- :mod:`.export`: ``lantern export kudos``.
"""
