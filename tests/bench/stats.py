"""The benchmarks' statistics and number formatting: medians, the 90th percentile, figures
printed with a placeholder when there is none."""

import statistics


def ms(seconds):
    return f"{seconds * 1000:.0f} ms"


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def p90(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.9 * (len(values) - 1))))] if values else None


def fmt(value, spec, none="–"):
    return none if value is None else format(value, spec)
