"""A one-line progress bar for long commands, drawn only on a terminal."""

import time

BAR_WIDTH = 24


class ProgressBar:
    """Show files done out of *total*, the rate and the time left on *stream*.

    Draws nothing unless *enabled* and *stream* is a terminal, so logs and
    pipes get only the command's summary.
    """

    def __init__(self, stream, total, *, enabled=True, unit="files", clock=time.monotonic):
        self.stream = stream
        self.total = total
        self.unit = unit
        self.clock = clock
        self.enabled = enabled and stream.isatty()
        self.started = clock()
        self.done = 0

    def advance(self, count):
        self.done += count
        if self.enabled:
            # Plain: a command's error stream is styled red, which is for failures.
            self.stream.write(f"\r{self.line()}", style_func=plain, ending="")
            self.stream.flush()

    def clear(self):
        """Blank the bar's line, so that a message can take it; the next advance redraws it."""
        if self.enabled:
            self.stream.write("\r\x1b[K", ending="")

    def close(self):
        if self.enabled:
            self.stream.write("")

    def line(self):
        elapsed = max(self.clock() - self.started, 1e-9)
        rate = self.done / elapsed
        fraction = self.done / self.total if self.total else 1
        filled = round(BAR_WIDTH * fraction)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        left = (self.total - self.done) / rate if rate else 0
        return (
            f"[{bar}] {self.done:,}/{self.total:,} {self.unit} {fraction:4.0%}"
            f"  {rate:,.0f} {self.unit}/s  {format_duration(left)} left"
        )


def plain(text):
    return text


def format_duration(seconds):
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
