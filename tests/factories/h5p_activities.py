"""H5P activities as rows (no files on disk) and lessons that embed them, for the learner-side tests.

Usage::

    activity = make_activity(content=questionset_capture_content(), main_library="H5P.QuestionSet 1.21")
    approve_libraries(activity)                       # so the player page and the lesson tag can play it
    lesson = h5p_lesson(parent=module, blocks=[(activity, True, 50)])   # (activity, required, pass percentage)
"""

import secrets

from courses.h5p import LibraryRef, answer_key, expected_max_score
from courses.models import H5PActivity, H5PLibrary
from tests.factories.courses import LessonPageFactory
from tests.factories.h5p import test_question_content

DEFAULT_LIBRARIES = {
    "EscuelaCiudadana.TestQuestion 1.0": ["EscuelaCiudadana.TestQuestion 1.0"],
    "H5P.MultiChoice 1.16": ["H5P.MultiChoice 1.16", "H5P.Question 1.5"],
    "H5P.TrueFalse 1.8": ["H5P.TrueFalse 1.8", "H5P.Question 1.5"],
    "H5P.QuestionSet 1.21": ["H5P.QuestionSet 1.21", "H5P.MultiChoice 1.16", "H5P.Question 1.5"],
}


def make_activity(
    *,
    content: dict | None = None,
    main_library: str = "EscuelaCiudadana.TestQuestion 1.0",
    title: str = "Actividad de prueba",
    libraries: list[str] | None = None,
    **fields,
) -> H5PActivity:
    """An activity whose maximum score and answer key come from ``content`` as the upload would compute them."""
    content = test_question_content() if content is None else content
    ref = LibraryRef.parse_content_string(main_library)
    fields.setdefault("expected_max_score", expected_max_score(ref, content))
    fields.setdefault("answer_key", answer_key(ref, content))
    return H5PActivity.objects.create(
        title=title,
        main_library=main_library,
        h5p_json={"title": title, "mainLibrary": ref.machine_name},
        required_libraries=libraries if libraries is not None else DEFAULT_LIBRARIES.get(main_library, [main_library]),
        package_sha256=secrets.token_hex(32),
        **fields,
    )


def approve_libraries(activity: H5PActivity) -> None:
    """Approved store rows for every library the activity needs."""
    for name in activity.required_libraries:
        machine, version = name.rsplit(" ", 1)
        major, minor = (int(part) for part in version.split("."))
        H5PLibrary.objects.get_or_create(
            machine_name=machine,
            major_version=major,
            minor_version=minor,
            patch_version=0,
            defaults={"title": machine, "tree_sha256": "0" * 64, "status": H5PLibrary.Status.APPROVED},
        )


def h5p_lesson(*, parent, blocks, **fields):
    """A lesson whose body is a paragraph and one H5P block per (activity, required, pass_percentage)."""
    from wagtail.rich_text import RichText

    body = [("paragraph", RichText("<p>Responde la actividad.</p>"))]
    for activity, required, pass_percentage in blocks:
        body.append(("h5p", {"activity": activity, "required": required, "pass_percentage": pass_percentage}))
    return LessonPageFactory(parent=parent, body=body, **fields)
