"""The learners app's models, defined in its sub-packages and gathered here, the module Django loads.

Each model lives with the code that uses it (``learners.<package>.models``); its app label is still "learners",
because its module is inside this app. Import models from here or from their package.
"""

# In the order the models were first declared, which is the order Django registers them (and creates their
# content types and permissions in a new database).
# isort: off
from learners.accounts.models import LearnerProfile
from learners.enrolment.models import Cohort, Enrolment, Session
from learners.progress.models import LessonProgress
from learners.attendance.models import AttendanceRecord
from learners.h5p.models import H5PAttempt, H5PStatement, H5PUserState
from learners.staff.models import StaffProfile
from learners.privacy.models import AuditEvent, Consent, DataRequest, PrivacyNotice
from learners.accounts.models import LoginLock
from learners.reflections.models import ReflectionAnswer
from learners.calendar.models import CalendarFeed
from learners.imports.models import EnrolmentImport, ImportInvitation
from learners.notifications.models import NotificationPreference, OutboxMessage
# isort: on

__all__ = [
    "LearnerProfile",
    "Cohort",
    "Session",
    "Enrolment",
    "LessonProgress",
    "AttendanceRecord",
    "H5PAttempt",
    "H5PStatement",
    "H5PUserState",
    "StaffProfile",
    "AuditEvent",
    "PrivacyNotice",
    "Consent",
    "DataRequest",
    "LoginLock",
    "ReflectionAnswer",
    "CalendarFeed",
    "EnrolmentImport",
    "ImportInvitation",
    "OutboxMessage",
    "NotificationPreference",
]
