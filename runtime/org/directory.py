"""The organisation as pure code sees it: departments, heads, roles. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Directory:
    """Read-only org data for pure code: heads, parents, role members (DESIGN §2)."""

    department_of: dict[str, str | None] = field(default_factory=dict)  # username → dept code
    head_of: dict[str, str | None] = field(default_factory=dict)  # dept code → username
    parent_of: dict[str, str | None] = field(default_factory=dict)  # dept code → dept code
    members_of_role: dict[str, tuple[str, ...]] = field(default_factory=dict)
    on_leave: frozenset[str] = frozenset()
    backup_of: dict[str, str] = field(default_factory=dict)  # username → their backup

    def available(self, username: str) -> str | None:
        """Who takes `username`'s new work: themselves, else their backup (following backups
        who are on leave too); None when nobody in that chain is at work."""
        seen: set[str] = set()
        current: str | None = username
        while current is not None and current in self.on_leave:
            if current in seen:
                return None
            seen.add(current)
            current = self.backup_of.get(current)
        return current

    def manager(self, username: str) -> str | None:
        """The head of the user's department, or of its parent when the user is that head."""
        department = self.department_of.get(username)
        while department is not None:
            head = self.head_of.get(department)
            if head is not None and head != username:
                return head
            department = self.parent_of.get(department)
        return None

    def head_chain(self, username: str) -> list[str]:
        """Heads above the user, nearest first: manager, the manager's manager, … (no repeats)."""
        chain: list[str] = []
        current = username
        while True:
            head = self.manager(current)
            if head is None or head in chain or head == username:
                return chain
            chain.append(head)
            current = head
