"""``/celebrate``: team leads post celebrations; anyone can list the coming milestones.

- :mod:`.rules`: what the command text asks for, and what is refused;
- :mod:`.listing`: the coming milestones of every site, grouped;
- :mod:`.render`: the list, the help, the refusal and the celebration post;
- :mod:`.form`: the modal a lead fills in;
- :mod:`.service`: who may post, and posting (in its own transaction).
"""
