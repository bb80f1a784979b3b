"""Bulk enrolment from a CSV file: reading the file and checking every row (the import itself is
``learners.imports.services.import_enrolments``).

The file has one header row and one learner per line. Excel in Chile saves "CSV" with ";" separators, so both
";" and "," (and tabs) work. It may be UTF-8 with or without a BOM, UTF-16 with a BOM (Excel's "Unicode text") or
Windows-1252 (Excel's plain "CSV"); the preview says which one was used so that staff can check the accents.
Header names are matched ignoring case, accents, spaces and hyphens:

=====================  ============================================  =========================================
column                 accepted headers                              content
=====================  ============================================  =========================================
document (required)    run, rut, documento, numero_documento, …      RUN in any usual format, or a passport
nombres (required)     nombres, nombre                               given names
apellidos (required)   apellidos, apellido                           family names
email (required)       email, correo, correo_electronico, mail       the learner's email (also her user name)
comuna (required)      comuna, codigo_comuna, cod_comuna, cut        5-digit CUT code of the comuna
birth year             año_nacimiento, ano_nacimiento, nacimiento    optional
document type          tipo_documento, tipo_de_documento             run, pasaporte or otro (optional)
=====================  ============================================  =========================================

Decisions:

- **Comuna codes** are CUT codes, kept as 5-digit strings. A 4-digit code gets its leading zero back ("1101" →
  "01101", Iquique), because Excel drops it when the column is numeric; any other shape is an error.
- **Passports.** Without a ``tipo_documento`` column, a document made only of digits, dots, spaces and hyphens
  (optionally ending in K) is *RUN-shaped* and must be a valid RUN; anything else (it has letters or other symbols)
  is taken as a passport number, stored upper-case without spaces. A passport made only of digits needs the
  ``tipo_documento`` column set to "pasaporte" (or "otro") on its row.
- **Birth year.** The column is optional (the issue's file has five columns). Nobody invents a year: a person
  imported without it has an unknown age, and she is asked for it when she first signs in (the profile is
  incomplete until then). People under 14 are not imported: their data needs their parents' consent (Ley 21.719
  art. 16 quater).
- **Existing people** are matched by RUN (or passport), then by email when the document is new. Their own data is
  never overwritten by the file. An email that belongs to an account of a different person is an error.
- **Learner type.** Imported profiles are "citizen"; staff can change it later.
"""

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Comuna
from learners.accounts.models import LearnerProfile
from learners.accounts.run import InvalidRun, compact_run, format_run, normalise_run

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MIN_AGE = 14

DOCUMENT, GIVEN_NAMES, FAMILY_NAMES, EMAIL, COMUNA, BIRTH_YEAR, DOCUMENT_TYPE = (
    "document",
    "given_names",
    "family_names",
    "email",
    "comuna",
    "birth_year",
    "document_type",
)
REQUIRED = (DOCUMENT, GIVEN_NAMES, FAMILY_NAMES, EMAIL, COMUNA)
HEADER_ALIASES = {
    DOCUMENT: ("run", "rut", "documento", "numero_documento", "n_documento", "documento_identidad", "run_documento"),
    GIVEN_NAMES: ("nombres", "nombre"),
    FAMILY_NAMES: ("apellidos", "apellido"),
    EMAIL: ("email", "correo", "correo_electronico", "e_mail", "mail"),
    COMUNA: ("comuna", "codigo_comuna", "cod_comuna", "codigo_cut", "cut", "comuna_cut"),
    BIRTH_YEAR: ("ano_nacimiento", "anio_nacimiento", "ano_de_nacimiento", "nacimiento", "birth_year"),
    DOCUMENT_TYPE: ("tipo_documento", "tipo_de_documento", "tipo_doc"),
}
SUGGESTED_HEADERS = {
    DOCUMENT: "run",
    GIVEN_NAMES: "nombres",
    FAMILY_NAMES: "apellidos",
    EMAIL: "email",
    COMUNA: "comuna",
    BIRTH_YEAR: "año_nacimiento",
    DOCUMENT_TYPE: "tipo_documento",
}
DOCUMENT_TYPE_VALUES = {
    "run": LearnerProfile.DocumentType.RUN,
    "rut": LearnerProfile.DocumentType.RUN,
    "pasaporte": LearnerProfile.DocumentType.PASSPORT,
    "passport": LearnerProfile.DocumentType.PASSPORT,
    "otro": LearnerProfile.DocumentType.OTHER,
    "other": LearnerProfile.DocumentType.OTHER,
}
MAX_LENGTHS = {DOCUMENT: 40, GIVEN_NAMES: 100, FAMILY_NAMES: 100, EMAIL: 150}

_RUN_SHAPED = re.compile(r"\d+K?")  # matched on compact_run(): any dots, dashes and spaces dropped
_SPACES = re.compile(r"\s+")
_FORMULA_STARTS = ("=", "+", "-", "@")
_BINARY_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF")


class Code:
    """Stable codes for problems (tests and templates use them; messages are for people)."""

    TOO_LARGE = "too_large"
    TOO_MANY_ROWS = "too_many_rows"
    NOT_CSV = "not_csv"
    UNDECODABLE = "undecodable"
    EMPTY = "empty"
    MISSING_COLUMNS = "missing_columns"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    RUN_INVALID = "run_invalid"
    RUN_CHECK_DIGIT = "run_check_digit"
    DOCUMENT_TYPE_UNKNOWN = "document_type_unknown"
    COMUNA_FORMAT = "comuna_format"
    COMUNA_UNKNOWN = "comuna_unknown"
    EMAIL_INVALID = "email_invalid"
    BIRTH_YEAR_INVALID = "birth_year_invalid"
    UNDER_MIN_AGE = "under_min_age"
    DUPLICATE_DOCUMENT = "duplicate_document"
    DUPLICATE_EMAIL = "duplicate_email"
    EMAIL_TAKEN = "email_taken"
    FORMULA = "formula"


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    column: str = ""
    value: str = ""


@dataclass
class ParsedRow:
    """One learner line of the file, cleaned, with what is wrong with it and who it matches."""

    line: int
    values: dict[str, str]
    document_type: str = LearnerProfile.DocumentType.RUN
    run: str | None = None
    document_number: str = ""
    given_names: str = ""
    family_names: str = ""
    email: str = ""
    comuna_code: str = ""
    comuna_name: str = ""
    birth_year: int | None = None
    problems: list[Problem] = field(default_factory=list)
    user_id: int | None = None
    has_profile: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def is_new(self) -> bool:
        return self.user_id is None

    @property
    def document_display(self) -> str:
        if self.run:
            return format_run(self.run)
        return self.document_number or self.values.get(DOCUMENT, "")

    @property
    def identity(self) -> tuple[str, str] | None:
        if self.run:
            return (LearnerProfile.DocumentType.RUN, self.run)
        if self.document_number:
            return (self.document_type, self.document_number)
        return None


@dataclass
class ParsedFile:
    """The whole file: file-level problems (nothing could be read) and the rows with their own problems."""

    rows: list[ParsedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""

    @property
    def is_clean(self) -> bool:
        return bool(self.rows) and not self.problems and all(row.ok for row in self.rows)

    @property
    def problem_rows(self) -> int:
        return sum(1 for row in self.rows if not row.ok)

    @property
    def ok_rows(self) -> int:
        return len(self.rows) - self.problem_rows

    @property
    def problem_count(self) -> int:
        return len(self.problems) + sum(len(row.problems) for row in self.rows)

    @property
    def new_people(self) -> int:
        return sum(1 for row in self.rows if row.ok and row.is_new)

    @property
    def known_people(self) -> int:
        return sum(1 for row in self.rows if row.ok and not row.is_new)

    @property
    def codes(self) -> set[str]:
        """Every problem code in the file (handy for tests and logs)."""
        return {problem.code for problem in self.problems} | {p.code for row in self.rows for p in row.problems}


# Reading the file --------------------------------------------------------------------------------------------


def parse_enrolment_csv(file_bytes: bytes) -> ParsedFile:
    """Read and check a bulk-enrolment CSV; never raises for bad content, it reports problems instead.

    Checks every row on its own (required fields, RUN, comuna, email, birth year), then across the file
    (repeated RUN or email), then against the database (unknown comuna, email of another person).
    """
    if len(file_bytes) > MAX_BYTES:
        return ParsedFile(problems=[_file_problem(Code.TOO_LARGE)])
    text, encoding, problem = _decode(file_bytes)
    if problem is not None:
        return ParsedFile(problems=[problem])
    delimiter = _sniff_delimiter(text)
    parsed = ParsedFile(encoding=encoding, delimiter=delimiter)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            parsed.problems.append(_file_problem(Code.EMPTY))
            return parsed
        columns, names = _map_header(header)
        missing = [key for key in REQUIRED if key not in columns]
        if missing:
            parsed.problems.append(_missing_columns_problem(missing, header))
            return parsed
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(parsed.rows) >= MAX_ROWS:
                parsed.problems.append(_file_problem(Code.TOO_MANY_ROWS))
                break
            values = {key: (cells[index].strip() if index < len(cells) else "") for key, index in columns.items()}
            parsed.rows.append(_parse_row(reader.line_num, values, names))
    except csv.Error:
        parsed.rows = []
        parsed.problems.append(_file_problem(Code.NOT_CSV))
        return parsed
    if not parsed.rows and not parsed.problems:
        parsed.problems.append(_file_problem(Code.EMPTY))
        return parsed
    _check_repeats(parsed.rows, names)
    _check_database(parsed.rows, names)
    return parsed


def _decode(file_bytes: bytes) -> tuple[str, str, Problem | None]:
    if file_bytes.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = file_bytes.decode("utf-16")
        except UnicodeDecodeError:
            return "", "", _file_problem(Code.UNDECODABLE)
        if "\x00" in text:
            return "", "", _file_problem(Code.NOT_CSV)
        return text, "UTF-16", None
    if file_bytes.startswith(_BINARY_SIGNATURES) or b"\x00" in file_bytes:  # NUL: binary, or cut and pasted garbage
        return "", "", _file_problem(Code.NOT_CSV)
    try:
        return file_bytes.decode("utf-8-sig"), "UTF-8", None
    except UnicodeDecodeError:
        pass
    try:
        return file_bytes.decode("cp1252"), "Windows-1252", None
    except UnicodeDecodeError:
        return "", "", _file_problem(Code.UNDECODABLE)


def _sniff_delimiter(text: str) -> str:
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _header_key(name: str) -> str:
    without_accents = "".join(
        char for char in unicodedata.normalize("NFKD", name) if not unicodedata.combining(char)
    ).lower()
    return re.sub(r"[^a-z0-9]+", "_", without_accents).strip("_")


def _map_header(header: list[str]) -> tuple[dict[str, int], dict[str, str]]:
    """Column positions by canonical key, and the header text the file used (for messages)."""
    lookup = {alias: key for key, aliases in HEADER_ALIASES.items() for alias in aliases}
    columns, names = {}, dict(SUGGESTED_HEADERS)
    for index, name in enumerate(header):
        key = lookup.get(_header_key(name))
        if key is not None and key not in columns:
            columns[key] = index
            names[key] = name.strip()
    return columns, names


def _clean_text(value: str) -> str:
    return _SPACES.sub(" ", value).strip()


def _parse_row(line: int, values: dict[str, str], names: dict[str, str]) -> ParsedRow:
    row = ParsedRow(line=line, values=values)
    for key in REQUIRED:
        if not values.get(key):
            row.problems.append(_row_problem(Code.REQUIRED, key, "", names))
    for key, limit in MAX_LENGTHS.items():
        if len(values.get(key, "")) > limit:
            row.problems.append(_row_problem(Code.TOO_LONG, key, values[key], names, limit=limit))
            values[key] = ""
    _parse_document(row, names)
    row.given_names = _clean_text(values.get(GIVEN_NAMES, ""))
    row.family_names = _clean_text(values.get(FAMILY_NAMES, ""))
    for key in (GIVEN_NAMES, FAMILY_NAMES):
        if values.get(key, "").startswith(_FORMULA_STARTS):  # a spreadsheet formula, not a name
            row.problems.append(_row_problem(Code.FORMULA, key, values[key], names))
    _parse_email(row, names)
    _parse_comuna(row, names)
    _parse_birth_year(row, names)
    return row


def _parse_document(row: ParsedRow, names: dict[str, str]) -> None:
    raw = unicodedata.normalize("NFKC", row.values.get(DOCUMENT, ""))  # fullwidth digits and letters become ASCII
    raw_type = row.values.get(DOCUMENT_TYPE, "")
    document_type = DOCUMENT_TYPE_VALUES.get(_header_key(raw_type)) if raw_type else None
    if raw_type and document_type is None:
        row.problems.append(_row_problem(Code.DOCUMENT_TYPE_UNKNOWN, DOCUMENT_TYPE, raw_type, names))
        return
    if not raw:
        return
    if document_type is None:
        run_shaped = _RUN_SHAPED.fullmatch(compact_run(raw))
        document_type = LearnerProfile.DocumentType.RUN if run_shaped else LearnerProfile.DocumentType.PASSPORT
    row.document_type = document_type
    if document_type == LearnerProfile.DocumentType.RUN:
        try:
            row.run = normalise_run(raw)
        except InvalidRun as error:
            code = Code.RUN_CHECK_DIGIT if str(error) == "check_digit" else Code.RUN_INVALID
            row.problems.append(_row_problem(code, DOCUMENT, raw, names))
    else:
        row.document_number = _SPACES.sub("", raw).upper()


def _parse_email(row: ParsedRow, names: dict[str, str]) -> None:
    raw = row.values.get(EMAIL, "")
    if not raw:
        return
    email = raw.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        row.problems.append(_row_problem(Code.EMAIL_INVALID, EMAIL, raw, names))
        return
    row.email = email


def _parse_comuna(row: ParsedRow, names: dict[str, str]) -> None:
    raw = row.values.get(COMUNA, "")
    if not raw:
        return
    if not re.fullmatch(r"\d{4,5}", raw):
        row.problems.append(_row_problem(Code.COMUNA_FORMAT, COMUNA, raw, names))
        return
    row.comuna_code = raw.zfill(5)


def _parse_birth_year(row: ParsedRow, names: dict[str, str]) -> None:
    raw = row.values.get(BIRTH_YEAR, "")
    if not raw:
        return
    this_year = timezone.localdate().year
    if not re.fullmatch(r"\d{4}", raw) or not 1900 <= int(raw) <= this_year:
        row.problems.append(_row_problem(Code.BIRTH_YEAR_INVALID, BIRTH_YEAR, raw, names))
        return
    if this_year - int(raw) < MIN_AGE:
        row.problems.append(_row_problem(Code.UNDER_MIN_AGE, BIRTH_YEAR, raw, names))
        return
    row.birth_year = int(raw)


def _check_repeats(rows: list[ParsedRow], names: dict[str, str]) -> None:
    first_by_identity: dict[tuple[str, str], int] = {}
    first_by_email: dict[str, int] = {}
    for row in rows:
        identity = row.identity
        if identity is not None:
            if identity in first_by_identity:
                row.problems.append(
                    _row_problem(
                        Code.DUPLICATE_DOCUMENT, DOCUMENT, row.document_display, names, line=first_by_identity[identity]
                    )
                )
            else:
                first_by_identity[identity] = row.line
        if row.email:
            if row.email in first_by_email:
                row.problems.append(
                    _row_problem(Code.DUPLICATE_EMAIL, EMAIL, row.email, names, line=first_by_email[row.email])
                )
            else:
                first_by_email[row.email] = row.line


def _check_database(rows: list[ParsedRow], names: dict[str, str]) -> None:
    """Unknown comunas, and who each row is: an existing learner (by document), an existing account (by email)
    or a new person. Four queries whatever the number of rows."""
    codes = {row.comuna_code for row in rows if row.comuna_code}
    comunas = dict(Comuna.objects.filter(code__in=codes).values_list("code", "name"))
    runs = {row.run for row in rows if row.run}
    numbers = {row.document_number for row in rows if row.document_number}
    profiles = LearnerProfile.objects.filter(Q(run__in=runs) | Q(document_number__in=numbers, run__isnull=True))
    user_by_identity = {}
    for run, document_type, number, user_id in profiles.values_list("run", "document_type", "document_number", "user"):
        identity = (LearnerProfile.DocumentType.RUN, run) if run else (document_type, number)
        user_by_identity[identity] = user_id
    emails = {row.email for row in rows if row.email}
    users_by_email: dict[str, set[int]] = {}
    accounts = (
        get_user_model()
        .objects.annotate(email_lower=Lower("email"), username_lower=Lower("username"))
        .filter(Q(email_lower__in=emails) | Q(username_lower__in=emails))
        .values_list("pk", "email_lower", "username_lower")
    )
    for pk, email, username in accounts:
        for address in {email, username} & emails:
            users_by_email.setdefault(address, set()).add(pk)
    users_with_profile = set(
        LearnerProfile.objects.filter(user__in={pk for pks in users_by_email.values() for pk in pks}).values_list(
            "user_id", flat=True
        )
    )

    for row in rows:
        if row.comuna_code:
            if row.comuna_code in comunas:
                row.comuna_name = comunas[row.comuna_code]
            else:
                row.problems.append(_row_problem(Code.COMUNA_UNKNOWN, COMUNA, row.comuna_code, names))
        email_users = users_by_email.get(row.email, set())
        identity = row.identity
        if identity is not None and identity in user_by_identity:
            row.user_id, row.has_profile = user_by_identity[identity], True
            if email_users - {row.user_id}:
                row.problems.append(_row_problem(Code.EMAIL_TAKEN, EMAIL, row.email, names))
            continue
        if email_users and (len(email_users) > 1 or email_users & users_with_profile):
            row.problems.append(_row_problem(Code.EMAIL_TAKEN, EMAIL, row.email, names))
            continue
        if email_users:
            row.user_id = next(iter(email_users))


# Messages ------------------------------------------------------------------------------------------------------


def _file_problem(code: str) -> Problem:
    messages = {
        Code.TOO_LARGE: _("The file is larger than %(size)s MB. Split it into smaller files.")
        % {"size": MAX_BYTES // (1024 * 1024)},
        Code.TOO_MANY_ROWS: _("The file has more than %(rows)s learners. Split it into smaller files.")
        % {"rows": MAX_ROWS},
        Code.NOT_CSV: _("This is not a CSV file. In Excel, use “Save as” and choose “CSV UTF-8 (comma delimited)”."),
        Code.UNDECODABLE: _("The file's text could not be read. Save it again as “CSV UTF-8”."),
        Code.EMPTY: _("The file has no learners: it needs a header row and one row per learner."),
    }
    return Problem(code=code, message=messages[code])


def _missing_columns_problem(missing: list[str], header: list[str]) -> Problem:
    message = _("Missing columns: %(missing)s. The first row must name the columns; it reads: %(header)s.") % {
        "missing": ", ".join(SUGGESTED_HEADERS[key] for key in missing),
        "header": " | ".join(cell.strip() for cell in header),
    }
    return Problem(code=Code.MISSING_COLUMNS, message=message)


def _row_problem(code: str, key: str, value: str, names: dict[str, str], **extra) -> Problem:
    column = names.get(key, SUGGESTED_HEADERS[key])
    params = {"column": column, "value": value, **extra}
    templates = {
        Code.REQUIRED: _("“%(column)s” is empty: it is required."),
        Code.TOO_LONG: _("“%(column)s” is too long (at most %(limit)s characters)."),
        Code.RUN_INVALID: _("“%(column)s”: “%(value)s” is not a valid RUN (it should look like 12.345.678-5)."),
        Code.RUN_CHECK_DIGIT: _(
            "“%(column)s”: the check digit of the RUN “%(value)s” does not match its number. Check for a typo; "
            "if it is a passport, add a “tipo_documento” column that says “pasaporte”."
        ),
        Code.DOCUMENT_TYPE_UNKNOWN: _("“%(column)s”: “%(value)s” is not a document type. Use run, pasaporte or otro."),
        Code.COMUNA_FORMAT: _(
            "“%(column)s”: “%(value)s” is not a comuna code. Use the 5-digit CUT code, for example 13101 for Santiago."
        ),
        Code.COMUNA_UNKNOWN: _("“%(column)s”: there is no comuna with the CUT code “%(value)s”."),
        Code.EMAIL_INVALID: _("“%(column)s”: “%(value)s” is not a valid email address."),
        Code.BIRTH_YEAR_INVALID: _("“%(column)s”: “%(value)s” is not a year of birth (write it like 1985)."),
        Code.UNDER_MIN_AGE: _(
            "“%(column)s”: a person born in %(value)s is under %(age)s. Children's data needs their parents' "
            "consent, so they cannot be enrolled from a file."
        ),
        Code.DUPLICATE_DOCUMENT: _("“%(column)s”: %(value)s is repeated; it already appears on line %(line)s."),
        Code.DUPLICATE_EMAIL: _("“%(column)s”: %(value)s is repeated; it already appears on line %(line)s."),
        Code.FORMULA: _("“%(column)s”: “%(value)s” looks like a spreadsheet formula, not a name."),
        Code.EMAIL_TAKEN: _(
            "“%(column)s”: %(value)s already belongs to the account of another person (with a different RUN "
            "or document)."
        ),
    }
    if code == Code.UNDER_MIN_AGE:
        params["age"] = MIN_AGE
    return Problem(code=code, message=templates[code] % params, column=column, value=value)
