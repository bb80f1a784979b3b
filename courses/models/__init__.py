from courses.schools.models import NationalCourseOffer, School, SchoolGroup  # noqa: F401

from .h5p import H5PActivity, H5PLibrary  # noqa: F401
from .pages import (  # noqa: F401
    Audience,
    CourseIndexPage,
    CourseInstructor,
    CoursePage,
    LessonPage,
    ModulePage,
)
from .territory import Comuna, Province, Region  # noqa: F401
