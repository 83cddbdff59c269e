//! The load driver: an open-loop storefront workload against `emporium serve`, with
//! latencies corrected for coordinated omission and the usual stack's thresholds.
//!
//! `cargo run --release -p emporium-bench --bin load-driver -- [OPTIONS]`
//!
//! Against a running server (`--url`, with `--server-pid` to report its memory and CPU),
//! or against one it starts itself (`--spawn`: a fresh temporary data directory with the
//! demo catalog, an admin account for restocking, stopped at the end). Several rates
//! (`--rate 200,400,800`) run one after another on the same server and end with the
//! highest rate that passed. `--help` lists every option; bench/README.md explains the
//! workload and the figures.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use emporium_bench::load::catalog::Catalog;
use emporium_bench::load::client::{Connection, Target};
use emporium_bench::load::mix::{Mix, RequestKind};
use emporium_bench::load::parse_duration;
use emporium_bench::load::report::{Summary, Thresholds};
use emporium_bench::load::run::{self, Progress, RunConfig, RunResult, Shop};
use emporium_bench::load::server::{self, SpawnedServer, cpu_ms_of, resident_bytes_of};
use serde_json::{Value, json};

/// The storefront's default mix: mostly reading, a few carts, fewer checkouts.
const DEFAULT_MIX: &str = "browse=25,product=35,search=15,autocomplete=12,cart=9,checkout=4";
/// How long a server may take to answer `/readyz` 200 (the demo catalog loads and is
/// indexed on first start).
const READY_TIMEOUT: Duration = Duration::from_secs(300);
/// The soak mode's duration unless `--duration` says otherwise.
const SOAK_DURATION: Duration = Duration::from_secs(600);
/// Bounds on the options, so that a typo cannot ask for a million sockets.
const CONNECTIONS_MAX: usize = 10_000;
const RATE_MAX: f64 = 1_000_000.0;
const SHOPPERS_MAX: usize = 10_000;
const THREADS_MAX: usize = 64;

#[derive(Debug, Parser)]
#[command(
    name = "load-driver",
    about = "Open-loop storefront load on Emporium's HTTP API, latencies from the intended \
             send time (corrected for coordinated omission), judged against p95/p99/error \
             thresholds. Exit code 0: PASS, 1: FAIL, 2: could not run."
)]
struct Args {
    /// The server to drive, `http://HOST:PORT`.
    #[arg(
        long,
        env = "EMPORIUM_URL",
        default_value = "http://127.0.0.1:8080",
        conflicts_with = "spawn"
    )]
    url: String,
    /// Start `BINARY serve` on a fresh temporary data directory (demo catalog) and a free
    /// loopback port, with an admin account for restocking; stop it at the end.
    #[arg(long, value_name = "BINARY", num_args = 0..=1,
          default_missing_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/release/emporium"))]
    spawn: Option<PathBuf>,
    /// With --spawn: use this data directory instead of a temporary one.
    #[arg(long, value_name = "DIR", requires = "spawn")]
    data_dir: Option<PathBuf>,
    /// With --spawn: one more argument for `emporium serve` (repeat for several).
    #[arg(
        long = "server-arg",
        value_name = "ARG",
        requires = "spawn",
        allow_hyphen_values = true
    )]
    server_args: Vec<String>,
    /// The server's process id, to report its resident memory (VmRSS) and CPU time.
    #[arg(long, value_name = "PID")]
    server_pid: Option<u32>,
    /// Operations per second, or several separated by commas (run one after another);
    /// 0 runs a closed loop (each connection sends as soon as it is free).
    #[arg(long, value_name = "OPS", default_value = "200", value_delimiter = ',')]
    rate: Vec<f64>,
    /// Measured time per rate (`30s`, `10m`); default 30s, or 10m with --soak.
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Unrecorded time at the same rate before each measured part.
    #[arg(long, value_parser = parse_duration, default_value = "5s")]
    warmup: Duration,
    /// Keep-alive connections, one shopper each; they cap the requests in flight.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// The driver's runtime threads (it shares the machine with the server).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Operation weights: browse, product, search, autocomplete, cart, checkout.
    #[arg(long, default_value = DEFAULT_MIX, value_parser = Mix::parse)]
    mix: Mix,
    /// Zipf exponent of product (and category) popularity.
    #[arg(long, default_value_t = 1.0)]
    zipf: f64,
    /// Products learned from the listing before the run (pages of 100).
    #[arg(long, default_value_t = 10_000)]
    catalog_max: usize,
    /// Shoppers registered before the run (default: one per connection, at most 32);
    /// connections share them round robin.
    #[arg(long)]
    shoppers: Option<usize>,
    /// Lines a cart is filled to before checkout.
    #[arg(long, default_value_t = 2)]
    checkout_lines: usize,
    /// Lines at which adding starts a new cart (the full one is abandoned).
    #[arg(long, default_value_t = 5)]
    cart_lines_max: usize,
    /// An admin's email: sold-out SKUs are then restocked. --spawn makes its own admin.
    #[arg(long, env = "EMPORIUM_ADMIN_EMAIL", requires = "admin_password")]
    admin_email: Option<String>,
    /// The admin's password (prefer the environment variable).
    #[arg(
        long,
        env = "EMPORIUM_ADMIN_PASSWORD",
        hide_env_values = true,
        requires = "admin_email"
    )]
    admin_password: Option<String>,
    /// Units added to a sold-out SKU per restock.
    #[arg(long, default_value_t = 1_000)]
    restock_units: u64,
    /// Deadline of one request (a failed request counts as an error).
    #[arg(long, value_parser = parse_duration, default_value = "10s")]
    timeout: Duration,
    /// Threshold: p95 latency below this, per request kind and overall.
    #[arg(long, default_value_t = 500.0)]
    p95_ms: f64,
    /// Threshold: p99 latency below this.
    #[arg(long, default_value_t = 1_000.0)]
    p99_ms: f64,
    /// Threshold: errors below this share of replies (sell-outs are not errors).
    #[arg(long, default_value_t = 1.0)]
    max_error_percent: f64,
    /// With several rates, stop after the first that fails.
    #[arg(long)]
    stop_on_fail: bool,
    /// Soak: a long run (10 minutes unless --duration) that samples the server's
    /// resident memory every --rss-every; needs --spawn or --server-pid.
    #[arg(long)]
    soak: bool,
    /// With --soak: how often to sample the server's resident memory.
    #[arg(long, value_parser = parse_duration, default_value = "60s")]
    rss_every: Duration,
    /// Also write the figures as JSON to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Seed of the workload's random choices.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match drive(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("load-driver: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn check(args: &Args) -> Result<()> {
    if args.rate.is_empty()
        || args
            .rate
            .iter()
            .any(|rate| !rate.is_finite() || *rate < 0.0 || *rate > RATE_MAX)
    {
        bail!("--rate: each rate must be between 0 and {RATE_MAX} operations per second");
    }
    if !(1..=CONNECTIONS_MAX).contains(&args.connections) {
        bail!("--connections must be between 1 and {CONNECTIONS_MAX}");
    }
    if !(1..=THREADS_MAX).contains(&args.threads) {
        bail!("--threads must be between 1 and {THREADS_MAX}");
    }
    if args
        .shoppers
        .is_some_and(|n| !(1..=SHOPPERS_MAX).contains(&n))
    {
        bail!("--shoppers must be between 1 and {SHOPPERS_MAX}");
    }
    if !(1..=100).contains(&args.checkout_lines) || args.cart_lines_max < args.checkout_lines {
        bail!("--checkout-lines must be 1–100 and at most --cart-lines-max");
    }
    if !(args.zipf.is_finite() && (0.0..=10.0).contains(&args.zipf)) {
        bail!("--zipf must be between 0 and 10");
    }
    if args.catalog_max == 0 {
        bail!("--catalog-max must be at least 1");
    }
    if args.duration.is_some_and(|d| d.is_zero()) {
        bail!("--duration must be above 0");
    }
    if args.timeout.is_zero() || args.rss_every.is_zero() {
        bail!("--timeout and --rss-every must be above 0");
    }
    if args.soak && args.spawn.is_none() && args.server_pid.is_none() {
        bail!("--soak reports the server's memory: give --server-pid, or --spawn");
    }
    Ok(())
}

/// Everything up to the verdict; Ok(pass).
fn drive(args: Args) -> Result<bool> {
    check(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mut spawned = match &args.spawn {
        Some(binary) => {
            let server = SpawnedServer::start(binary, args.data_dir.as_deref(), &args.server_args)
                .with_context(|| format!("--spawn {}", binary.display()))?;
            eprintln!(
                "started {} serve (pid {}) at {}, log {}",
                binary.display(),
                server.pid,
                server.url,
                server.log.display()
            );
            Some(server)
        }
        None => None,
    };
    let outcome = runtime.block_on(drive_async(&args, spawned.as_ref()));
    if let Some(server) = &mut spawned {
        if !server.is_running() {
            eprintln!(
                "the spawned server exited during the run; its log: {}",
                server.log.display()
            );
        }
        server.stop();
    }
    outcome
}

async fn drive_async(args: &Args, spawned: Option<&SpawnedServer>) -> Result<bool> {
    let progress = Arc::new(Progress::default());
    stop_on_signal(Arc::clone(&progress))?;
    let url = spawned.map_or(args.url.as_str(), |server| server.url.as_str());
    let target = Target::resolve(url).await?;
    let server_pid = args.server_pid.or(spawned.map(|server| server.pid));
    let setting_up = async {
        server::wait_until_ready(&target, READY_TIMEOUT).await?;
        set_up(args, &target, spawned).await
    };
    let shop = tokio::select! {
        shop = setting_up => Arc::new(shop?),
        () = stopped(&progress) => bail!("interrupted during setup"),
    };
    let duration = args.duration.unwrap_or(if args.soak {
        SOAK_DURATION
    } else {
        Duration::from_secs(30)
    });
    let thresholds = Thresholds {
        p95_ms: args.p95_ms,
        p99_ms: args.p99_ms,
        error_percent_max: args.max_error_percent,
    };
    let rss_start = server_pid.and_then(resident_bytes_of);
    println!("{}", header(args, url, &shop, server_pid, rss_start));

    let mut steps = Vec::new();
    for &rate in &args.rate {
        let config = Arc::new(RunConfig {
            rate,
            duration,
            warmup: args.warmup,
            connections: args.connections,
            mix: args.mix.clone(),
            checkout_lines: args.checkout_lines,
            cart_lines_max: args.cart_lines_max,
            restock_units: args.restock_units,
            seed: args.seed,
            timeout: args.timeout,
        });
        let step = run_step(args, &shop, &config, &progress, server_pid, &thresholds).await;
        let failed = !step.summary.pass;
        println!("{}", step.render(&config));
        steps.push(step);
        if progress.stop.load(Relaxed) || (failed && args.stop_on_fail) {
            break;
        }
    }
    let rss_end = server_pid.and_then(resident_bytes_of);
    if let (Some(start), Some(end)) = (rss_start, rss_end) {
        println!(
            "server resident memory (VmRSS of pid {}): {:.1} MiB at start, {:.1} MiB at end ({:+.1} MiB)",
            server_pid.unwrap_or_default(),
            mib(start),
            mib(end),
            mib(end) - mib(start)
        );
    }
    let passing = steps
        .iter()
        .filter(|step| step.summary.pass)
        .map(|step| step.rate)
        .fold(None, |best: Option<f64>, rate| {
            Some(best.map_or(rate, |b| b.max(rate)))
        });
    if steps.len() > 1 {
        println!("{}", sweep_table(&steps));
        match passing {
            Some(rate) => println!(
                "highest rate passing the thresholds: {} ops/s",
                rate_text(rate)
            ),
            None => println!("no rate passed the thresholds"),
        }
    }
    println!("load average at the end: {}", load_average());
    if let Some(path) = &args.json {
        let document = json!({
            "url": url,
            "mix": args.mix.to_string(),
            "connections": args.connections,
            "duration_s": duration.as_secs_f64(),
            "warmup_s": args.warmup.as_secs_f64(),
            "zipf": args.zipf,
            "products": shop.catalog.products.len(),
            "shoppers": shop.shoppers.len(),
            "restock": shop.admin_token.is_some(),
            "server_pid": server_pid,
            "server_rss_start_bytes": rss_start,
            "server_rss_end_bytes": rss_end,
            "highest_passing_rate": passing,
            "steps": steps.iter().map(Step::to_json).collect::<Vec<_>>(),
        });
        std::fs::write(path, serde_json::to_vec_pretty(&document)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let pass = if steps.len() > 1 {
        passing.is_some()
    } else {
        steps.iter().all(|step| step.summary.pass) && !steps.is_empty()
    };
    Ok(pass)
}

/// SIGINT (Ctrl-C) or SIGTERM (`timeout`, a supervisor) ends the run early: no new
/// slot is claimed, the requests in flight finish, the figures so far are reported and
/// a spawned server is stopped.
fn stop_on_signal(progress: Arc<Progress>) -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    tokio::spawn(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        eprintln!("\nstopping: finishing the requests in flight");
        progress.stop.store(true, Relaxed);
    });
    Ok(())
}

/// Completes once the run is told to stop.
async fn stopped(progress: &Progress) {
    while !progress.stop.load(Relaxed) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Learns the catalog, signs the admin in, registers the shoppers.
async fn set_up(args: &Args, target: &Target, spawned: Option<&SpawnedServer>) -> Result<Shop> {
    let mut connection = Connection::new(target.clone(), args.timeout);
    let started = Instant::now();
    let catalog = Catalog::learn(&mut connection, args.catalog_max, args.zipf, args.seed)
        .await
        .context("learning the catalog")?;
    let admin = match (&args.admin_email, &args.admin_password, spawned) {
        (Some(email), Some(password), _) => Some((email.clone(), password.clone())),
        (_, _, Some(server)) => Some(server.admin.clone()),
        _ => None,
    };
    let admin_token = match admin {
        Some((email, password)) => Some(
            run::sign_in(&mut connection, &email, &password)
                .await
                .context("signing in the admin")?,
        ),
        None => None,
    };
    // Distinct per run (the process id and the clock), so that a second run against the
    // same server registers new accounts and new idempotency keys.
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let run_id = format!("{}-{}", std::process::id(), since_epoch.as_millis());
    let shoppers = args.shoppers.unwrap_or(args.connections.min(32));
    let tokens = run::register_shoppers(&mut connection, shoppers, &run_id)
        .await
        .context("registering shoppers")?;
    eprintln!(
        "set up in {:.1} s: {} products, {} categories, {} shoppers registered, restock {}",
        started.elapsed().as_secs_f64(),
        catalog.products.len(),
        catalog.categories.len(),
        tokens.len(),
        if admin_token.is_some() { "on" } else { "off" }
    );
    Ok(Shop::new(
        target.clone(),
        catalog,
        tokens,
        admin_token,
        run_id,
    ))
}

/// One rate's run and what was measured around it.
struct Step {
    rate: f64,
    result: RunResult,
    summary: Summary,
    driver_cpu_ms: u64,
    server_cpu_ms: Option<u64>,
    rss_samples: Vec<(f64, u64)>,
    load_average: String,
}

async fn run_step(
    args: &Args,
    shop: &Arc<Shop>,
    config: &Arc<RunConfig>,
    progress: &Arc<Progress>,
    server_pid: Option<u32>,
    thresholds: &Thresholds,
) -> Step {
    let load_average = load_average();
    let driver_cpu = cpu_ms_of(std::process::id()).unwrap_or(0);
    let server_cpu = server_pid.and_then(cpu_ms_of);
    let (done_sender, done) = tokio::sync::watch::channel(false);
    let reporter = tokio::spawn(report_progress(
        Arc::clone(progress),
        Arc::clone(config),
        server_pid.filter(|_| args.soak),
        args.rss_every,
        done,
    ));
    let result = run::run(Arc::clone(shop), Arc::clone(config), Arc::clone(progress)).await;
    let _ = done_sender.send(true);
    let rss_samples = reporter.await.unwrap_or_default();
    // CPU over the whole step (warm-up included), so only the ratio to requests counts.
    let driver_cpu_ms = cpu_ms_of(std::process::id())
        .unwrap_or(0)
        .saturating_sub(driver_cpu);
    let server_cpu_ms = server_pid
        .and_then(cpu_ms_of)
        .zip(server_cpu)
        .map(|(after, before)| after.saturating_sub(before));
    let summary = result.recorder.summarize(result.elapsed, thresholds);
    Step {
        rate: config.rate,
        result,
        summary,
        driver_cpu_ms,
        server_cpu_ms,
        rss_samples,
        load_average,
    }
}

impl Step {
    fn render(&self, config: &RunConfig) -> String {
        let result = &self.result;
        let summary = &self.summary;
        let mode = if config.rate > 0.0 {
            format!("rate {} ops/s, open loop", rate_text(config.rate))
        } else {
            "closed loop (rate 0: latencies are service times)".into()
        };
        let mut out = format!(
            "\n## {mode}: {:.0} s measured after {:.0} s warm-up, {} connections\n\n",
            config.duration.as_secs_f64(),
            config.warmup.as_secs_f64(),
            config.connections
        );
        out.push_str(&format!(
            "operations: {} due, {} started{}; requests answered {:.1}/s; sockets opened {}; \
             load average before {}\n\n",
            result.due,
            result.started,
            if result.stopped {
                " (stopped early)"
            } else {
                ""
            },
            summary.all.per_s,
            result.sockets_opened,
            self.load_average,
        ));
        out.push_str(&summary.table());
        let checkout = summary.kind(RequestKind::Checkout);
        if checkout.replies > 0 {
            out.push_str(&format!(
                "\ncompleted checkouts: {:.1}/s ({} orders)",
                checkout.ok_per_s, checkout.ok
            ));
        }
        let errors = summary.errors_line();
        out.push_str(&format!(
            "\nerrors by status: {}",
            if errors.is_empty() { "none" } else { &errors }
        ));
        let sold_out: u64 = summary.kinds.iter().map(|kind| kind.sold_out).sum();
        out.push_str(&format!(
            "\nsell-outs (409 insufficient_stock, a business outcome, not errors): {sold_out}"
        ));
        let step_s = (config.warmup + config.duration).as_secs_f64();
        // The warm-up ran at the measured rate: count its requests too.
        let requests = (summary.all.per_s * step_s).max(1.0);
        let cpu = |ms: u64| {
            format!(
                "{:.0} % of a core, {:.0} µs per request",
                ms as f64 / 10.0 / step_s,
                ms as f64 * 1_000.0 / requests
            )
        };
        out.push_str(&format!(
            "\nCPU over the step (warm-up included): driver {}",
            cpu(self.driver_cpu_ms)
        ));
        if let Some(server) = self.server_cpu_ms {
            out.push_str(&format!("; server {}", cpu(server)));
        }
        if !self.rss_samples.is_empty() {
            out.push_str("\n\n| minute | server RSS MiB |\n|---|---|\n");
            for (seconds, bytes) in &self.rss_samples {
                out.push_str(&format!("| {:.1} | {:.1} |\n", seconds / 60.0, mib(*bytes)));
            }
        }
        out.push_str(&format!("\n{}", summary.verdict_line()));
        out
    }

    fn to_json(&self) -> Value {
        let mut step = self.summary.to_json();
        let checkout = self.summary.kind(RequestKind::Checkout);
        if let Some(object) = step.as_object_mut() {
            object.insert("rate".into(), json!(self.rate));
            object.insert("due".into(), json!(self.result.due));
            object.insert("started".into(), json!(self.result.started));
            object.insert("stopped".into(), json!(self.result.stopped));
            object.insert("checkouts_per_s".into(), json!(checkout.ok_per_s));
            object.insert("driver_cpu_ms".into(), json!(self.driver_cpu_ms));
            object.insert("server_cpu_ms".into(), json!(self.server_cpu_ms));
            object.insert("load_average_before".into(), json!(self.load_average));
            object.insert(
                "rss_samples".into(),
                json!(
                    self.rss_samples
                        .iter()
                        .map(|(s, b)| json!([s, b]))
                        .collect::<Vec<_>>()
                ),
            );
        }
        step
    }
}

/// A line on stderr once a second while a run goes on (rewritten in place on a
/// terminal); samples the server's memory every `rss_every` when `rss_pid` is given.
/// Returns the samples as (seconds since the start, bytes).
async fn report_progress(
    progress: Arc<Progress>,
    config: Arc<RunConfig>,
    rss_pid: Option<u32>,
    rss_every: Duration,
    mut done: tokio::sync::watch::Receiver<bool>,
) -> Vec<(f64, u64)> {
    let terminal = std::io::stderr().is_terminal();
    let started = Instant::now();
    let total = config.warmup + config.duration;
    let mut samples = Vec::new();
    if let Some(bytes) = rss_pid.and_then(resident_bytes_of) {
        samples.push((0.0, bytes));
    }
    let mut next_sample = started + rss_every;
    let mut last = (Instant::now(), progress.requests.load(Relaxed));
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = done.changed() => break,
        }
        let now = Instant::now();
        let requests = progress.requests.load(Relaxed);
        let per_s = (requests - last.1) as f64 / now.duration_since(last.0).as_secs_f64();
        last = (now, requests);
        let lag_ms = progress.lag_us_max.swap(0, Relaxed) as f64 / 1_000.0;
        let mut line = format!(
            "[{:>5.0} s / {:.0} s] {:.0} req/s, errors {}, sold out {}, behind schedule {:.1} ms",
            started.elapsed().as_secs_f64(),
            total.as_secs_f64(),
            per_s,
            progress.errors.load(Relaxed),
            progress.sold_out.load(Relaxed),
            lag_ms
        );
        if let Some(pid) = rss_pid
            && now >= next_sample
        {
            next_sample += rss_every;
            if let Some(bytes) = resident_bytes_of(pid) {
                samples.push((started.elapsed().as_secs_f64(), bytes));
            }
        }
        if let Some((_, bytes)) = samples.last() {
            line.push_str(&format!(", server RSS {:.0} MiB", mib(*bytes)));
        }
        if terminal {
            eprint!("\r{line}   ");
        } else {
            eprintln!("{line}");
        }
    }
    if terminal {
        eprintln!();
    }
    if let Some(bytes) = rss_pid.and_then(resident_bytes_of) {
        samples.push((started.elapsed().as_secs_f64(), bytes));
    }
    samples
}

fn header(
    args: &Args,
    url: &str,
    shop: &Shop,
    server_pid: Option<u32>,
    rss_start: Option<u64>,
) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|name| name.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let mut out = format!(
        "# load-driver against {url}\n\nmachine: {cores} cores ({cpu}); load average {}\n\
         mix {}; Zipf {} over {} products and {} categories; {} shoppers; checkout after {} \
         lines; restock {}; driver threads {}\n",
        load_average(),
        args.mix,
        args.zipf,
        shop.catalog.products.len(),
        shop.catalog.categories.len(),
        shop.shoppers.len(),
        args.checkout_lines,
        if shop.admin_token.is_some() {
            format!("on ({} units per sold-out SKU)", args.restock_units)
        } else {
            "off (sell-outs are reported, not errors)".into()
        },
        args.threads,
    );
    if let (Some(pid), Some(bytes)) = (server_pid, rss_start) {
        out.push_str(&format!(
            "server pid {pid}, resident memory at start {:.1} MiB\n",
            mib(bytes)
        ));
    }
    out
}

fn sweep_table(steps: &[Step]) -> String {
    let mut out = String::from(
        "\n| rate ops/s | requests/s | checkouts/s | worst p95 ms | worst p99 ms | errors % | verdict |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for step in steps {
        let judged = step.summary.kinds.iter().filter(|kind| kind.replies > 0);
        let worst = |index: usize| {
            judged
                .clone()
                .map(|kind| kind.latency_ms[index])
                .fold(0.0f64, f64::max)
        };
        out.push_str(&format!(
            "| {} | {:.1} | {:.1} | {:.2} | {:.2} | {:.2} | {} |\n",
            rate_text(step.rate),
            step.summary.all.per_s,
            step.summary.kind(RequestKind::Checkout).ok_per_s,
            worst(1),
            worst(2),
            step.summary.all.error_percent,
            if step.summary.pass { "PASS" } else { "FAIL" }
        ));
    }
    out
}

fn rate_text(rate: f64) -> String {
    if rate == 0.0 {
        "closed loop".into()
    } else if rate.fract() == 0.0 {
        format!("{rate:.0}")
    } else {
        format!("{rate}")
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 20) as f64
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".into())
}
