"""courses.h5p.package: the upload gate (H5P.md §6.1 and §6.5) and atomic extraction."""

import hashlib
import json
import os
import pickle
import stat
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from django.utils import translation

from courses.h5p import (
    H5PPackageError,
    InstalledLibrary,
    LibraryRef,
    Limits,
    directory_tree_sha256,
    extract_content,
    extract_library,
    validate_package,
)
from courses.h5p import package as package_module
from tests.factories import h5p as factory

TEST_QUESTION_REF = LibraryRef("EscuelaCiudadana.TestQuestion", 1, 0)
MULTICHOICE_REF = LibraryRef("H5P.MultiChoice", 1, 16)
QUESTION_REF = LibraryRef("H5P.Question", 1, 5)
TEST_LIBRARY_JSON = f"{factory.TEST_QUESTION}/library.json"


def library_json(folder: str = factory.TEST_QUESTION, **changes) -> dict:
    data = json.loads((factory.CONTENT_TYPES / folder / "library.json").read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def listing(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*"))


# The refused corpus -----------------------------------------------------------------------------------------
# Each case builds a package in tmp_path and returns (path, kwargs for validate_package).


def with_entries(**entries):
    return lambda tmp: (factory.build_package(tmp, extra_entries=entries), {})


def with_raw(*raw):
    return lambda tmp: (factory.build_package(tmp, raw_entries=raw), {})


def with_lowered(limits: Limits, **build):
    return lambda tmp: (factory.build_package(tmp, **build), {"limits": limits})


def nul_name(tmp):
    path = factory.build_package(tmp, extra_entries={"content/evilX.json": "{}"})
    factory.rename_entry(path, b"content/evilX.json", b"content/evil\x00.json")
    return path, {}


def lying_size(tmp):
    path = factory.build_package(tmp, extra_entries={"content/notes.txt": "texto " * 5000})
    factory.patch_entry(path, "content/notes.txt", file_size=1000)
    return path, {}


def encrypted(tmp):
    path = factory.build_package(tmp, extra_entries={"content/notes.txt": "secreto"})
    factory.patch_entry(path, "content/notes.txt", flag_bits=0x1)
    return path, {}


def not_a_zip(tmp):
    path = tmp / "package.h5p"
    path.write_text("<html>no soy un zip</html>")
    return path, {}


def hash_mismatch(tmp):
    installed = {TEST_QUESTION_REF: InstalledLibrary(patch=0, tree_sha256="0" * 64, semantics=None)}
    return factory.test_question_package(tmp), {"installed": installed}


def missing_question_library(tmp):
    return factory.multichoice_package_matching_capture(tmp, libraries=[factory.MULTICHOICE]), {}


def missing_dynamic_dependency(tmp):
    changed = library_json(dynamicDependencies=[{"machineName": "H5P.Foo", "majorVersion": 1, "minorVersion": 0}])
    return factory.build_package(tmp, extra_entries={TEST_LIBRARY_JSON: changed}), {}


def deep_content(tmp):
    deep = "content/" + "/".join(f"d{level}" for level in range(12)) + "/x.txt"
    return factory.build_package(tmp, extra_entries={deep: "x"}), {}


def too_many_entries(tmp):
    entries = {f"content/texts/{number}.txt": "x" for number in range(20)}
    return factory.build_package(tmp, extra_entries=entries), {"limits": Limits(max_entries=20)}


def renamed_library_folder(tmp, folder: str):
    files = factory.library_files(factory.TEST_QUESTION)
    entries = {name.replace(factory.TEST_QUESTION, folder, 1): data for name, data in files.items()}
    return factory.build_package(
        tmp,
        libraries=[],
        extra_entries=entries,
        h5p_json_overrides={"preloadedDependencies": [factory.dependency(factory.TEST_QUESTION)]},
    ), {}


def content_with_image(path_value: str, **entries):
    content = factory.test_question_content(image={"path": path_value, "mime": "image/png"})
    return lambda tmp: (factory.build_package(tmp, content=content, extra_entries=entries), {})


REFUSED = {
    # paths
    "zip-slip": (with_raw(("../../evil.json", b"{}")), "unsafe-path", "../../evil.json"),
    "zip-slip-in-content": (with_raw(("content/../../evil.json", b"{}")), "unsafe-path", "content/../../evil.json"),
    "absolute": (with_raw(("/tmp/evil", b"x")), "unsafe-path", "/tmp/evil"),
    "backslash": (with_raw(("content\\..\\..\\evil.json", b"{}")), "unsafe-path", "content\\..\\..\\evil.json"),
    "drive-letter": (with_raw(("C:/evil.json", b"{}")), "unsafe-path", "C:/evil.json"),
    "nul": (nul_name, "unsafe-path", "content/evil\\x00.json"),
    "dot-segment": (with_raw(("content/./x.txt", b"x")), "unsafe-path", "content/./x.txt"),
    "too-deep": (deep_content, "path-too-deep", "content/d0/d1"),
    # links, sizes, duplicates
    "symlink": (with_raw(factory.symlink_entry("content/link.txt")), "symlink-entry", "content/link.txt"),
    "zip-bomb-ratio": (
        with_raw(factory.zeros_entry("content/zeros.txt", 3 * 1024 * 1024)),
        "compression-ratio",
        "content/zeros.txt",
    ),
    "lying-header-size": (lying_size, "corrupt-entry", "content/notes.txt"),
    "duplicate-content-json": (with_raw(("content/content.json", b"{}")), "duplicate-entry", "content/content.json"),
    "duplicate-case-insensitive": (
        with_raw(("Content/Content.JSON", b"{}")),
        "duplicate-entry",
        "Content/Content.JSON",
    ),
    "file-and-folder": (
        with_entries(**{"content/a.png": b"png", "content/a.png/b.png": b"png"}),
        "duplicate-entry",
        "content/a.png",
    ),
    "encrypted": (encrypted, "encrypted-entry", "content/notes.txt"),
    "too-many-entries": (too_many_entries, "too-many-entries", "20"),
    "entry-too-large": (
        with_lowered(Limits(max_entry=1024 * 1024), extra_entries={"content/big.txt": os.urandom(1024 * 1024 + 1)}),
        "entry-too-large",
        "content/big.txt",
    ),
    "package-too-large": (
        with_lowered(
            Limits(max_total=2 * 1024 * 1024),
            extra_entries={"content/a.txt": os.urandom(1200 * 1024), "content/b.txt": os.urandom(1200 * 1024)},
        ),
        "package-too-large",
        "2 MB",
    ),
    "upload-too-large": (
        with_lowered(Limits(max_upload=1024 * 1024), extra_entries={"content/a.txt": os.urandom(1100 * 1024)}),
        "upload-too-large",
        "1 MB",
    ),
    # file types and places
    "content-js": (with_entries(**{"content/evil.js": "alert(1)"}), "file-type-not-allowed", "content/evil.js"),
    "content-svg": (
        with_entries(**{"content/images/x.svg": "<svg onload='alert(1)'/>"}),
        "file-type-not-allowed",
        "content/images/x.svg",
    ),
    "content-html": (
        with_entries(**{"content/x.html": "<script>alert(1)</script>"}),
        "file-type-not-allowed",
        "content/x.html",
    ),
    "library-php": (
        with_entries(**{"H5P.Foo-1.0/shell.php": "<?php system($_GET['c']);"}),
        "file-type-not-allowed",
        "H5P.Foo-1.0/shell.php",
    ),
    "library-no-extension": (
        with_entries(**{f"{factory.TEST_QUESTION}/LICENSE": "MIT"}),
        "file-type-not-allowed",
        "LICENSE",
    ),
    "top-level-html": (
        with_entries(**{"index.html": "<script>alert(1)</script>"}),
        "unexpected-top-level-file",
        "index.html",
    ),
    # JSON
    "missing-h5p-json": (
        lambda tmp: (factory.build_package(tmp, omit=["h5p.json"]), {}),
        "missing-h5p-json",
        "h5p.json",
    ),
    "invalid-h5p-json": (with_entries(**{"h5p.json": '{"title": "x",'}), "invalid-json", "h5p.json"),
    "non-utf8-h5p-json": (
        with_entries(**{"h5p.json": '{"title": "Acción"}'.encode("latin-1")}),
        "invalid-encoding",
        "h5p.json",
    ),
    "nan-in-json": (
        with_entries(**{"content/content.json": '{"correct": NaN}'}),
        "invalid-json",
        "content/content.json",
    ),
    "oversized-content-json": (
        with_lowered(
            Limits(max_content_json=1024), content=factory.test_question_content(question="<p>" + "x" * 2000 + "</p>")
        ),
        "json-too-large",
        "content/content.json",
    ),
    "h5p-json-no-title": (
        lambda tmp: (factory.build_package(tmp, h5p_json_overrides={"title": None}), {}),
        "invalid-h5p-json",
        "title",
    ),
    "h5p-json-bad-language": (
        lambda tmp: (factory.build_package(tmp, h5p_json_overrides={"language": "es_CL!"}), {}),
        "invalid-h5p-json",
        "language",
    ),
    "h5p-json-bad-embed": (
        lambda tmp: (factory.build_package(tmp, h5p_json_overrides={"embedTypes": ["script"]}), {}),
        "invalid-h5p-json",
        "embedTypes",
    ),
    "h5p-json-bad-dependency": (
        lambda tmp: (
            factory.build_package(
                tmp,
                h5p_json_overrides={
                    "preloadedDependencies": [{"machineName": "H5P Foo", "majorVersion": 1, "minorVersion": 0}]
                },
            ),
            {},
        ),
        "invalid-h5p-json",
        "preloadedDependencies",
    ),
    "h5p-json-main-not-preloaded": (
        lambda tmp: (factory.build_package(tmp, h5p_json_overrides={"mainLibrary": "H5P.Other"}), {}),
        "invalid-h5p-json",
        "H5P.Other",
    ),
    "missing-content-json": (
        lambda tmp: (factory.build_package(tmp, omit=["content/content.json"]), {}),
        "missing-content-json",
        "content/content.json",
    ),
    "content-json-not-object": (
        with_entries(**{"content/content.json": "[1, 2]"}),
        "invalid-content-json",
        "content/content.json",
    ),
    # libraries
    "missing-question-library": (missing_question_library, "missing-library", "H5P.Question-1.5"),
    "missing-dynamic-dependency": (missing_dynamic_dependency, "missing-library", "H5P.Foo-1.0"),
    "folder-version-mismatch": (
        with_entries(**{TEST_LIBRARY_JSON: library_json(minorVersion=1)}),
        "library-folder-mismatch",
        factory.TEST_QUESTION,
    ),
    "bad-library-folder-name": (
        lambda tmp: renamed_library_folder(tmp, "EscuelaCiudadana TestQuestion-1.0"),
        "invalid-library-folder-name",
        "EscuelaCiudadana TestQuestion-1.0",
    ),
    "duplicate-library": (
        with_entries(
            **{"EscuelaCiudadana.TestQuestion/library.json": library_json(preloadedJs=None, preloadedCss=None)}
        ),
        "duplicate-library",
        "EscuelaCiudadana.TestQuestion",
    ),
    "missing-library-json": (
        with_entries(**{"H5P.Foo-1.0/js/foo.js": "var x;"}),
        "missing-library-json",
        "H5P.Foo-1.0",
    ),
    "library-json-no-title": (
        with_entries(**{TEST_LIBRARY_JSON: library_json(title=None)}),
        "invalid-library-json",
        "title",
    ),
    "library-json-bad-runnable": (
        with_entries(**{TEST_LIBRARY_JSON: library_json(runnable="yes")}),
        "invalid-library-json",
        "runnable",
    ),
    "library-json-bad-js-path": (
        with_entries(**{TEST_LIBRARY_JSON: library_json(preloadedJs=[{"path": "../x.js"}])}),
        "invalid-library-json",
        "preloadedJs",
    ),
    "bad-language-file-name": (
        with_entries(**{f"{factory.TEST_QUESTION}/language/es_CL.json": "{}"}),
        "invalid-language-file",
        "language/es_CL.json",
    ),
    "invalid-language-json": (
        with_entries(**{f"{factory.TEST_QUESTION}/language/pt-br.json": "{"}),
        "invalid-json",
        "language/pt-br.json",
    ),
    "core-api-1-99": (
        with_entries(**{TEST_LIBRARY_JSON: library_json(coreApi={"majorVersion": 1, "minorVersion": 99})}),
        "core-api-unsupported",
        "1.99",
    ),
    "missing-preloaded-js": (
        lambda tmp: (factory.build_package(tmp, omit=[f"{factory.TEST_QUESTION}/js/test-question.js"]), {}),
        "missing-preloaded-file",
        "js/test-question.js",
    ),
    "semantics-not-a-list": (
        with_entries(**{f"{factory.TEST_QUESTION}/semantics.json": {"name": "question"}}),
        "invalid-semantics",
        factory.TEST_QUESTION,
    ),
    "library-hash-mismatch": (hash_mismatch, "library-hash-mismatch", factory.TEST_QUESTION),
    # content media
    "media-outside-content": (content_with_image("../h5p.json"), "invalid-media-path", "../h5p.json"),
    "media-absolute": (content_with_image("/etc/passwd.png"), "invalid-media-path", "/etc/passwd.png"),
    "media-javascript": (content_with_image("javascript:alert(1)"), "invalid-media-path", "javascript:alert(1)"),
    "media-external": (
        content_with_image("https://example.org/x.png"),
        "external-media-not-allowed",
        "https://example.org/x.png",
    ),
    "media-missing": (content_with_image("images/ghost.png"), "media-file-missing", "content/images/ghost.png"),
    "media-bad-type": (content_with_image("images/x.js"), "media-type-not-allowed", "images/x.js"),
    # the file itself
    "not-a-zip": (not_a_zip, "not-a-zip", "ZIP"),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_refuses_malformed_and_malicious_packages(tmp_path, case):
    build, code, named = REFUSED[case]
    path, kwargs = build(tmp_path)
    kwargs.setdefault("installed", {})
    before = listing(tmp_path)
    with pytest.raises(H5PPackageError) as caught:
        validate_package(path, **kwargs)
    assert caught.value.code == code
    with translation.override("en"):
        assert named in str(caught.value.message)
    assert listing(tmp_path) == before


def test_the_corpus_is_large():
    assert len(REFUSED) >= 20


def test_refuses_a_200_mib_zip_bomb_by_its_declared_size(tmp_path):
    path = factory.write_zeros_bomb(tmp_path / "bomb.h5p", mib=200)
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(H5PPackageError) as caught:
        validate_package(path, installed={})
    assert caught.value.code == "entry-too-large"
    assert listing(tmp_path) == ["bomb.h5p"]


def test_a_ratio_bomb_under_the_size_cap_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = factory.write_zeros_bomb(tmp_path / "bomb.h5p", mib=8)
    monkeypatch.setattr(package_module, "_member_sha256", pytest.fail)
    with pytest.raises(H5PPackageError) as caught:
        validate_package(path, installed={})
    assert caught.value.code == "compression-ratio"


def test_the_entry_walk_comes_before_reading_any_json(tmp_path):
    path = factory.build_package(tmp_path, omit=["h5p.json"], raw_entries=[("../../evil.json", b"{}")])
    with pytest.raises(H5PPackageError) as caught:
        validate_package(path, installed={})
    assert caught.value.code == "unsafe-path"


# Accepted packages ------------------------------------------------------------------------------------------


def test_accepts_a_minimal_package_of_the_test_question(tmp_path):
    path = factory.test_question_package(tmp_path, correct=2)

    package = validate_package(path, installed={})

    assert package.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert package.size == path.stat().st_size
    assert package.title == "Pregunta de prueba"
    assert package.main_library == TEST_QUESTION_REF
    assert package.required == (TEST_QUESTION_REF,)
    assert package.content_members == ()
    assert package.skipped == ()
    assert package.expected_max_score == 1
    assert package.pass_percentage == 100
    assert package.answer_key[""]["answers"][2] == {"correct": True, "weight": 1}
    assert package.content_json["options"] == ["Sí", "No", "No lo sé"]
    assert package.h5p_json["mainLibrary"] == "EscuelaCiudadana.TestQuestion"
    library = package.libraries[TEST_QUESTION_REF]
    assert (library.patch, library.title, library.runnable, library.core_api) == (
        0,
        "Escuela Ciudadana test question",
        True,
        (1, 28),
    )
    assert library.folder == factory.TEST_QUESTION
    assert library.semantics[0]["name"] == "question"
    assert library.members == tuple(sorted(factory.library_files(factory.TEST_QUESTION)))
    assert library.tree_sha256 == directory_tree_sha256(factory.CONTENT_TYPES / factory.TEST_QUESTION)
    json.dumps(package.answer_key)


def test_accepts_the_questionset_and_lists_the_dependency_closure_main_library_first(tmp_path):
    package = validate_package(factory.questionset_package_matching_capture(tmp_path), installed={})

    assert package.required == (LibraryRef("H5P.QuestionSet", 1, 21), MULTICHOICE_REF, QUESTION_REF)
    assert package.expected_max_score == 2
    assert package.pass_percentage == 50
    assert set(package.answer_key) == set(factory.CAPTURE_QUESTION_IDS)


def test_skips_dot_and_underscore_entries_and_never_extracts_them(tmp_path):
    skipped = {
        ".DS_Store": b"\0\0\0\1Bud1",
        "__MACOSX/._h5p.json": b"\0\5\26\7",
        "__MACOSX/content/evil.php": b"<?php",
        "content/_x.json": "{}",
        "content/.hidden/notes.exe": b"MZ",
        f"{factory.TEST_QUESTION}/.eslintrc.js": "module.exports = {};",
    }
    path = factory.build_package(tmp_path, extra_entries={**skipped, "content/images/photo.png": b"\x89PNG"})

    package = validate_package(path, installed={})

    assert set(package.skipped) == set(skipped)
    assert package.content_members == ("content/images/photo.png",)
    assert not set(package.libraries[TEST_QUESTION_REF].members) & set(skipped)
    extract_content(path, package, tmp_path / "content")
    extract_library(path, package.libraries[TEST_QUESTION_REF], tmp_path / "library")
    written = listing(tmp_path / "content") + listing(tmp_path / "library")
    assert not [name for name in written if any(part[0] in "._" for part in Path(name).parts)]


def test_relies_on_installed_libraries_for_missing_dependencies(tmp_path):
    path = factory.multichoice_package_matching_capture(tmp_path, libraries=[factory.MULTICHOICE])
    installed = {QUESTION_REF: InstalledLibrary(patch=3, tree_sha256="a" * 64, semantics=None)}

    package = validate_package(path, installed=installed)

    assert package.required == (MULTICHOICE_REF, QUESTION_REF)
    assert set(package.libraries) == {MULTICHOICE_REF}
    assert package.expected_max_score == 1


def test_a_content_only_package_uses_the_installed_libraries_and_their_semantics(tmp_path):
    full = validate_package(factory.multichoice_package_matching_capture(tmp_path, name="full.h5p"), installed={})
    installed = factory.installed_from(full)
    content = factory.multichoice_capture_content()
    content["question"] = "<h2>Título</h2><p>¿Pregunta?</p><script>alert(1)</script>"
    path = factory.build_package(
        tmp_path,
        content=content,
        main_library=factory.MULTICHOICE,
        libraries=[],
        h5p_json_overrides={"preloadedDependencies": [factory.dependency(factory.MULTICHOICE)]},
    )

    package = validate_package(path, installed=installed)

    assert package.libraries == {}
    assert package.required == (MULTICHOICE_REF, QUESTION_REF)
    assert package.content_json["question"] == "Título<p>¿Pregunta?</p>"  # h2 is not in MultiChoice's tags


def test_accepts_a_library_identical_to_the_installed_copy_or_of_another_patch(tmp_path):
    path = factory.test_question_package(tmp_path)
    first = validate_package(path, installed={})
    same = factory.installed_from(first)
    other_patch = {TEST_QUESTION_REF: InstalledLibrary(patch=7, tree_sha256="0" * 64, semantics=None)}

    assert validate_package(path, installed=same).libraries == first.libraries
    assert validate_package(path, installed=other_patch).required == (TEST_QUESTION_REF,)


def test_accepts_media_inside_content_and_allows_external_media_only_when_asked(tmp_path):
    content = factory.test_question_content(image={"path": "images/photo.png", "mime": "image/png"})
    path = factory.build_package(tmp_path, content=content, extra_entries={"content/images/photo.png": b"\x89PNG"})
    assert validate_package(path, installed={}).content_json["image"]["path"] == "images/photo.png"

    external = factory.test_question_content(image={"path": "https://example.org/x.png", "mime": "image/png"})
    path = factory.build_package(tmp_path, content=external, name="external.h5p")
    package = validate_package(path, installed={}, allow_external_media=True)
    assert package.content_json["image"]["path"] == "https://example.org/x.png"


def test_the_content_json_is_sanitised(tmp_path):
    content = factory.test_question_content(
        question='<p onclick="steal()">¿Sí?<img src=x onerror="alert(1)"><script>alert(2)</script></p>',
        options=["<b>Sí</b>", "No"],
    )
    package = validate_package(factory.build_package(tmp_path, content=content), installed={})

    assert package.content_json["question"] == "<p>¿Sí?</p>"
    assert package.content_json["options"] == ["&lt;b&gt;Sí&lt;/b&gt;", "No"]


def test_a_version_less_library_folder_is_accepted(tmp_path):
    files = factory.library_files(factory.TEST_QUESTION)
    entries = {
        name.replace(factory.TEST_QUESTION, "EscuelaCiudadana.TestQuestion", 1): data for name, data in files.items()
    }
    path = factory.build_package(
        tmp_path,
        libraries=[],
        extra_entries=entries,
        h5p_json_overrides={"preloadedDependencies": [factory.dependency(factory.TEST_QUESTION)]},
    )

    package = validate_package(path, installed={})

    library = package.libraries[TEST_QUESTION_REF]
    assert library.folder == "EscuelaCiudadana.TestQuestion"
    assert library.tree_sha256 == directory_tree_sha256(factory.CONTENT_TYPES / factory.TEST_QUESTION)


# Extraction -------------------------------------------------------------------------------------------------


@pytest.fixture
def with_media(tmp_path_factory):
    content = factory.test_question_content(image={"path": "images/photo.png", "mime": "image/png"})
    path = factory.build_package(
        tmp_path_factory.mktemp("packages"),
        content=content,
        extra_entries={"content/images/photo.png": b"\x89PNG fake", "content/subs/es.vtt": "WEBVTT"},
    )
    return path, validate_package(path, installed={})


def modes(root: Path) -> dict[str, int]:
    return {str(path.relative_to(root)): stat.S_IMODE(path.lstat().st_mode) for path in root.rglob("*")}


def test_extract_content_writes_only_the_validated_files_with_plain_modes(tmp_path, with_media):
    path, package = with_media
    target = tmp_path / "activity"

    extract_content(path, package, target)

    assert modes(target) == {
        "h5p.json": 0o644,
        "content": 0o755,
        "content/content.json": 0o644,
        "content/images": 0o755,
        "content/images/photo.png": 0o644,
        "content/subs": 0o755,
        "content/subs/es.vtt": 0o644,
    }
    assert not [p for p in target.rglob("*") if p.is_symlink()]
    assert json.loads((target / "content/content.json").read_text()) == package.content_json
    assert json.loads((target / "h5p.json").read_text()) == package.h5p_json
    assert (target / "content/images/photo.png").read_bytes() == b"\x89PNG fake"
    assert [child.name for child in tmp_path.iterdir()] == ["activity"]  # no temporary folder left beside it


def test_extract_library_writes_the_folder_and_its_tree_hash_matches(tmp_path, with_media):
    path, package = with_media
    library = package.libraries[TEST_QUESTION_REF]
    target = tmp_path / library.ref.folder

    extract_library(path, library, target)

    assert directory_tree_sha256(target) == library.tree_sha256
    assert (target / "js/test-question.js").read_bytes() == (
        factory.CONTENT_TYPES / factory.TEST_QUESTION / "js/test-question.js"
    ).read_bytes()
    assert set(modes(target).values()) == {0o644, 0o755}


def test_extract_refuses_an_existing_target_and_leaves_it_alone(tmp_path, with_media):
    path, package = with_media
    target = tmp_path / "activity"
    target.mkdir()
    (target / "old.txt").write_text("antes")

    for extract in (
        lambda: extract_content(path, package, target),
        lambda: extract_library(path, package.libraries[TEST_QUESTION_REF], target),
    ):
        with pytest.raises(H5PPackageError) as caught:
            extract()
        assert caught.value.code == "target-exists"
    assert listing(tmp_path) == ["activity", "activity/old.txt"]


def test_a_failure_midway_leaves_neither_target_nor_temporary_folders(tmp_path, with_media, monkeypatch):
    path, package = with_media
    real_copy = package_module._copy_member
    calls = []

    def copy_then_fail(*args):
        calls.append(args[1])
        if len(calls) == 2:
            raise OSError("disco lleno")
        return real_copy(*args)

    monkeypatch.setattr(package_module, "_copy_member", copy_then_fail)
    with pytest.raises(H5PPackageError) as caught:
        extract_content(path, package, tmp_path / "activity")

    assert caught.value.code == "extraction-failed"
    assert len(calls) == 2
    assert listing(tmp_path) == []


def test_extract_content_refuses_a_file_that_changed_after_validation(tmp_path, with_media):
    path, package = with_media
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("content/images/other.png", b"\x89PNG")

    with pytest.raises(H5PPackageError) as caught:
        extract_content(path, package, tmp_path / "activity")

    assert caught.value.code == "package-changed"
    assert listing(tmp_path) == []


def test_extract_library_refuses_files_that_differ_from_the_validated_tree(tmp_path, with_media):
    _path, package = with_media
    library = package.libraries[TEST_QUESTION_REF]
    tampered = factory.build_package(
        tmp_path, extra_entries={f"{factory.TEST_QUESTION}/js/test-question.js": "alert('cambiado');"}, name="t.h5p"
    )

    with pytest.raises(H5PPackageError) as caught:
        extract_library(tampered, library, tmp_path / "library")

    assert caught.value.code == "package-changed"
    assert listing(tmp_path) == ["t.h5p"]


def test_extraction_never_writes_outside_the_target_even_with_forged_member_names(tmp_path, with_media):
    _path, package = with_media
    escape = f"{factory.TEST_QUESTION}/../../escape.txt"
    path = factory.build_package(tmp_path, raw_entries=[(escape, b"fuera")], name="forged.h5p")
    forged = replace(package.libraries[TEST_QUESTION_REF], members=(escape,))
    target = tmp_path / "work" / "library"
    target.parent.mkdir()

    with pytest.raises(H5PPackageError) as caught:
        extract_library(path, forged, target)

    assert caught.value.code == "extraction-failed"
    assert listing(tmp_path) == ["forged.h5p", "work"]


# Library references and the error ---------------------------------------------------------------------------


def test_library_refs_parse_and_print_the_h5p_spellings():
    ref = LibraryRef.parse_content_string("H5P.MultiChoice 1.16")

    assert ref == LibraryRef.parse_folder("H5P.MultiChoice-1.16") == MULTICHOICE_REF
    assert ref == LibraryRef.from_dependency(
        {"machineName": "H5P.MultiChoice", "majorVersion": "1", "minorVersion": 16}
    )
    assert (ref.folder, ref.content_string, str(ref)) == (
        "H5P.MultiChoice-1.16",
        "H5P.MultiChoice 1.16",
        "H5P.MultiChoice 1.16",
    )
    assert LibraryRef.parse_folder("H5P.Foo-Bar-2.3") == LibraryRef("H5P.Foo-Bar", 2, 3)
    assert sorted([LibraryRef("B", 1, 0), LibraryRef("A", 2, 0), LibraryRef("A", 1, 10)])[0] == LibraryRef("A", 1, 10)


@pytest.mark.parametrize(
    "parse, value",
    [
        (LibraryRef.parse_content_string, "H5P.MultiChoice-1.16"),
        (LibraryRef.parse_content_string, "H5P.MultiChoice 1"),
        (LibraryRef.parse_folder, "H5P.MultiChoice"),
        (LibraryRef.parse_folder, "H5P/../x-1.0"),
        (LibraryRef.from_dependency, {"machineName": "H5P.X", "majorVersion": True, "minorVersion": 0}),
        (LibraryRef.from_dependency, {"machineName": "H5P.X", "majorVersion": "123456", "minorVersion": 0}),
        (LibraryRef.from_dependency, ["H5P.X", 1, 0]),
    ],
)
def test_library_refs_refuse_malformed_spellings(parse, value):
    with pytest.raises(ValueError):
        parse(value)


def test_the_error_reads_as_its_message_and_survives_pickling():
    error = H5PPackageError(
        "missing-h5p-json", package_module._("The package has no h5p.json: it is not an H5P package.")
    )

    with translation.override("en"):
        assert str(error) == "The package has no h5p.json: it is not an H5P package."
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.params) == (error.code, error.params)
    with translation.override("en"):
        assert str(copy.message) == str(error.message)
