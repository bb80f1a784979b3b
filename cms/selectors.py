"""Reads for the home page."""

from cms.models import HomePage
from courses.models import CourseIndexPage, CoursePage
from courses.selectors import cover_image_prefetch


def featured_courses(*, home: HomePage) -> list[CoursePage]:
    """The live courses the editors chose for the home page, in their order (two queries)."""
    ids = [item.course_id for item in home.featured_courses.all()]
    courses = {
        course.pk: course
        for course in CoursePage.objects.live().public().filter(pk__in=ids).prefetch_related(cover_image_prefetch())
    }
    return [courses[pk] for pk in ids if pk in courses]


def main_catalogue(*, home: HomePage) -> CourseIndexPage | None:
    return CourseIndexPage.objects.child_of(home).live().first()
