"""The service: the one path every change takes (one transaction each), and the queries that read."""
