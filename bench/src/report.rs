//! `bench report`: the tables, printed and written to BENCHMARKS.md with the machine, the
//! commands and the chart, and each target of the benchmark issue with its figure.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::results::Run;

#[derive(clap::Args)]
pub struct ReportArgs {
    /// The run files (bench-results/*.json).
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    #[arg(long, default_value = "BENCHMARKS.md")]
    out: PathBuf,
    /// The latency chart to link.
    #[arg(long)]
    chart: Option<String>,
    /// cargo lambda's output folder (DIR/<function>/bootstrap.zip), if built.
    #[arg(long)]
    zips: Option<PathBuf>,
    /// The import benchmark's section (`make bench-import`), default bench-results/import.md.
    #[arg(long)]
    import: Option<String>,
}

pub fn report_command(args: ReportArgs) -> Result<(), String> {
    let ReportArgs { runs, out, chart, zips, import } = args;
    let zips = zips.map(|dir| zip_sizes(&dir)).unwrap_or_default();
    let runs: Vec<Run> = runs
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))?;
            serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))
        })
        .collect::<Result<_, String>>()?;
    if runs.is_empty() {
        return Err("give the run files (bench-results/*.json)".into());
    }
    let tables = tables(&runs, &zips);
    println!("{tables}");
    let mut document = String::new();
    writeln!(document, "# Benchmarks\n").unwrap();
    writeln!(
        document,
        "Measured by `make bench` (see README.md, *Benchmark*): every function's release binary started as Lambda \
         starts it, under a Runtime API emulator in `bench/`, against PostgreSQL on loopback; the same SQL for the \
         same row through a bare sqlx connection (the floor); and `wrk` against `serve`, with `pgbench -M prepared` \
         running the full-interaction SQL at the same concurrency. Figures come from one run on a shared machine: \
         compare them with each other, not across runs.\n"
    )
    .unwrap();
    writeln!(document, "## Machine\n\n{}\n", machine()).unwrap();
    writeln!(
        document,
        "## Commands\n\n```sh\nmake bench   # = cargo build --release; a fresh database `v3_bench`; make seed;\n\
         #   bench measure --label demo; make dataset ROWS=1000000; bench measure --label 1M; bench report\n```\n"
    )
    .unwrap();
    document.push_str(&tables);
    if let Some(chart) = chart {
        writeln!(
            document,
            "\n## Latency per route\n\n![latency per route: cold first invocation, warm p50, floor p50]({chart})\n"
        )
        .unwrap();
    }
    // `make bench-import` writes its figures as a section of their own; carried over as is.
    let import = import.unwrap_or_else(|| "bench-results/import.md".into());
    if let Ok(section) = std::fs::read_to_string(&import) {
        writeln!(document, "\n{}", section.trim_end()).unwrap();
    }
    std::fs::write(&out, document).map_err(|error| format!("{}: {error}", out.display()))?;
    println!("written to {}", out.display());
    Ok(())
}

/// (function, bytes) of each `bootstrap.zip` under `dir`, by name.
fn zip_sizes(dir: &std::path::Path) -> Vec<(String, u64)> {
    let mut sizes: Vec<(String, u64)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let size = std::fs::metadata(entry.path().join("bootstrap.zip")).ok()?.len();
            Some((entry.file_name().to_string_lossy().into_owned(), size))
        })
        .collect();
    sizes.sort();
    sizes
}

fn tables(runs: &[Run], zips: &[(String, u64)]) -> String {
    let mut text = String::new();
    if !zips.is_empty() {
        writeln!(text, "## arm64 artifacts (`make zips`: cargo lambda build --release --arm64 --output-format zip)\n")
            .unwrap();
        writeln!(text, "| function | bootstrap.zip MB |\n|---|---:|").unwrap();
        for (function, bytes) in zips {
            writeln!(text, "| {function} | {:.2} |", *bytes as f64 / 1e6).unwrap();
        }
        text.push('\n');
    }
    for run in runs {
        writeln!(
            text,
            "## Functions, {} ({} interactions, {} parameters; {} warm invocations each)\n",
            run.label, run.interactions, run.parameters, run.invocations
        )
        .unwrap();
        writeln!(
            text,
            "Opening a PostgreSQL connection: {:.2} ms as configured, {:.2} ms with TLS (`sslmode=require`). \
             The first invocation after a cold start pays one of these.\n",
            run.connect_ms, run.connect_tls_ms
        )
        .unwrap();
        writeln!(
            text,
            "| function | init ms | first invocation ms | warm p50 µs | warm p99 µs | floor p50 µs | overhead p50 µs | RSS MB | binary MB |"
        )
        .unwrap();
        writeln!(text, "|---|---:|---:|---:|---:|---:|---:|---:|---:|").unwrap();
        for f in &run.functions {
            let overhead =
                if f.floor_p50_us > 0.0 { format!("{:.1}", f.warm_p50_us - f.floor_p50_us) } else { "–".into() };
            let floor = if f.floor_p50_us > 0.0 { format!("{:.1}", f.floor_p50_us) } else { "–".into() };
            writeln!(
                text,
                "| {} | {:.2} | {:.2} | {:.1} | {:.1} | {} | {} | {:.1} | {:.2} |",
                f.function,
                f.init_ms,
                f.first_invocation_ms,
                f.warm_p50_us,
                f.warm_p99_us,
                floor,
                overhead,
                f.rss_mb,
                f.binary_bytes as f64 / 1e6
            )
            .unwrap();
        }
        writeln!(text, "\n### `serve` under load ({}), wrk -t2, keep-alive\n", run.label).unwrap();
        writeln!(
            text,
            "| route | requests/s | p50 ms | p99 ms | non-2xx | serve CPU µs/req | PostgreSQL CPU µs/req | machine CPU µs/req |"
        )
        .unwrap();
        writeln!(text, "|---|---:|---:|---:|---:|---:|---:|---:|").unwrap();
        for l in &run.load {
            writeln!(
                text,
                "| {} | {:.0} | {:.2} | {:.2} | {} | {:.1} | {:.1} | {:.1} |",
                l.route,
                l.requests_per_s,
                l.p50_ms,
                l.p99_ms,
                l.non_2xx,
                l.serve_cpu_us_per_request,
                l.postgres_cpu_us_per_request,
                l.machine_cpu_us_per_request
            )
            .unwrap();
        }
        if let Some(pgbench) = &run.pgbench {
            let serve_full =
                run.load.iter().find(|l| l.route == "get-full-interaction").map_or(0.0, |l| l.requests_per_s);
            writeln!(
                text,
                "\npgbench -M prepared, {} clients, the full-interaction SQL: **{:.0} tps** (machine CPU {:.1} µs per \
                 transaction, pgbench and PostgreSQL together); `serve` full interaction: **{:.0} req/s = {:.0}%** of it. wrk, `serve` and \
                 PostgreSQL share this machine's cores, so every CPU-µs that `serve` and the load generator spend per \
                 request is taken from PostgreSQL; the CPU columns show where each request's time goes.\n",
                pgbench.clients,
                pgbench.transactions_per_s,
                pgbench.machine_cpu_us_per_transaction,
                serve_full,
                100.0 * serve_full / pgbench.transactions_per_s.max(1.0)
            )
            .unwrap();
        }
    }
    text.push_str(&targets(runs, zips));
    text
}

fn targets(runs: &[Run], zips: &[(String, u64)]) -> String {
    let mut text = String::from("## Targets\n\n| target | figure | met |\n|---|---|---|\n");
    let mut row = |target: &str, figure: String, met: bool| {
        writeln!(text, "| {target} | {figure} | {} |", if met { "yes" } else { "**no**" }).unwrap();
    };
    let base = &runs[0];
    let db_functions = || base.functions.iter().filter(|f| f.floor_p50_us > 0.0);
    let worst_init = base.functions.iter().map(|f| f.init_ms).fold(0.0, f64::max);
    row("init ≤ 5 ms", format!("worst median {worst_init:.2} ms"), worst_init <= 5.0);
    let worst_first = base.functions.iter().map(|f| f.first_invocation_ms).fold(0.0, f64::max);
    row("first invocation ≤ 15 ms", format!("worst median {worst_first:.2} ms"), worst_first <= 15.0);
    let worst_overhead = db_functions().map(|f| f.warm_p50_us - f.floor_p50_us).fold(f64::MIN, f64::max);
    row(
        "warm overhead over the bare query ≤ 50 µs (p50)",
        format!("worst {worst_overhead:.1} µs"),
        worst_overhead <= 50.0,
    );
    let worst_rss = base.functions.iter().map(|f| f.rss_mb).fold(0.0, f64::max);
    row(
        &format!("RSS ≤ 20 MB after {} invocations", base.invocations),
        format!("worst {worst_rss:.1} MB"),
        worst_rss <= 20.0,
    );
    if let Some(large) = runs.iter().skip(1).last() {
        let worst_ratio = db_functions()
            .filter_map(|small| {
                let big = large.functions.iter().find(|f| f.function == small.function)?;
                Some(big.warm_p50_us / small.warm_p50_us)
            })
            .fold(0.0, f64::max);
        // Noise references from the same two runs: the catch-all reads no table at all, and
        // the bare query shows what the database itself did.
        let ratio = |name: &str, pick: fn(&crate::results::FunctionFigures) -> f64| {
            let small = base.functions.iter().find(|f| f.function == name).map(pick)?;
            let big = large.functions.iter().find(|f| f.function == name).map(pick)?;
            (small > 0.0).then(|| big / small)
        };
        let catch_all = ratio("unknown-route", |f| f.warm_p50_us).unwrap_or(f64::NAN);
        let worst_floor = db_functions().filter_map(|f| ratio(&f.function, |f| f.floor_p50_us)).fold(0.0, f64::max);
        row(
            &format!("warm p50 at {} within 1.2× of {}", large.label, base.label),
            format!(
                "worst ratio {worst_ratio:.2}× (same runs: the catch-all, which reads no table, {catch_all:.2}×; \
                 the bare query, worst {worst_floor:.2}×)"
            ),
            worst_ratio <= 1.2,
        );
    }
    if let Some(pgbench) = &base.pgbench {
        let serve_full = base.load.iter().find(|l| l.route == "get-full-interaction").map_or(0.0, |l| l.requests_per_s);
        let share = serve_full / pgbench.transactions_per_s.max(1.0);
        row("`serve` ≥ 70% of pgbench (full interaction)", format!("{:.0}%", share * 100.0), share >= 0.7);
    }
    if let Some((function, bytes)) = zips.iter().max_by_key(|(_, bytes)| *bytes) {
        row(
            "each arm64 zip ≤ 5 MB",
            format!("largest {:.2} MB ({function})", *bytes as f64 / 1e6),
            *bytes <= 5_000_000,
        );
    }
    if zips.is_empty() {
        text.push_str("\nThe arm64 zips were not built for this run (`make zips`).\n");
    }
    text
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| info.lines().next().and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map_or("?".into(), |kb| format!("{:.0} GiB", kb / 1024.0 / 1024.0));
    let command = |program: &str, args: &[&str]| {
        std::process::Command::new(program)
            .args(args)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    format!(
        "- CPU: {cpu}, {cores} cores available\n- Memory: {memory}\n- Kernel: {}\n- PostgreSQL: {}\n- Rust: {}\n- Date: {}",
        command("uname", &["-sr"]),
        command("psql", &["--version"]),
        command("rustc", &["--version"]),
        command("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
    )
}
