"""The `gov` command: parse, call the service, print."""
