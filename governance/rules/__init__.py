"""The rules of procedure as data: schema, loading with `PATH:LINE` problems, and the frozen model."""

from governance.rules.loader import load_rules, check_rules_files
from governance.rules.model import Rules

__all__ = ["Rules", "load_rules", "check_rules_files"]
