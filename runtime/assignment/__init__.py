"""Assignment policies: who gets the next record (round robin, load balance, field map). Pure."""

from runtime.assignment.policies import Choice, Policy, policies

__all__ = ["Choice", "Policy", "policies"]
