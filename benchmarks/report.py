"""Turn benchmarks/results/*.json into markdown tables with PASS/FAIL per target.

    python benchmarks/report.py [benchmarks/results]

Prints the markdown to stdout and writes results/summary.json (the verdicts and the numbers
they were judged on).
"""

from __future__ import annotations

import json
import shlex
import statistics
import sys
from pathlib import Path

MIB = 1024 * 1024


def load(res: Path, name: str) -> dict | None:
    path = res / name
    return json.loads(path.read_text()) if path.exists() else None


def _hive_size(rss: dict | None) -> int:
    """Size of the walked hive: the last argument of the hiveparse walk command."""
    try:
        cmd = next(c["command"] for c in rss["commands"] if c["name"] == "hiveparse")
        return Path(shlex.split(cmd)[-1]).stat().st_size
    except (TypeError, StopIteration, OSError):
        return 15_466_496  # SYSTEM_WIN_10_1709


def target(
    tid: str,
    what: str,
    measured: str,
    ok: bool,
    cpu_measured: str | None = None,
    cpu_ok: bool | None = None,
) -> dict:
    """A verdict on the wall-clock numbers, and the same check on CPU time where it applies
    (CPU time is what other jobs on a shared machine disturb least)."""
    return {
        "id": tid,
        "target": what,
        "measured": measured,
        "pass": ok,
        "cpu_measured": cpu_measured,
        "cpu_pass": cpu_ok,
    }


def walk_targets(times: dict[str, dict], suffix: str, hive: str) -> list[dict]:
    """Targets 1a and 1b on one hive's walk times (none when an engine is missing)."""
    if not all(n in times for n in ("hiveparse", "python-registry", "pyregf")):
        return []
    hp, pr, pf = (times[n]["median"] for n in ("hiveparse", "python-registry", "pyregf"))
    hc, pc, fc = (times[n]["cpu"] for n in ("hiveparse", "python-registry", "pyregf"))
    return [
        target(
            "1a" + suffix,
            f"full walk ≤ 0.4 × python-registry, on {hive}",
            f"{hp:.3f} s vs 0.4 × {pr:.3f} = {0.4 * pr:.3f} s ({hp / pr:.2f}×)",
            hp <= 0.4 * pr,
            f"{hc:.3f} s vs {0.4 * pc:.3f} s ({hc / pc:.2f}×)",
            hc <= 0.4 * pc,
        ),
        target(
            "1b" + suffix,
            f"full walk no slower than pyregf, on {hive}",
            f"{hp:.3f} s vs {pf:.3f} s ({hp / pf:.2f}×)",
            hp <= pf,
            f"{hc:.3f} s vs {fc:.3f} s ({hc / fc:.2f}×)",
            hc <= fc,
        ),
    ]


def _seconds(value: float | None) -> str:
    return "failed" if value is None else f"{value:.1f}"


def verdict(ok: bool) -> str:
    return "**PASS**" if ok else "**FAIL**"


def hyperfine_rows(data: dict) -> dict[str, dict]:
    rows = {}
    for r in data["results"]:
        times = r["times"]
        rows[r["command"]] = {
            "median": r["median"],
            "mean": r["mean"],
            "stddev": r["stddev"] or 0.0,
            "min": r["min"],
            "max": r["max"],
            "runs": len(times),
            "cpu": r["user"] + r["system"],  # mean user + system CPU seconds
        }
    return rows


def measure_rows(data: dict) -> dict[str, dict]:
    return {c["name"]: c for c in data["commands"]}


def walk_section(
    out: list[str], title: str, hf: dict | None, rss: dict | None, timeout: float | None
) -> dict[str, dict]:
    out.append(f"### {title}\n")
    times = hyperfine_rows(hf) if hf else {}
    mem = measure_rows(rss) if rss else {}
    pyreg = times.get("python-registry", {}).get("median")
    out.append(
        "| engine | wall time, median (min–max), s | CPU user+sys, mean, s | runs "
        "| ratio to python-registry (wall) | peak RSS, MiB | keys / values walked |"
    )
    out.append("|---|---|---|---|---|---|---|")
    names = list(times) + [n for n in mem if n not in times]
    for name in names:
        t = times.get(name)
        m = mem.get(name, {})
        cpu = f"{t['cpu']:.3f}" if t else ""
        if t:
            cell = f"{t['median']:.3f} ({t['min']:.3f}–{t['max']:.3f})"
            runs = str(t["runs"])
            ratio = f"{t['median'] / pyreg:.2f}×" if pyreg else ""
        elif m.get("timed_out"):
            cell = f"> {timeout:.0f} s (timed out)"
            runs = str(len(m["runs"]))
            ratio = f"> {timeout / pyreg:.0f}×" if pyreg and timeout else ""
        elif m.get("median_wall_s") is not None:
            cell = f"{m['median_wall_s']:.3f} (measure.py)"
            runs = str(len(m["runs"]))
            ratio = f"{m['median_wall_s'] / pyreg:.2f}×" if pyreg else ""
        else:
            cell, runs, ratio = "failed", "", ""
        rss_cell = f"{m['max_rss_mib']:.1f}" if m.get("max_rss_mib") is not None else ""
        if m.get("timed_out"):
            rss_cell += " (at kill)"
        counts = m.get("stdout", "").replace(" ", " / ") if m else ""
        if name == "hivexml":
            counts = "(XML to /dev/null)"
        out.append(f"| {name} | {cell} | {cpu} | {runs} | {ratio} | {rss_cell} | {counts} |")
    out.append("")
    return {"times": times, "mem": mem}


def timed_step(
    res: Path,
    out: list[str],
    name: str,
    step: str,
    title: str,
    header: str,
    goal: tuple[str, str, str, str, float],
) -> list[dict]:
    """A step timed by hyperfine (``NAME.json``) with peak RSS (``NAME_rss.json``): its table,
    and its target (id, text, our command, the command it is measured against, the largest
    ratio that passes) checked on wall and CPU time."""
    timed = load(res, f"{name}.json")
    if not timed:
        return []
    rows = hyperfine_rows(timed)
    rss = measure_rows(load(res, f"{name}_rss.json") or {"commands": []})
    when = (load(res, f"env_step{step}.json") or load(res, "env.json") or {}).get("date_utc", "")
    out.append(f"{title}; run {when})\n")
    out.append(f"| {header} | median, s | mean ± σ, s | CPU, s | peak RSS, MiB |")
    out.append("|---|---|---|---|---|")
    for command, r in rows.items():
        peak = rss.get(command, {}).get("max_rss_mib")
        shown = "—" if peak is None else f"{peak:.0f}"
        out.append(
            f"| `{command}` | {r['median']:.2f} | {r['mean']:.2f} ± {r['stddev']:.2f} "
            f"| {r['cpu']:.2f} | {shown} |"
        )
    out.append("")
    tid, text, mine, against, limit = goal
    ours, peer = rows.get(mine), rows.get(against)
    if not (ours and peer):
        return []
    ratio, cpu_ratio = ours["median"] / peer["median"], ours["cpu"] / peer["cpu"]
    measured = f"{ours['median']:.2f} s vs {peer['median']:.2f} s ({ratio:.2f}×)"
    return [target(tid, text, measured, ratio <= limit, f"{cpu_ratio:.2f}×", cpu_ratio <= limit)]


def main() -> int:
    res = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "results")
    env = load(res, "env.json") or {}
    out: list[str] = []
    targets: list[dict] = []

    out.append("## Machine\n")
    if env:
        mem_line = next((ln for ln in env["free_h"].splitlines() if ln.startswith("Mem:")), "")
        out.append(
            f"* {env['date_utc']}; `nproc` = {env['nproc']} ({env['cpu']}); "
            f"`free -h`: {' '.join(mem_line.split())}; {env['os']}, kernel {env['kernel']}"
        )
        vers = ", ".join(f"{k} {v}" for k, v in env["versions"].items())
        debs = ", ".join(f"{k} {v}" for k, v in env["debian"].items())
        out.append(f"* Python {env['python']}; {vers}; Debian: {debs}")
        out.append(
            f"* git {env['git_commit']} (+{env['git_dirty_files']} uncommitted files); "
            f"load average at start {', '.join(f'{x:.2f}' for x in env['loadavg_start'])}"
        )
        if env["git_dirty_files"]:
            out.append("* **not a record**: run on uncommitted changes (ALLOW_DIRTY)")
    marks = res / "loadavg.jsonl"
    if marks.exists():
        steps = [json.loads(line) for line in marks.read_text().splitlines() if line.strip()]
        out.append(
            "* load average (1 min) before each step: "
            + ", ".join(f"{m['step']} {m['loadavg'][0]:.2f}" for m in steps)
        )
    out.append("")

    # 1. walk
    rss10 = load(res, "walk_system10_rss.json")
    timeout = rss10.get("timeout_s") if rss10 else None
    w = walk_section(
        out,
        "1. Full walk, every value decoded — SYSTEM_WIN_10_1709 (15.5 MB)",
        load(res, "walk_system10.json"),
        rss10,
        timeout,
    )
    t = w["times"]
    hp_rss = w["mem"].get("hiveparse", {}).get("max_rss_mib")
    size_mib = _hive_size(rss10) / MIB
    targets += walk_targets(t, "", "the 15.5 MB SYSTEM_WIN_10_1709")
    if "hiveparse" in t and hp_rss:
        targets.append(
            target(
                "1c",
                "full walk peak RSS ≤ file size + 64 MiB",
                f"{hp_rss:.1f} MiB vs {size_mib:.1f} + 64 = {size_mib + 64:.1f} MiB",
                hp_rss <= size_mib + 64,
            )
        )
    small = walk_section(
        out,
        "1b. Full walk — NTUSER.DAT (0.8 MB), all five engines",
        load(res, "walk_ntuser.json"),
        load(res, "walk_ntuser_rss.json"),
        timeout,
    )["times"]
    # The same verdicts on the small hive: a target met on one hive only is not met.
    targets += walk_targets(small, " (NTUSER.DAT)", "the 0.8 MB NTUSER.DAT")

    # 2. lookups
    lk = load(res, "lookups.json")
    if lk:
        out.append("### 2. Open + 20 named values, in process (SYSTEM_WIN_10_1709)\n")
        out.append(
            "| engine | open + 20 reads, ms (median, min–max over rounds) "
            "| same, CPU time, ms | open only, ms | 20 reads on an open handle, ms "
            "| peak RSS of the process, MiB | values as expected |"
        )
        out.append("|---|---|---|---|---|---|---|")
        for r in lk["rows"]:
            lo, hi = r["open_reads_ms_range"]
            match = "all 20" if r["values_match"] is True else f"differs at {r['values_match']}"
            out.append(
                f"| {r['engine']} | {r['open_reads_ms']:.2f} ({lo:.2f}–{hi:.2f}) "
                f"| {r['open_reads_cpu_ms']:.2f} | {r['open_ms']:.2f} "
                f"| {r['reads_ms']:.2f} | {r['peak_rss_mib']:.1f} | {match} |"
            )
        out.append(
            f"\n({lk['rows'][0]['rounds']} rounds, each a fresh process per engine; "
            f"{lk['rows'][0]['reps']} repetitions per process, regipy fewer)\n"
        )
        hp_row = next(r for r in lk["rows"] if r["engine"] == "hiveparse")
        targets.append(
            target(
                "2",
                "open + 20 named values < 20 ms in process",
                f"{hp_row['open_reads_ms']:.2f} ms (median)",
                hp_row["open_reads_ms"] < 20,
                f"{hp_row['open_reads_cpu_ms']:.2f} ms",
                hp_row["open_reads_cpu_ms"] < 20,
            )
        )

    # 3. .reg
    st, sn = load(res, "reg_stream.json"), load(res, "reg_snapshot.json")
    if st:
        out.append("### 3. .reg parsing, generated UTF-16LE regedit export\n")
        out.append(
            "| file | mode | parse time in process, s (median) | MB/s (10^6 B) "
            "| MB/s by CPU time | process wall, s | peak RSS, MiB "
            "| operations / keys, values | runs |"
        )
        out.append("|---|---|---|---|---|---|---|---|---|")
        stream_stats = []
        for data in (st, sn):
            if not data:
                continue
            for c in data["commands"]:
                parsed = [json.loads(r["stdout"]) for r in c["runs"] if r["exit"] == 0]
                if not parsed:
                    out.append(f"| {c['name']} | failed | | | | | | | |")
                    continue
                secs = statistics.median(p["seconds"] for p in parsed)
                mbs = statistics.median(p["mb_s"] for p in parsed)
                mbs_cpu = statistics.median(p["mb_s_cpu"] for p in parsed)
                p0 = parsed[0]
                mb = p0["bytes"] / 1e6
                if p0["mode"] == "stream":
                    what = f"{p0['operations']:,} ops ({p0['set_values']:,} values)"
                    stream_stats.append((mb, mbs, c["max_rss_mib"], mbs_cpu))
                else:
                    what = f"{p0['keys']:,} keys, {p0['values']:,} values"
                out.append(
                    f"| {mb:.0f} MB | {p0['mode']} | {secs:.2f} | {mbs:.1f} "
                    f"| {mbs_cpu:.1f} "
                    f"| {c['median_wall_s']:.2f} | {c['max_rss_mib']:.1f} | {what} "
                    f"| {len(parsed)} |"
                )
        out.append("")
        if stream_stats:
            rss_vals = [s[2] for s in stream_stats]
            flat = max(rss_vals) - min(rss_vals) <= max(8.0, 0.1 * min(rss_vals))
            targets.append(
                target(
                    "3a",
                    ".reg streamed parse ≥ 50 MB/s of UTF-16LE",
                    ", ".join(f"{s[1]:.1f} MB/s at {s[0]:.0f} MB" for s in stream_stats),
                    min(s[1] for s in stream_stats) >= 50,
                    ", ".join(f"{s[3]:.1f} MB/s" for s in stream_stats),
                    min(s[3] for s in stream_stats) >= 50,
                )
            )
            targets.append(
                target(
                    "3b",
                    ".reg streamed parse in flat memory (peak RSS at the two sizes within "
                    "max(8 MiB, 10 %))",
                    ", ".join(f"{s[2]:.1f} MiB at {s[0]:.0f} MB" for s in stream_stats),
                    flat,
                )
            )

    # 4. CLI
    cli = load(res, "cli.json")
    if cli:
        rows = hyperfine_rows(cli)
        base = rows.get("python -c 'import typer'", {}).get("median")
        out.append("### 4. CLI process wall time (one hyperfine run)\n")
        out.append(
            "| command | median, ms | mean ± σ, ms | min–max, ms | CPU user+sys, ms "
            "| median minus `import typer`, ms |"
        )
        out.append("|---|---|---|---|---|---|")
        for name, r in rows.items():
            delta = f"{(r['median'] - base) * 1000:+.1f}" if base else ""
            out.append(
                f"| `{name}` | {r['median'] * 1000:.1f} | {r['mean'] * 1000:.1f} ± "
                f"{r['stddev'] * 1000:.1f} | {r['min'] * 1000:.1f}–{r['max'] * 1000:.1f} "
                f"| {r['cpu'] * 1000:.1f} | {delta} |"
            )
        out.append("")
        helpr = rows.get("hiveparse --help")
        if helpr and base:
            d = (helpr["median"] - base) * 1000
            dc = (helpr["cpu"] - rows["python -c 'import typer'"]["cpu"]) * 1000
            targets.append(
                target(
                    "4",
                    "`hiveparse --help` ≤ `python -c 'import typer'` + 60 ms",
                    f"{helpr['median'] * 1000:.1f} − {base * 1000:.1f} = {d:+.1f} ms",
                    d <= 60,
                    f"{dc:+.1f} ms",
                    dc <= 60,
                )
            )

        analyze = rows.get("hiveparse analyze SYSTEM+SOFTWARE")
        if analyze and base:
            d = (analyze["median"] - base) * 1000
            dc = (analyze["cpu"] - rows["python -c 'import typer'"]["cpu"]) * 1000
            targets.append(
                target(
                    "5a",
                    "`hiveparse analyze` SYSTEM + SOFTWARE ≤ `python -c 'import typer'` + 150 ms",
                    f"{analyze['median'] * 1000:.1f} − {base * 1000:.1f} = {d:+.1f} ms",
                    d <= 150,
                    f"{dc:+.1f} ms",
                    dc <= 150,
                )
            )

    # 5. analyze and hive size
    sized = load(res, "analyze_size.json")
    if sized:
        rows = hyperfine_rows(sized)
        out.append("### 5. analyze on a hive and on one twice as large\n")
        out.append("| command | median, ms | mean ± σ, ms | CPU user+sys, ms |")
        out.append("|---|---|---|---|")
        for name, r in rows.items():
            out.append(
                f"| `{name}` | {r['median'] * 1000:.1f} | {r['mean'] * 1000:.1f} ± "
                f"{r['stddev'] * 1000:.1f} | {r['cpu'] * 1000:.1f} |"
            )
        out.append("")
        single, double = rows.get("analyze single"), rows.get("analyze double")
        if single and double:
            grow = (double["median"] - single["median"]) * 1000
            targets.append(
                target(
                    "5b",
                    "`analyze` time does not grow with the hive beyond hashing it (≤ +50 ms "
                    "for twice the size)",
                    f"{grow:+.1f} ms",
                    grow <= 50,
                )
            )

    # 8. peak memory against the file's size
    padded = load(res, "padded_rss.json")
    if padded:
        mem = measure_rows(padded)
        out.append("### 8. Peak memory on hives grown to 1 and 3 GiB (sparse files)\n")
        out.append("| command | median wall, s | peak RSS, MiB | exit |")
        out.append("|---|---|---|---|")
        for name, m in mem.items():
            codes = sorted({run["exit"] for run in m["runs"]})
            out.append(
                f"| `{name}` | {m['median_wall_s']:.2f} | {m['max_rss_mib']:.1f} "
                f"| {', '.join(map(str, codes))} |"
            )
        out.append("")
        for command in ("info", "analyze"):
            peaks = {
                size: mem[f"{command} {size}"]["max_rss_mib"]
                for size in ("11 MB", "3 GiB")
                if f"{command} {size}" in mem
            }
            if len(peaks) == 2:
                targets.append(
                    target(
                        f"9 {command}",
                        f"`hiveparse {command}` peak RSS does not grow with the file (3 GiB "
                        "within 32 MiB of 11 MB)",
                        f"{peaks['11 MB']:.1f} → {peaks['3 GiB']:.1f} MiB",
                        peaks["3 GiB"] - peaks["11 MB"] <= 32,
                    )
                )

    # 6. carving
    carve = load(res, "carve.json")
    if carve:
        rows = hyperfine_rows(carve)
        mem = measure_rows(load(res, "carve_rss.json") or {"commands": []})
        out.append("### 6. Carving deleted records (free cells, cell slack, remnant)\n")
        out.append(
            "| command | median, s | mean ± σ, s | CPU user+sys, s | in process: open / "
            "carve, s | found keys / values | peak RSS, MiB |"
        )
        out.append("|---|---|---|---|---|---|---|")
        for name, r in rows.items():
            try:
                inside = json.loads(mem.get(name, {}).get("stdout", ""))
                split = f"{inside['open_s']:.3f} / {inside['carve_s']:.3f}"
                found = f"{inside['keys']} / {inside['values']}"
            except (ValueError, KeyError):
                split = found = ""
            peak = mem.get(name, {}).get("max_rss_mib")
            out.append(
                f"| `{name}` | {r['median']:.3f} | {r['mean']:.3f} ± {r['stddev']:.3f} "
                f"| {r['cpu']:.3f} | {split} | {found} "
                f"| {'' if peak is None else f'{peak:.1f}'} |"
            )
        out.append("")
        dissect = rows.get("carve dissect SYSTEM")
        if dissect:
            targets.append(
                target(
                    "6",
                    "carving all free cells of dissect-regf SYSTEM (11 MB) < 2 s",
                    f"{dissect['median']:.3f} s (whole process)",
                    dissect["median"] < 2,
                    f"{dissect['cpu']:.3f} s",
                    dissect["cpu"] < 2,
                )
            )

    # 7. DPAPI chain
    chain = load(res, "dpapi_chain.json")
    if chain:
        medians = chain["median_ms"]
        out.append("### 7. Offline LSA / DPAPI chain, in process\n")
        out.append("| case | median, ms |")
        out.append("|---|---|")
        out.extend(f"| {name} | {ms:.1f} |" for name, ms in medians.items())
        out.append(f"\n(median of {chain['runs']} runs after one warm-up)\n")
        by_analyze = load(res, "dpapi_analyze.json")
        if by_analyze:
            rows = hyperfine_rows(by_analyze)
            keyed, plain = rows.get("analyze volume, keys"), rows.get("analyze volume, no keys")
            if keyed and plain:
                cost = (keyed["median"] - plain["median"]) * 1000
                out.append(
                    f"As analyze runs it (`analyze samples/rdsh-image`, whole command): "
                    f"{keyed['median']:.3f} s with the machine's keys, {plain['median']:.3f} s "
                    f"with its master key files removed: the chain costs {cost:.0f} ms.\n"
                )
                targets.append(
                    target(
                        "7b",
                        "decrypting the timebomb adds < 300 ms to `analyze` of a volume",
                        f"+{cost:.0f} ms ({keyed['median']:.3f} s vs {plain['median']:.3f} s)",
                        cost < 300,
                    )
                )
        whole = medians.get("rdsh_image")
        if whole is not None:
            targets.append(
                target(
                    "7",
                    "the whole chain for one host < 300 ms in process",
                    f"{whole:.1f} ms (samples/rdsh-image: hives opened, boot key to FILETIME)",
                    whole < 300,
                )
            )

    # 9. hostile evidence (issue 10)
    security = load(res, "security_query.json")
    if security:
        rows = hyperfine_rows(security)
        plain, secured = rows.get("query -s -v"), rows.get("query -s -v --security")
        when = (load(res, "env_step9.json") or load(res, "env.json") or {}).get("date_utc", "")
        out.append(f"### 9. Hostile evidence (issue 10; run {when})\n")
        out.append("| command (SYSTEM_WIN_10_1709) | median, s | mean ± σ, s | CPU, s |")
        out.append("|---|---|---|---|")
        out.extend(
            f"| `{name}` | {r['median']:.2f} | {r['mean']:.2f} ± {r['stddev']:.2f} "
            f"| {r['cpu']:.2f} |"
            for name, r in rows.items()
        )
        out.append("")
        if plain and secured:
            ratio, cpu_ratio = secured["median"] / plain["median"], secured["cpu"] / plain["cpu"]
            targets.append(
                target(
                    "10a",
                    "`query -s -v --security` within 2 × `query -s -v` on the Win10 SYSTEM",
                    f"{secured['median']:.2f} s vs {plain['median']:.2f} s ({ratio:.2f}×)",
                    ratio <= 2,
                    f"{cpu_ratio:.2f}×",
                    cpu_ratio <= 2,
                )
            )
    many = load(res, "convert_many.json")
    if many:
        out.append("| a 1,000,000-value .reg (26 MB) | wall, s | peak RSS, MiB | exit |")
        out.append("|---|---|---|---|")
        out.extend(
            f"| {c['name']} | {_seconds(c['median_wall_s'])} | {c['max_rss_mib']:.0f} "
            f"| {c['runs'][0]['exit']} |"
            for c in many["commands"]
        )
        out.append("")
    tail = load(res, "sparse_tail.json")
    if tail:
        out.append(
            "| command on a valid 11 MB SYSTEM + 3 GiB sparse tail | wall, s | peak RSS, MiB "
            "| exit |"
        )
        out.append("|---|---|---|---|")
        worst = 0.0
        for c in tail["commands"]:
            run = c["runs"][0]
            state = "timeout" if run["timed_out"] else str(run["exit"])
            out.append(
                f"| `{c['name']}` | {run['wall_s']:.2f} | {run['maxrss_mib']:.1f} | {state} |"
            )
            worst = max(worst, run["maxrss_mib"])
        out.append("")
        readable = all(
            not c["runs"][0]["timed_out"] and c["runs"][0]["exit"] in (0, 3)
            for c in tail["commands"]
        )
        targets.append(
            target(
                "10b",
                "every command reads a valid hive with a 3 GiB sparse tail, also under a 1 GiB "
                "address-space limit, with peak RSS far below the file (< 256 MiB)",
                f"worst peak {worst:.1f} MiB; every exit 0 or 3: {readable}",
                readable and worst < 256,
            )
        )

    # 10. the query path (issue 11)
    targets += timed_step(
        res, out, "query_path", "10", "### 10. The query path (issue 11",
        "command (SYSTEM_WIN_10_1709, 15 MB)",
        ("11", "`query -s -v -f jsonl` of the Win10 SYSTEM in at most 0.6 × a python-registry "
         "walk that decodes every value", "query -s -v -f jsonl", "python-registry walk", 0.6),
    )  # fmt: skip
    # 11. diff (issue 12)
    targets += timed_step(
        res, out, "diff", "11", "### 11. diff of two 15 MB hives (issue 12",
        "command (two hivex-written copies of SYSTEM_WIN_10_1709, B patched)",
        ("12", "`diff` of two 15 MB hives within 2 × one full walk", "diff -f json",
         "hiveparse walk", 2.0),
    )  # fmt: skip

    # 12. compare (issue 12)
    compared = load(res, "compare.json")
    if compared:
        rows = hyperfine_rows(compared)
        rss = measure_rows(load(res, "compare_rss.json") or {"commands": []})
        base = rows.get("python -c 'import typer'")
        when = (load(res, "env_step12.json") or load(res, "env.json") or {}).get("date_utc", "")
        out.append(f"### 12. compare of two SYSTEM + SOFTWARE pairs (issue 12; run {when})\n")
        out.append(
            "| command (the XP machine, 4 + 11 MB, against a changed copy) | median, ms "
            "| mean ± σ, ms | CPU, ms | minus `import typer`, ms | peak RSS, MiB |"
        )
        out.append("|---|---|---|---|---|---|")
        for command, r in rows.items():
            peak = rss.get(command, {}).get("max_rss_mib")
            delta = f"{(r['median'] - base['median']) * 1000:+.0f}" if base else ""
            out.append(
                f"| `{command}` | {r['median'] * 1000:.0f} | {r['mean'] * 1000:.0f} ± "
                f"{r['stddev'] * 1000:.0f} | {r['cpu'] * 1000:.0f} | {delta} "
                f"| {'—' if peak is None else f'{peak:.0f}'} |"
            )
        out.append("")
        ours = rows.get("compare -f json")
        if ours and base:
            d = (ours["median"] - base["median"]) * 1000
            dc = (ours["cpu"] - base["cpu"]) * 1000
            targets.append(
                target(
                    "13",
                    "`compare` of two SYSTEM + SOFTWARE pairs ≤ `python -c 'import typer'` "
                    "+ 300 ms",
                    f"{ours['median'] * 1000:.0f} − {base['median'] * 1000:.0f} = {d:+.0f} ms",
                    d <= 300,
                    f"{dc:+.0f} ms",
                    dc <= 300,
                )
            )

    # 13. a queue of tickets (issue 13)
    batch = load(res, "batch.json")
    if batch:
        when = (load(res, "env_step13.json") or load(res, "env.json") or {}).get("date_utc", "")
        single = batch.get("per_ticket") or {}
        per_ticket = single.get("seconds_per_ticket")
        out.append(f"### 13. a queue of generated tickets (issue 13; run {when})\n")
        out.append(
            f"One `hiveparse analyze TICKET` process per ticket: {per_ticket} s per ticket "
            f"(the first {single.get('tickets')} tickets, one after another).\n"
        )
        out.append(
            "| tickets | run | wall, s | tickets/s | × one process per ticket "
            "| peak memory of all its processes, MiB |"
        )
        out.append("|---|---|---|---|---|---|")
        worst_memory = 0.0
        for size, runs in batch["sizes"].items():
            for name, row in runs.items():
                speedup = int(size) * per_ticket / row["wall_s"] if per_ticket else None
                worst_memory = max(worst_memory, row["peak_rss_mib"])
                shown = "" if speedup is None else f"{speedup:.0f}×"
                out.append(
                    f"| {size} | `{name}` | {row['wall_s']:.2f} | {row['tickets_per_s']:.0f} "
                    f"| {shown} | {row['peak_rss_mib']:.0f} |"
                )
        out.append("")
        two = batch["sizes"].get("2000", {}).get("jobs 2")
        if two and per_ticket:
            speedup = 2000 * per_ticket / two["wall_s"]
            targets.append(
                target(
                    "14",
                    "2,000 tickets with `--jobs 2` ≥ 20× faster than one process per ticket",
                    f"{2000 * per_ticket:.0f} s / {two['wall_s']:.2f} s = {speedup:.0f}×",
                    speedup >= 20,
                )
            )
        targets.append(
            target(
                "15",
                "peak memory of a batch ≤ 400 MiB at 2,000 and 20,000 tickets (every process)",
                f"{worst_memory:.0f} MiB at most",
                worst_memory <= 400,
            )
        )

    out.append("### Targets\n")
    out.append("| # | target | measured (wall clock) | result | same by CPU time | result |")
    out.append("|---|---|---|---|---|---|")
    out.extend(
        f"| {t['id']} | {t['target']} | {t['measured']} | {verdict(t['pass'])} "
        f"| {t['cpu_measured'] or '—'} "
        f"| {'—' if t['cpu_pass'] is None else verdict(t['cpu_pass'])} |"
        for t in targets
    )
    out.append("")
    (res / "summary.json").write_text(json.dumps({"targets": targets}, indent=1) + "\n")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
