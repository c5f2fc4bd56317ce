"""The benchmark suite's report: ``docs/benchmarks.md`` (tables, targets, machine), ``benchmarks.json`` beside it,
and log-log plots of time and peak memory against households (matplotlib, Agg backend)."""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path
from typing import Any

GIB = 1024.0


def _num(v: Any) -> float:
    return float(v) if isinstance(v, int | float) else float("nan")


def _fmt_s(v: float) -> str:
    if math.isnan(v):
        return "—"
    return f"{v:.2f}" if v >= 0.1 else f"{v:.3f}"


def _fmt_ratio(v: float) -> str:
    return "—" if math.isnan(v) else f"{v:.2f}×"


def _slope(sizes: list[int], res: dict[str, Any], step: str) -> float:
    """Log-log slope of time against households between the two largest sizes (1 = linear)."""
    pts = [(n, _num(res[str(n)].get(step, {}).get("seconds"))) for n in sizes]
    pts = [(n, t) for n, t in pts if t > 0 and not math.isnan(t)]
    if len(pts) < 2:
        return float("nan")
    (n0, t0), (n1, t1) = pts[-2], pts[-1]
    return math.log(t1 / t0) / math.log(n1 / n0)


def main_table(data: dict[str, Any]) -> list[str]:
    """The suite's main table: median seconds per size, peak memory and ratios to the baselines at the largest."""
    res, plan = data["sizes"], data["plan"]
    sizes = sorted(int(k) for k in res)
    big = str(sizes[-1])
    head = ("| measurement | " + " | ".join(f"{n:,} hh (s)" for n in sizes)
            + f" | runs at {sizes[-1]:,} | peak RSS at {sizes[-1]:,} (MiB) | growth exponent | ratio to baselines at "
            f"{sizes[-1]:,} |")
    lines = [head, "|" + "---|" * (len(sizes) + 5)]
    for step, label, bases in plan:
        cells = [_fmt_s(_num(res[str(n)].get(step, {}).get("seconds"))) for n in sizes]
        at = res[big].get(step, {})
        ratios = []
        for b in bases:
            r = _num(at.get("seconds")) / _num(res[big].get(b, {}).get("seconds"))
            ratios.append(f"{_fmt_ratio(r)} {b}")
        slope = _slope(sizes, res, step)
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {at.get('runs', '—')} | "
                     f"{_num(at.get('peak_rss_mib')):,.0f} | {'—' if math.isnan(slope) else f'{slope:.2f}'} | "
                     + ("; ".join(ratios) or "—") + " |")
    return lines


def api_table(data: dict[str, Any]) -> list[str]:
    lines = ["| households | workers | users | mode | requests/s | detail p50 / p95 / p99 (ms) | "
             "overlap p50 / p95 / p99 (ms) | server CPU ms/req | load-client CPU ms/req | server warm-up (s) | "
             "server peak RSS, all processes (MiB) | host loop before / after (ms) |",
             "|---:|---:|---:|---|---:|---|---|---:|---:|---:|---:|---|"]
    for n in sorted(int(k) for k in data["sizes"]):
        for a in _api_runs(data["sizes"][str(n)]):
            lines.extend(_api_rows(n, a))
    return lines


def _api_runs(res: dict[str, Any]) -> list[dict[str, Any]]:
    """The API runs of one size (older reports hold one run under ``api``)."""
    runs: list[dict[str, Any]] = res.get("api_runs") or [res.get("api", {})]
    return runs


def _api_rows(n: int, a: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    w = a.get("workers", 1)
    if "error" in a:
        lines.append(f"| {n:,} | {w} | — | not measured: {a['error']} | " + " | ".join(["—"] * 8) + " |")
        return lines
    modes = [("", f"closed loop ({a['client']} client)")]
    if "think_throughput" in a:
        modes.append(("think_", f"think time ~{a['think_s']:g} s"))
    for pre, mode in modes:
        tp = a["throughput"] if not pre else a["think_throughput"]
        host = (f"{_num(a.get('host_loop_ms_before')):.0f} / {_num(a.get('host_loop_ms_after')):.0f}"
                if "host_loop_ms_before" in a else "—")
        cpu = (f"{a['server_cpu_ms_per_request']:.2f} | {a['client_cpu_ms_per_request']:.2f} | "
               f"{a['warm_up_s']:.1f} | {a['server_peak_rss_mib']:,.0f} | {host}") if not pre else "″ | ″ | ″ | ″ | ″"
        lines.append(
            f"| {n:,} | {w} | {a['clients']} | {mode} | {tp:.0f} | "
            f"{a[pre + 'detail_p50_ms']:.1f} / {a[pre + 'detail_p95_ms']:.1f} / {a[pre + 'detail_p99_ms']:.1f} | "
            f"{a[pre + 'overlap_p50_ms']:.1f} / {a[pre + 'overlap_p95_ms']:.1f} / "
            f"{a[pre + 'overlap_p99_ms']:.1f} | {cpu} |")
    return lines


def host_speed(data: dict[str, Any]) -> list[str]:
    """The host-speed line of the Machine section: the fixed loop's CPU time before every step of the run."""
    loops = [float(x) for r in data["sizes"].values() for v in r.values() if isinstance(v, dict)
             for x in v.get("host_loop_ms_all") or [] if x is not None]
    if not loops:
        return []
    return [f"- host speed: a fixed pure-Python loop (`host_loop_ms` in `bench/suite_steps.py`) took "
            f"{min(loops):.0f} / {statistics.median(loops):.0f} / {max(loops):.0f} ms (min / median / max over the "
            f"{len(loops)} step runs, a spread of {max(loops) / min(loops):.1f}×): this shared virtual machine's speed "
            "drifts within minutes, and every absolute figure drifts with it (a ratio compares two steps run minutes "
            "apart)"]


def dashboard_table(data: dict[str, Any]) -> list[str]:
    lines = ["| households | server warm-up (s) | overview cold / warm (s) | household cold / warm (s) |",
             "|---:|---:|---|---|"]
    for n in sorted(int(k) for k in data["sizes"]):
        dsh = data["sizes"][str(n)].get("dashboard", {})
        if "error" in dsh:
            lines.append(f"| {n:,} | — | not measured: {dsh['error']} | — |")
            continue
        lines.append(f"| {n:,} | {dsh['server_warm_up_s']:.1f} | {dsh['overview_cold_s']:.2f} / "
                     f"{dsh['overview_warm_s']:.2f} | {dsh['household_cold_s']:.2f} / {dsh['household_warm_s']:.2f} |")
    return lines


def targets(data: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """The performance targets at the largest size: (target, measured, met; None when not measured)."""
    res = data["sizes"]
    sizes = sorted(int(k) for k in res)
    big = res[str(sizes[-1])]
    out: list[tuple[str, str, bool | None]] = []

    def sec(step: str) -> float:
        return _num(big.get(step, {}).get("seconds"))

    def add(name: str, value: float, text: str, ok: bool) -> None:
        out.append((name, text, None if math.isnan(value) else ok))

    ing = sec("ingest")
    add(f"ingest of {sizes[-1]:,} households < 30 s", ing, f"{_fmt_s(ing)} s", ing < 30)
    ratio = sec("flags") / sec("flags_duckdb")
    add("all flags within 1.5× of DuckDB (in memory)", ratio, _fmt_ratio(ratio), ratio <= 1.5)
    api = big.get("api", {})
    p95 = _num(api.get("detail_p95_ms"))
    add(f"household-detail p95 < 50 ms, {api.get('clients', 50)} clients, closed loop (no pause)", p95,
        f"{p95:.1f} ms at {_num(api.get('throughput')):.0f} req/s ({api.get('workers', 1)} worker(s))", p95 < 50)
    p95t = _num(api.get("think_detail_p95_ms"))
    add(f"household-detail p95 < 50 ms, {api.get('clients', 50)} users pausing ~{api.get('think_s', 1):g} s", p95t,
        f"{p95t:.1f} ms", p95t < 50)
    dsh = big.get("dashboard", {})
    worst = max(_num(dsh.get("overview_warm_s")), _num(dsh.get("household_warm_s")))
    add("dashboard pages < 2 s (warm median, slower page)", worst, f"{_fmt_s(worst)} s", worst < 2)
    peak = max([_num(v.get("peak_rss_mib")) for r in res.values() for v in r.values() if isinstance(v, dict)]
               + [_num(a.get("server_peak_rss_mib")) for r in res.values() for a in _api_runs(r)])
    add("peak memory < 4 GiB (any process; a multi-worker server: its processes together)", peak,
        f"{peak / GIB:.2f} GiB", peak < 4 * GIB)
    slopes = {s: _slope(sizes, res, s) for s, _l, _b in data["plan"] if not s.startswith(("load_", "flags_d"))
              and not s.endswith(("_pandas", "_nx"))}
    worst_step = max(slopes, key=lambda s: -1 if math.isnan(slopes[s]) else slopes[s])
    add("time grows no worse than linearly (log-log slope ≤ 1.1 between the two largest sizes)",
        slopes[worst_step], f"worst {worst_step}: {slopes[worst_step]:.2f}", slopes[worst_step] <= 1.1)
    return out


def plots(data: dict[str, Any], img: Path) -> list[Path]:
    """Log-log plots of median time and peak memory against households; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = data["sizes"]
    sizes = sorted(int(k) for k in res)
    img.mkdir(parents=True, exist_ok=True)
    written = []
    for key, fname, ylabel in (("seconds", "bench-time.png", "seconds (median)"),
                               ("peak_rss_mib", "bench-memory.png", "peak RSS (MiB)")):
        fig, ax = plt.subplots(figsize=(10, 5.5), dpi=110)
        colours = plt.get_cmap("tab20")
        for i, (step, label, _b) in enumerate(data["plan"]):
            pts = [(n, _num(res[str(n)].get(step, {}).get(key))) for n in sizes]
            pts = [(n, v) for n, v in pts if v > 0 and not math.isnan(v)]
            if pts:
                style = "--" if label.startswith("baseline") else "-"
                ax.plot([p[0] for p in pts], [p[1] for p in pts], style, marker="o", label=label,
                        color=colours(i % 20))
        if key == "seconds" and len(sizes) > 1:  # a line of slope 1 through the slowest step's smallest size
            top = max((_num(res[str(sizes[0])].get(s, {}).get(key)) for s, _l, _b in data["plan"]), default=1.0)
            ax.plot([sizes[0], sizes[-1]], [top, top * sizes[-1] / sizes[0]], ":", color="grey",
                    label="linear growth (slope 1)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("households")
        ax.set_ylabel(ylabel)
        ax.set_title(f"caregraph benchmark suite: {ylabel} against households (log-log)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        fig.tight_layout()
        path = img / fname
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written


def render(data: dict[str, Any], img_rel: str) -> str:
    """The Markdown report."""
    m = data["machine"]
    sizes = sorted(int(k) for k in data["sizes"])
    o = data["options"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `caregraph bench` (`bench/suite.py`); do not edit by hand. Every figure is the median of up to "
        f"{o['runs']} runs, each in a fresh subprocess (fewer runs once a measurement's runs passed "
        f"{o['step_budget']:.0f} s; the column *runs* says how many). Peak RSS is the measuring process's "
        "`ru_maxrss`, which includes reading the step's input (untimed). Ratios are caregraph's time divided by the "
        "baseline's on the same data (below 1 means caregraph is faster).",
        "",
        f"Command: `{data['command'].strip()}`; whole run {data['wall_s'] / 60:.1f} min; load average "
        f"{data['load_before'][0]:.1f} before and {data['load_after'][0]:.1f} after on {m['cores']} cores. "
        + ("**The machine was busy with other jobs when the run started: the figures are upper bounds.** "
           if data["load_before"][0] > 1.0 else "No other heavy job was running when the run started. ")
        + "Figures vary between runs (by up to a fifth on this machine for the sub-second steps).",
        "",
        "## Main table",
        "",
        *main_table(data),
        "",
        "Growth exponent: log-log slope of time between the two largest sizes (1 = linear). "
        "Baselines: `load_duckdb` is DuckDB `read_csv` into a database file, `load_pandas` `pandas.read_csv`; "
        "`flags_duckdb` the hand-written SQL of `bench/bench_analytics.py` (subjects only, no evidence), "
        "`flags_pandas`, `stats_pandas` and `network_nx` `bench/pandas_baseline.py` (the pandas household counts "
        "leave out care density and the continuity indices, so that ratio flatters the baseline).",
        "",
        "## Targets, at the largest size",
        "",
        "| target | measured | met |",
        "|---|---|---|",
        *[f"| {t} | {v} | {'not measured' if ok is None else ('yes' if ok else '**no**')} |"
          for t, v, ok in targets(data)],
        "",
        f"## API latency ({o['api_clients']} concurrent users, {o['api_seconds']:.0f} s per mode)",
        "",
        "`caregraph serve --api-only --workers N` on the ingested store, measured once its warm-up is done (with "
        "N > 1, read-only worker processes, each with its own `SO_REUSEPORT` socket; CPU and memory are summed over "
        "the processes). "
        "Each user holds one keep-alive connection and alternates household detail and household overlap for random "
        "households. *Closed loop*: every user sends its next request as soon as the answer is in (the most load "
        "the users can make; by Little's law the mean latency is then users ÷ throughput, whatever the route "
        "costs). *Think time*: users pause a random time (exponential, that mean) between requests, as people "
        "clicking do. The load client (`bench/raw_client.py`, raw asyncio; `client=httpx` in `bench/suite_steps.py` "
        "uses `bench/bench_api.py`'s) runs on the same two cores as the server.",
        "",
        *api_table(data),
        "",
        "## Dashboard render time",
        "",
        "`bench/bench_dashboard.py`: headless chromium, overview and household page, until every figure is drawn; "
        f"cold = first load in a fresh profile, warm = median of {o['dashboard_loads']} further loads.",
        "",
        *dashboard_table(data),
        "",
        "## Plots",
        "",
        f"![time against households]({img_rel}/bench-time.png)",
        "",
        f"![peak memory against households]({img_rel}/bench-memory.png)",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; RAM {m['ram_gib']:.1f} GiB",
        f"- Python {m['python']} on {m['platform']}",
        "- " + ", ".join(f"{k} {v}" for k, v in m["libraries"].items()),
        f"- sizes: {', '.join(f'{n:,}' for n in sizes)} households (seed 1, as of the generator's date)",
        *host_speed(data),
    ]
    for note in data.get("notes", []):
        lines += ["", f"Note: {note}"]
    return "\n".join(lines) + "\n"


def write_report(data: dict[str, Any], out: Path, img: Path) -> None:
    """Write ``out`` (Markdown), ``out`` with ``.json`` (the raw figures) and the plots in ``img``; print the
    main table."""
    out.parent.mkdir(parents=True, exist_ok=True)
    plots(data, img)
    try:
        img_rel = str(img.resolve().relative_to(out.parent.resolve()))
    except ValueError:
        img_rel = str(img.resolve())
    out.write_text(render(data, img_rel), encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(data, indent=1, default=str) + "\n", encoding="utf-8")
    print("\n".join(main_table(data)))
    for t, v, ok in targets(data):
        print(f"target: {t}: {v} -> {'not measured' if ok is None else ('met' if ok else 'NOT MET')}")
