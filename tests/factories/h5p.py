"""Build .h5p packages at test time from the project's own test content types in tests/h5p_content/.

No third-party H5P code is involved: the library folders there (EscuelaCiudadana.TestQuestion and small stand-ins
named like H5P.MultiChoice, H5P.TrueFalse, H5P.QuestionSet and H5P.Question) were written for these tests.
"""

import json
import struct
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from courses.h5p import InstalledLibrary, LibraryRef, ValidatedPackage

CONTENT_TYPES = Path(__file__).resolve().parents[1] / "h5p_content"
XAPI_CAPTURES = CONTENT_TYPES / "xapi"

TEST_QUESTION = "EscuelaCiudadana.TestQuestion-1.0"
QUESTION = "H5P.Question-1.5"
MULTICHOICE = "H5P.MultiChoice-1.16"
TRUEFALSE = "H5P.TrueFalse-1.8"
QUESTIONSET = "H5P.QuestionSet-1.21"

# The sub-content ids of the two questions in the captured QuestionSet run (tests/h5p_content/xapi/).
CAPTURE_QUESTION_IDS = ("bca5c232-1cc0-5467-8c96-e1f9e8100027", "92ff1582-5738-5c6d-b6e3-1bc3d874e4dd")


def library_files(folder: str) -> dict[str, bytes]:
    """The files of one test library folder, keyed by their name inside a package."""
    root = CONTENT_TYPES / folder
    return {
        f"{folder}/{path.relative_to(root).as_posix()}": path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def dependency(folder: str) -> dict:
    ref = LibraryRef.parse_folder(folder)
    return {"machineName": ref.machine_name, "majorVersion": ref.major, "minorVersion": ref.minor}


def build_package(
    tmp_path: Path,
    *,
    content: dict | None = None,
    main_library: str = TEST_QUESTION,
    libraries: Iterable[str] = (TEST_QUESTION,),
    h5p_json_overrides: Mapping | None = None,
    extra_entries: Mapping[str, bytes | str | dict | list] | None = None,
    omit: Iterable[str] = (),
    raw_entries: Iterable[tuple[zipfile.ZipInfo | str, bytes]] = (),
    name: str = "package.h5p",
) -> Path:
    """Write a .h5p file into `tmp_path` and return its path.

    h5p.json lists every library in `libraries` as a preloaded dependency (as H5P editors do); a None value in
    `h5p_json_overrides` removes that key. `extra_entries` adds or replaces members (dicts and lists are written
    as JSON), `omit` drops members, `raw_entries` are appended as they are (duplicates, links, odd names).
    """
    libraries = list(libraries)
    h5p_json = {
        "title": "Pregunta de prueba",
        "language": "es",
        "mainLibrary": LibraryRef.parse_folder(main_library).machine_name,
        "embedTypes": ["iframe"],
        "license": "U",
        "preloadedDependencies": [dependency(folder) for folder in libraries],
    }
    for key, value in (h5p_json_overrides or {}).items():
        if value is None:
            h5p_json.pop(key, None)
        else:
            h5p_json[key] = value
    members: dict[str, bytes | str | dict | list] = {
        "h5p.json": h5p_json,
        "content/content.json": test_question_content() if content is None else content,
    }
    for folder in libraries:
        members.update(library_files(folder))
    members.update(extra_entries or {})
    for member in omit:
        members.pop(member)
    path = Path(tmp_path) / name
    with zipfile.ZipFile(path, "x", zipfile.ZIP_DEFLATED) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicates some tests want
        for member, data in members.items():
            archive.writestr(member, _as_bytes(data))
        for info, data in raw_entries:
            archive.writestr(info, data)
    return path


def _as_bytes(data) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode()
    return json.dumps(data, ensure_ascii=False).encode()


def patch_entry(path: Path, name: str, *, flag_bits: int | None = None, file_size: int | None = None) -> None:
    """Rewrite one member's general-purpose flags or declared uncompressed size in both of its zip headers."""
    data = bytearray(Path(path).read_bytes())
    end = data.rindex(b"PK\x05\x06")
    (directory_offset,) = struct.unpack_from("<I", data, end + 16)
    offset = directory_offset
    while data[offset : offset + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, offset + 28)
        (local,) = struct.unpack_from("<I", data, offset + 42)
        if data[offset + 46 : offset + 46 + name_length] == name.encode():
            if flag_bits is not None:
                struct.pack_into("<H", data, offset + 8, flag_bits)
                struct.pack_into("<H", data, local + 6, flag_bits)
            if file_size is not None:
                struct.pack_into("<I", data, offset + 24, file_size)
                struct.pack_into("<I", data, local + 22, file_size)
            Path(path).write_bytes(bytes(data))
            return
        offset += 46 + name_length + extra_length + comment_length
    raise KeyError(name)


def rename_entry(path: Path, old: bytes, new: bytes) -> None:
    """Replace a member name in the zip's bytes (same length), e.g. to put a NUL zipfile would not write."""
    assert len(old) == len(new)
    data = Path(path).read_bytes()
    assert data.count(old) == 2, "the name must appear once in the local and once in the central header"
    Path(path).write_bytes(data.replace(old, new))


def symlink_entry(name: str, target: str = "/etc/passwd") -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = 0o120777 << 16
    return info, target.encode()


def zeros_entry(name: str, size: int) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info, bytes(size)


def write_zeros_bomb(path: Path, *, name: str = "content/zeros.txt", mib: int = 200) -> Path:
    """A valid-looking package whose one media file is `mib` MiB of zeros (about 1000:1 compressed)."""
    path = build_package(Path(path).parent, name=Path(path).name)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, archive.open(name, "w", force_zip64=True) as out:
        chunk = bytes(1024 * 1024)
        for _ in range(mib):
            out.write(chunk)
    return path


# Content --------------------------------------------------------------------------------------------------------


def test_question_content(
    *,
    correct: int = 1,
    options: Iterable[str] = ("Sí", "No", "No lo sé"),
    question: str = "<p>¿Puede un <strong>concejo municipal</strong> aprobar su propio presupuesto?</p>",
    **extra,
) -> dict:
    return {
        "question": question,
        "options": list(options),
        "correct": correct,
        "l10n": {"check": "Comprobar", "result": "@score de @total"},
        **extra,
    }


def test_question_package(
    tmp_path: Path, *, correct: int = 1, options: Iterable[str] = ("Sí", "No", "No lo sé"), **kwargs
):
    """A package of our own playable test question (answer `correct`, counting from 0)."""
    return build_package(tmp_path, content=test_question_content(correct=correct, options=options), **kwargs)


def multichoice_params(question: str, answers: Iterable[tuple[str, bool]], **behaviour) -> dict:
    return {
        "question": question,
        "answers": [
            {"text": f"<div>{text}</div>\n", "correct": correct, "tipsAndFeedback": {"tip": "", "chosenFeedback": ""}}
            for text, correct in answers
        ],
        "behaviour": {"type": "auto", "singlePoint": False, "randomAnswers": True, "passPercentage": 100, **behaviour},
        "UI": {"checkAnswerButton": "Comprobar"},
    }


def multichoice_capture_content() -> dict:
    """The single MultiChoice question the captured statements in xapi/multichoice-single.json answered."""
    return multichoice_params(
        "<p>¿Cuál es la norma jurídica de mayor jerarquía en un Estado de derecho?</p>\n",
        [("La Constitución", True), ("Un decreto municipal", False), ("El reglamento de una escuela", False)],
    )


def questionset_capture_content() -> dict:
    """The QuestionSet (two MultiChoice, pass at 50 %) the statements in xapi/questionset-2-multichoice.json played."""
    questions = [
        multichoice_capture_content(),
        multichoice_params(
            "<p>¿Qué derecho ejercen los ciudadanos cuando votan en unas elecciones?</p>\n",
            [("El derecho de sufragio", True), ("El derecho de asilo", False), ("El derecho de propiedad", False)],
        ),
    ]
    return {
        "introPage": {"showIntroPage": False},
        "passPercentage": 50,
        "questions": [
            {
                "library": "H5P.MultiChoice 1.16",
                "params": params,
                "subContentId": sub_content_id,
                "metadata": {"title": f"Pregunta {number}", "contentType": "Multiple Choice"},
            }
            for number, (params, sub_content_id) in enumerate(zip(questions, CAPTURE_QUESTION_IDS, strict=True), 1)
        ],
        "texts": {"nextButton": "Siguiente", "finishButton": "Terminar"},
    }


def multichoice_package_matching_capture(tmp_path: Path, **kwargs) -> Path:
    kwargs.setdefault("libraries", (MULTICHOICE, QUESTION))
    return build_package(tmp_path, content=multichoice_capture_content(), main_library=MULTICHOICE, **kwargs)


def questionset_package_matching_capture(tmp_path: Path, **kwargs) -> Path:
    kwargs.setdefault("libraries", (QUESTIONSET, MULTICHOICE, QUESTION))
    return build_package(tmp_path, content=questionset_capture_content(), main_library=QUESTIONSET, **kwargs)


def truefalse_package(tmp_path: Path, *, correct: str = "true", **kwargs) -> Path:
    content = {"question": "<p>Chile tiene 16 regiones.</p>", "correct": correct, "l10n": {"trueText": "Verdadero"}}
    kwargs.setdefault("libraries", (TRUEFALSE, QUESTION))
    return build_package(tmp_path, content=content, main_library=TRUEFALSE, **kwargs)


# The sub-content ids of the two questions in xapi/questionset-reload-after-completion.json (our own set of two test
# questions, played in the browser test tests/browser/test_h5p_journey.py).
RELOAD_QUESTION_IDS = ("3b0d6a51-7f2e-4c38-9a61-0c5e2f1d8b01", "8e4c2f90-1a7b-4d65-b3c9-5f2e7a0d4c02")


def questionset_test_questions_content() -> dict:
    """A QuestionSet of two of our test questions (the right answers are options 0 and 1), pass at 50 %."""
    questions = [
        test_question_content(
            correct=0,
            question="<p>¿Quién aprueba el presupuesto municipal?</p>",
            options=("El concejo municipal", "El gobierno regional", "La Contraloría"),
        ),
        test_question_content(
            correct=1,
            question="<p>¿Cada cuántos años se eligen alcaldes en Chile?</p>",
            options=("Cada 2 años", "Cada 4 años", "Cada 6 años"),
        ),
    ]
    return {
        "introPage": {"showIntroPage": False},
        "passPercentage": 50,
        "questions": [
            {
                "library": "EscuelaCiudadana.TestQuestion 1.0",
                "params": params,
                "subContentId": sub_content_id,
                "metadata": {"title": f"Pregunta {number}"},
            }
            for number, (params, sub_content_id) in enumerate(zip(questions, RELOAD_QUESTION_IDS, strict=True), 1)
        ],
        "texts": {"nextButton": "Siguiente", "finishButton": "Terminar"},
    }


def questionset_test_questions_package(tmp_path: Path, **kwargs) -> Path:
    kwargs.setdefault("libraries", (QUESTIONSET, TEST_QUESTION))
    return build_package(tmp_path, content=questionset_test_questions_content(), main_library=QUESTIONSET, **kwargs)


def load_capture(name: str) -> list[dict]:
    """The xAPI statements captured from official content types: "multichoice-single" or "questionset-2-multichoice";
    "questionset-reload-after-completion" is a replay file (statements, state writes and page loads) of our own."""
    return json.loads((XAPI_CAPTURES / f"{name}.json").read_text(encoding="utf-8"))


def installed_from(
    package: ValidatedPackage, folders: Iterable[str] | None = None
) -> dict[LibraryRef, InstalledLibrary]:
    """What a library store would hold after installing (some of) a validated package's libraries."""
    wanted = None if folders is None else {LibraryRef.parse_folder(folder) for folder in folders}
    return {
        ref: InstalledLibrary(
            patch=library.patch,
            tree_sha256=library.tree_sha256,
            semantics=library.semantics,
            dependencies=library.dependencies,
        )
        for ref, library in package.libraries.items()
        if wanted is None or ref in wanted
    }


# Named like tests, but they are builders: keep pytest from collecting them where they are imported.
test_question_content.__test__ = False
test_question_package.__test__ = False
