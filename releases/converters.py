"""Path converters for the zero-padded dates in release addresses."""


class FixedWidthNumberConverter:
    """A number written with exactly ``width`` digits, as in 2021/06/08."""

    width = 2

    @property
    def regex(self):
        return rf"[0-9]{{{self.width}}}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return f"{int(value):0{self.width}d}"


class YearConverter(FixedWidthNumberConverter):
    """A year of four digits from 0001 on: there was no year 0."""

    width = 4

    def to_python(self, value):
        year = int(value)
        if year < 1:
            raise ValueError("no year 0")  # the address does not match: a 404
        return year
