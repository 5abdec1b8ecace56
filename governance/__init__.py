"""governance: a workflow engine that runs an organisation's Rules of Procedure."""

__version__ = "0.1.0"
