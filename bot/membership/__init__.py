"""Site membership: a site's people are the members of its channel.

- :mod:`.store`: the stored members, and who is at which site;
- :mod:`.service`: the sync from Slack (``conversations.members``) and the join/leave events.
"""
