"""Workflows as data: the registry of named guards and effects, specs loaded from TOML, shared machines."""

from governance.workflows.loader import check_workflow_files, load_workflows
from governance.workflows.spec import EffectUse, GuardUse, StateSpec, TriggerSpec, WorkflowSpec

__all__ = [
    "EffectUse",
    "GuardUse",
    "StateSpec",
    "TriggerSpec",
    "WorkflowSpec",
    "check_workflow_files",
    "load_workflows",
]
