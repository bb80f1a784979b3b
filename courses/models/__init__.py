from .pages import (  # noqa: F401
    Audience,
    CourseIndexPage,
    CourseInstructor,
    CoursePage,
    LessonPage,
    ModulePage,
)
from .territory import Comuna, Province, Region  # noqa: F401
