"""Latency per route from `bench measure` runs: cold first invocation, warm p50 and the
bare-query floor p50, one panel per run, log scale (cold starts are milliseconds, warm
requests tens of microseconds). Usage: chart.py RUN.json... OUT.png"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(paths, out):
    runs = [json.load(open(path)) for path in paths]
    fig, axes = plt.subplots(len(runs), 1, figsize=(11, 4.2 * len(runs)), squeeze=False)
    for axis, run in zip(axes[:, 0], runs):
        functions = [f for f in run["functions"] if f["floor_p50_us"] > 0]
        names = [f["function"].replace("-", "-\n", 1) for f in functions]
        series = [
            ("cold: first invocation", [f["first_invocation_ms"] * 1000 for f in functions], "#d62728"),
            ("warm p50", [f["warm_p50_us"] for f in functions], "#1f77b4"),
            ("floor p50 (bare query)", [f["floor_p50_us"] for f in functions], "#7f7f7f"),
        ]
        width = 0.27
        for index, (label, values, color) in enumerate(series):
            positions = [i + (index - 1) * width for i in range(len(functions))]
            axis.bar(positions, values, width, label=label, color=color)
        axis.set_yscale("log")
        axis.set_ylabel("µs (log scale)")
        axis.set_xticks(range(len(functions)))
        axis.set_xticklabels(names, fontsize=8)
        axis.set_title(f"{run['label']}: {run['interactions']:,} interactions, {run['parameters']:,} parameters")
        axis.grid(axis="y", which="both", alpha=0.3)
        low, high = axis.get_ylim()
        axis.set_ylim(low, high * 6)  # room above the bars for the legend
        axis.legend(fontsize=8, ncol=3, loc="upper center")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"chart written to {out}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1:-1], sys.argv[-1])
