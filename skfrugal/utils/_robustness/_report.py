"""Reports of a sweep: one line per failing case, grouped by subpackage, worst first."""

import collections

from skfrugal.utils._robustness._outcome import FAILURES

#: failure statuses from the worst (a crash) to the mildest (an unclear message)
SEVERITY = ("abort", "hang", "out-of-bounds", "state-changed", "differs", "non-finite",
            "accepted", "input-modified", "not-fitted-missing", "unclear-error",
            "harness-error")
assert set(SEVERITY) == set(FAILURES)


def _rank(result):
    return (SEVERITY.index(result.status), result.id)


def summary_lines(results):
    """``subpackage: cases, failing (status counts)`` lines."""
    counts = collections.defaultdict(collections.Counter)
    for result in results:
        counts[result.subpackage][result.status] += 1
    lines = []
    for subpackage, c in sorted(counts.items()):
        failed = sum(n for status, n in c.items() if status in FAILURES)
        detail = ", ".join(f"{status} {n}" for status, n in c.most_common())
        lines.append(f"{subpackage}: {sum(c.values())} cases, {failed} failing ({detail})")
    return lines


def markdown(results, title="Robustness sweep findings", preamble=""):
    """A Markdown report: a summary table, then every failing case per subpackage.

    Parameters
    ----------
    results : iterable of Result
    title : str
    preamble : str
        Text put under the title (how the sweep was run).

    Returns
    -------
    text : str
    """
    results = list(results)
    by_sub = collections.defaultdict(list)
    for result in results:
        by_sub[result.subpackage].append(result)
    shown = [s for s in SEVERITY if any(r.status == s for r in results)]
    out = [f"# {title}", "", preamble, "",
           "| subpackage | cases | failing | " + " | ".join(shown) + " |",
           "|---|---:|---:|" + "---:|" * len(shown)]
    for sub, rs in sorted(by_sub.items()):
        c = collections.Counter(r.status for r in rs)
        failing = sum(c[s] for s in FAILURES)
        out.append(f"| {sub} | {len(rs)} | {failing} | "
                   + " | ".join(str(c[s] or "") for s in shown) + " |")
    for sub, rs in sorted(by_sub.items()):
        failed = sorted((r for r in rs if r.failed), key=_rank)
        if not failed:
            continue
        out += ["", f"## {sub}: {len(failed)} failing cases", ""]
        worst = [r for r in failed if SEVERITY.index(r.status) <= SEVERITY.index("non-finite")]
        if worst:
            out += ["Worst (crashes, hangs, out-of-bounds accesses, silent wrong answers):", "",
                    "```"] + [r.line() for r in worst[:40]] + ["```", ""]
        per_entry = collections.defaultdict(list)
        for r in failed:
            per_entry[r.entry].append(r)
        out += ["All, by entry point:", ""]
        for entry, items in sorted(per_entry.items()):
            c = collections.Counter(r.status for r in items)
            out.append(f"<details><summary>{entry}: {len(items)} "
                       f"({', '.join(f'{s} {n}' for s, n in c.most_common())})</summary>")
            out += ["", "```"] + [r.line() for r in sorted(items, key=_rank)] + ["```",
                                                                                  "</details>"]
    return "\n".join(out) + "\n"
