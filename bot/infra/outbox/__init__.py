"""Store-then-send delivery of everything lantern says in Slack.

- :mod:`.queue`: what capabilities call: enqueue a message under its key, cancel, revive.
- :mod:`.leases`: which deliverer may send a row now (claim, renew, record the outcome).
- :mod:`.delivery`: the deliverer that sends claimed rows and waits out Slack's limits.
- :mod:`.report`: what operators see (``lantern outbox``, the App Home's delivery health).
"""
