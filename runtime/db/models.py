"""Imports every model module so `Base.metadata` is complete (Alembic, tests). Shell."""

from runtime.auth import models as auth_models
from runtime.automation import models as automation_models
from runtime.automation import sequence_models
from runtime.db.base import Base
from runtime.definitions import models as definition_models
from runtime.files import models as file_models
from runtime.flows import models as flow_models
from runtime.org import models as org_models
from runtime.records import models as record_models
from runtime.scheduler import models as timer_models
from runtime.tasks import models as task_models

__all__ = [
    "Base",
    "auth_models",
    "automation_models",
    "definition_models",
    "file_models",
    "flow_models",
    "org_models",
    "record_models",
    "sequence_models",
    "task_models",
    "timer_models",
]
