"""The running processes: the Bolt app, the web server, the worker, and the CLI."""
