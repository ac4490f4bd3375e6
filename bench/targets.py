"""The targets of the scale work (issue "Scale, the whole day"), each with the figure this run
measured and whether it is met: a section of bench/RESULTS.md, drawn from the rows."""

from harness import number

# The credit review job at the default size before it was set-wise (20,004 customers).
REVIEW_BEFORE = {"customers": 20_004, "wall": 35.716, "queries": 42_752}
FIRST_DAY_MINUTES = 10


def section(bench):
    """The "Targets" section: one line per target this run measured."""
    lines = [_first_day(bench), *_review(bench), _follow_ups(bench), *_added_queries(bench), *_two_nodes(bench)]
    statements = bench.row("8. Monthly statements job,")
    if statements:
        rate = number(statements[4], r"([\d.]+) statements/s")
        lines.append(_line("Monthly statements printed", "≥ 40 /s", f"{rate:.1f} /s", rate and rate >= 40))
    exposure = bench.row("6c. Exposure refresh job")
    if exposure:
        each = number(exposure[4], r"([\d.]+) queries each")
        lines.append(_line("Exposure refresh job: queries per customer", "O(batches)", f"{each:.3f}", each < 0.1))
    lines = [line for line in lines if line]
    if not lines:
        return []
    return [
        "## Targets",
        "",
        "| Target | Wanted | Measured | Met |",
        "|---|---|---|---|",
        *lines,
        "",
    ]


def _line(target, wanted, measured, met):
    return f"| {target} | {wanted} | {measured} | {'yes' if met else '**no**'} |"


def _first_day(bench):
    day = bench.day1
    if not day:
        return None
    phases = {"escalation": day["total"] - day["letters_wall"] - day["queue_wall"]}
    phases.update(letters=day["letters_wall"], mail_queue=day["queue_wall"])
    longest = max(phases, key=phases.get)
    measured = (
        f"{day['total'] / 60:.1f} min for {day['contacted']:,} customers ("
        + ", ".join(f"{name.replace('_', ' ')} {seconds / 60:.1f} min" for name, seconds in phases.items())
        + f"); longest phase: {longest.replace('_', ' ')}"
    )
    return _line("First day, end to end", f"< {FIRST_DAY_MINUTES} min", measured, day["total"] < FIRST_DAY_MINUTES * 60)


def _review(bench):
    first = bench.row("6. Credit review job over all customers, first review")
    if not first or first[1] is None:
        return []
    customers = number(first[4], r"([\d,]+) customers reviewed")
    if not customers:
        return []
    per_customer = first[2] / customers
    before = REVIEW_BEFORE["wall"] / REVIEW_BEFORE["customers"] * customers
    return [
        _line("Credit review: queries per customer", "≤ 0.1", f"{per_customer:.3f}", per_customer <= 0.1),
        _line(
            "Credit review: faster than before (35.7 s for 20,004 customers, scaled to this size)",
            "≥ 5x",
            f"{before / first[1]:.1f}x ({first[1]:.1f} s for {customers:,.0f} customers)",
            before / first[1] >= 5,
        ),
    ]


def _follow_ups(bench):
    rows = [row for row in bench.rows if row[0].startswith("9. ")]
    if not rows:
        return None
    each = [number(row[4], r"([\d.]+) queries per record") for row in rows]
    measured = ", ".join(f"{value:.2f}" for value in each)
    return _line("Promise and plan follow-ups: queries per record", "O(batches)", measured, max(each) < 1)


def _added_queries(bench):
    lines = []
    for prefix, target, wanted in (
        ("3b. Order confirmation: queries the addon adds", "Order confirmation: queries the addon adds", 10),
        ("4b. Payment of one invoice: queries the addon adds", "Exposure after one payment: queries added", 30),
    ):
        row = bench.row(prefix)
        if row:
            added = number(row[4], r"^(-?\d+)")
            lines.append(_line(target, f"≤ {wanted}", row[4].split(";")[0], added is not None and added <= wanted))
    return lines


def _two_nodes(bench):
    killed = bench.row("2b. Escalation on queue_job, two nodes, the first killed")
    ratio = bench.row("2b. Two nodes over one node")
    lines = []
    if killed:
        clean = "0 duplicate communications, 0 failed jobs" in killed[4] and "requeued and done" in killed[4]
        lines.append(_line("Two nodes, one killed midway", "0 duplicates, 0 lost", killed[4], clean))
    if ratio:
        speed = number(ratio[4], r"^([\d.]+)x")
        lines.append(_line("Two nodes against one, same workers", "≥ 1x", ratio[4], speed and speed >= 1))
    return lines
