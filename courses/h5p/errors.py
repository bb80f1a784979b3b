"""The one exception the H5P package code raises."""

from django.utils.functional import lazy


def _interpolate(template, params: dict) -> str:
    return str(template) % params if params else str(template)


_lazy_message = lazy(_interpolate, str)


class H5PPackageError(Exception):
    """A package was refused.

    `code` is stable (tests and callers match it); `message` is a specific, lazily translated sentence that names
    the offending entry, library or field. `params` holds the values interpolated into the message.
    """

    def __init__(self, code: str, template, **params):
        super().__init__(code)
        self.code = code
        self.template = template
        self.params = params
        self.message = _lazy_message(template, params)

    def __str__(self) -> str:
        return str(self.message)

    def __reduce__(self):
        return (_rebuild, (self.code, self.template, self.params))

    def __repr__(self) -> str:
        return f"H5PPackageError({self.code!r}, {_interpolate(self.template, self.params)!r})"


def _rebuild(code: str, template, params: dict) -> H5PPackageError:
    return H5PPackageError(code, template, **params)
