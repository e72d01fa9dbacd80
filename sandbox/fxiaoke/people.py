"""The tenant's employees: CRM employee ids (`1000`, new-style calls) and openUserIds (`FSUID_…`, legacy).

Every employee field (`owner`, `created_by`, …) is a list of ids; which form a call sees depends on
`convertUserId`, true by default for legacy body-style calls and false for header-style calls
(reference fxiaoke.md §1 table "user id form").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sandbox.portfolio import USERS

ROOT_DEPARTMENT = "999999"  # 全公司, the documented whole-company department id
FIRST_EMPLOYEE_ID = 1000


@dataclass(frozen=True)
class Employee:
    """One employee: its CRM id, its openUserId, name and phone."""

    employee_id: str
    open_user_id: str
    name: str
    mobile: str


class People:
    """The employees of one sandbox tenant, looked up by either id form."""

    def __init__(self, seed: int) -> None:
        self.employees = tuple(self._employee(seed, i, name) for i, name in enumerate(USERS))
        self._by_employee = {e.employee_id: e for e in self.employees}
        self._by_open_id = {e.open_user_id: e for e in self.employees}

    @staticmethod
    def _employee(seed: int, i: int, name: str) -> Employee:
        digest = hashlib.sha256(f"{seed}:employee:{i}".encode()).hexdigest()
        return Employee(str(FIRST_EMPLOYEE_ID + i), f"FSUID_{digest[:32].upper()}", name, f"1380000{i:04d}")

    def admin(self) -> Employee:
        """The CRM administrator integrations are advised to act as."""
        return self.employees[0]

    def by_employee_id(self, employee_id: str) -> Employee | None:
        """The employee with this CRM id, if any."""
        return self._by_employee.get(employee_id)

    def by_open_id(self, open_user_id: str) -> Employee | None:
        """The employee with this openUserId, if any."""
        return self._by_open_id.get(open_user_id)

    def for_owner_index(self, index: int) -> Employee:
        """The employee a portfolio owner index stands for."""
        return self.employees[index % len(self.employees)]

    def to_wire(self, employee_id: str, open_ids: bool) -> str:
        """An employee id as a caller using this id form sees it."""
        employee = self._by_employee.get(employee_id)
        return employee.open_user_id if open_ids and employee else employee_id

    def from_wire(self, value: str, open_ids: bool) -> str:
        """A caller's employee reference as the stored CRM employee id (unknown ids pass through)."""
        if not open_ids:
            return value
        employee = self._by_open_id.get(value)
        return employee.employee_id if employee else value
