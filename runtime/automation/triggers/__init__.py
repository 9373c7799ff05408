"""Trigger types: what event starts an automation, and whether it matches. Pure.

One registered module per trigger type (STYLE §3). A flow definition names its trigger in
`trigger` {type, condition?, fields?}; the dispatcher (runtime/automation/service.py) offers
every pending event to every published flow of the event's app and form.
"""

from runtime.automation.triggers import behaviour, record, time
from runtime.automation.triggers.base import TriggerType, trigger_types

__all__ = ["TriggerType", "behaviour", "record", "time", "trigger_types"]
