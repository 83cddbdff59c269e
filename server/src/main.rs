//! `emporium`: serve the HTTP API, import a catalog, back up or restore a store.
//!
//! The binary decides what the library leaves open: where logs go, which signals stop
//! the server, and when the demo catalog is loaded. Errors here are `anyhow`, reported
//! once on exit; the library's are typed.

use std::fs::File;
use std::io::{BufReader, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use emporium::Engine;
use emporium_server::cors::CORS_ORIGINS_MAX;
use emporium_server::import::{ImportError, ImportObserver, LineRejection, import_jsonl};
use emporium_server::{ServerConfig, Startup, demo};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tracing_subscriber::EnvFilter;

/// mimalloc rather than the system allocator: a checkout or a request allocates and
/// frees many small buffers across threads, where glibc's malloc spent a quarter of the
/// CPU in profiles.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Largest `--body-limit` accepted (a sanity bound, not a recommendation).
const BODY_LIMIT_BYTES_MAX: u64 = 1 << 30;
/// How long blocking work (a commit in flight) may take to finish after the drain.
const RUNTIME_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Parser)]
#[command(
    name = "emporium",
    version,
    about = "Emporium: a commerce engine in one process."
)]
struct Cli {
    /// Log format on stderr: `text` for people, `json` (one object per line) for log
    /// collectors. The level comes from RUST_LOG (default `info`).
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API (prints `listening on http://ADDR` once bound).
    ///
    /// On first start (a missing or empty data directory) without --admin-email, a demo
    /// admin `admin@emporium.local` is created with a random password, printed once on
    /// stdout right after the `listening on` line as
    /// `demo admin: admin@emporium.local / PASSWORD`. Nothing else keeps the password:
    /// note it, or give --admin-email/--admin-password on a later start to set one.
    Serve(ServeArgs),
    /// Import products from a JSON Lines file (one `POST /v1/products` body per line;
    /// bad lines are reported with their number and skipped).
    Import(ImportArgs),
    /// Back up the store of a data directory that no server has open (for a running
    /// server, use `POST /v1/admin/backup`). Writes the store file and `manifest.json`
    /// into DEST, which must be new or empty; the search index is not copied.
    Backup(BackupArgs),
    /// Restore a backup into an empty data directory; the next `emporium serve`
    /// rebuilds the search index from it.
    Restore(RestoreArgs),
}

#[derive(Debug, Args)]
struct BackupArgs {
    /// Where to write the backup (new or empty directory); `--to DEST` also works.
    #[arg(
        value_name = "DEST",
        required_unless_present = "to",
        conflicts_with = "to"
    )]
    dest: Option<PathBuf>,
    /// Same as the DEST argument.
    #[arg(long, value_name = "DEST")]
    to: Option<PathBuf>,
    /// Directory of the store to back up.
    #[arg(
        long,
        env = "EMPORIUM_DATA_DIR",
        default_value = "./emporium-data",
        value_name = "DIR"
    )]
    data_dir: PathBuf,
}

#[derive(Debug, Args)]
struct RestoreArgs {
    /// The backup directory (holding `manifest.json`); `--from SRC` also works.
    #[arg(
        value_name = "SRC",
        required_unless_present = "from",
        conflicts_with = "from"
    )]
    src: Option<PathBuf>,
    /// Same as the SRC argument.
    #[arg(long, value_name = "SRC")]
    from: Option<PathBuf>,
    /// The data directory to restore into: missing or empty.
    #[arg(
        long,
        env = "EMPORIUM_DATA_DIR",
        default_value = "./emporium-data",
        value_name = "DIR"
    )]
    data_dir: PathBuf,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Directory of the store; created if missing. On first start (missing or empty)
    /// the sample catalog is loaded unless --no-demo is given.
    #[arg(
        long,
        env = "EMPORIUM_DATA_DIR",
        default_value = "./emporium-data",
        value_name = "DIR"
    )]
    data_dir: PathBuf,
    /// Address to listen on; port 0 picks a free port (the line printed on start shows
    /// which).
    #[arg(
        long,
        env = "EMPORIUM_LISTEN",
        default_value = "127.0.0.1:8080",
        value_name = "ADDR"
    )]
    listen: String,
    /// Do not load the sample catalog into an empty data directory.
    #[arg(long)]
    no_demo: bool,
    /// Requests per second allowed per client (the account of a valid token, else the
    /// address), in bursts of up to N; 0 turns rate limiting off. Over the limit a
    /// request is answered 429 with Retry-After. Sign-in attempts have their own limit,
    /// always on: 10 failures at once, then 5 a minute, per account and per address.
    #[arg(long, default_value_t = 0, value_name = "N")]
    rate_limit: u32,
    /// Makes sure this admin account exists at start: creates it, or promotes the
    /// account with this email and sets its password. Needs --admin-password.
    #[arg(
        long,
        env = "EMPORIUM_ADMIN_EMAIL",
        value_name = "EMAIL",
        requires = "admin_password"
    )]
    admin_email: Option<String>,
    /// The admin's password (8–128 characters). Prefer the environment variable: a
    /// command line is visible to every user of the machine.
    #[arg(
        long,
        env = "EMPORIUM_ADMIN_PASSWORD",
        hide_env_values = true,
        value_name = "PASSWORD",
        requires = "admin_email"
    )]
    admin_password: Option<String>,
    /// An origin allowed to call the API from a browser (`https://shop.example`, or `*`
    /// for any); repeat for several. Without it, replies carry no CORS headers.
    #[arg(long = "cors-origin", value_name = "ORIGIN", value_parser = emporium_server::cors::parse_origin)]
    cors_origins: Vec<String>,
    /// Largest request body in bytes; larger ones are answered 413.
    #[arg(long, default_value_t = 1 << 20, value_name = "BYTES",
          value_parser = clap::value_parser!(u64).range(1..=BODY_LIMIT_BYTES_MAX))]
    body_limit: u64,
    /// Deliver notifications by HTTP POST to this `http://` URL, each body signed in
    /// `X-Emporium-Signature`, instead of appending them to notifications.jsonl in the
    /// data directory. Needs --webhook-secret.
    #[arg(
        long,
        env = "EMPORIUM_WEBHOOK_URL",
        value_name = "URL",
        requires = "webhook_secret"
    )]
    webhook_url: Option<String>,
    /// The key of the webhook's HMAC-SHA256 signature. Prefer the environment variable.
    #[arg(
        long,
        env = "EMPORIUM_WEBHOOK_SECRET",
        hide_env_values = true,
        value_name = "SECRET",
        requires = "webhook_url"
    )]
    webhook_secret: Option<String>,
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// The JSON Lines file to import.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Directory of the store; created if missing.
    #[arg(
        long,
        env = "EMPORIUM_DATA_DIR",
        default_value = "./emporium-data",
        value_name = "DIR"
    )]
    data_dir: PathBuf,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Import(args) => import(args),
        Command::Backup(args) => backup(args),
        Command::Restore(args) => restore(args),
    }
}

fn backup(args: BackupArgs) -> Result<()> {
    let Some(dest) = args.dest.or(args.to) else {
        anyhow::bail!("give the backup's destination: emporium backup DEST");
    };
    let store = args.data_dir.join(emporium::store::STORE_FILE_NAME);
    if !store.exists() {
        anyhow::bail!("{} holds no Emporium store", args.data_dir.display());
    }
    let engine = Engine::open(&args.data_dir).with_context(|| {
        format!(
            "cannot open the store in {} (if a server has it open, use POST /v1/admin/backup)",
            args.data_dir.display()
        )
    })?;
    let report = engine
        .backup(&dest)
        .with_context(|| format!("backup into {} failed", dest.display()))?;
    drop(engine);
    let manifest = &report.manifest;
    println!(
        "backed up {} products, {} orders, events up to {} ({} bytes) into {} in {:.2} s",
        manifest.products,
        manifest.orders,
        manifest.last_event_seq,
        manifest.store_bytes,
        report.dir.display(),
        report.elapsed.as_secs_f64()
    );
    Ok(())
}

fn restore(args: RestoreArgs) -> Result<()> {
    let Some(src) = args.src.or(args.from) else {
        anyhow::bail!("give the backup to restore: emporium restore SRC");
    };
    let manifest = emporium::store::restore(&src, &args.data_dir).with_context(|| {
        format!(
            "cannot restore {} into {}",
            src.display(),
            args.data_dir.display()
        )
    })?;
    println!(
        "restored {} products, {} orders, events up to {} (taken {}) into {}; \
         the search index is rebuilt on the next start",
        manifest.products,
        manifest.orders,
        manifest.last_event_seq,
        manifest.created_at.to_rfc3339(),
        args.data_dir.display()
    );
    Ok(())
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}

fn serve(args: ServeArgs) -> Result<()> {
    let first_start = is_missing_or_empty(&args.data_dir)?;
    let load_demo = !args.no_demo && first_start;
    if args.cors_origins.len() > CORS_ORIGINS_MAX {
        anyhow::bail!("at most {CORS_ORIGINS_MAX} --cors-origin values are accepted");
    }
    let mut engine_config =
        emporium::Config::new(emporium::StoreLocation::Directory(args.data_dir.clone()));
    if let (Some(url), Some(secret)) = (&args.webhook_url, &args.webhook_secret) {
        let webhook = emporium::notifications::WebhookConfig::new(url.clone(), secret.as_bytes());
        webhook
            .validate()
            .map_err(|error| anyhow::anyhow!("--webhook-{}: {error}", error.field))?;
        engine_config.notifications.sink = emporium::notifications::SinkConfig::Webhook(webhook);
    }
    let engine = Engine::open_with(engine_config)
        .with_context(|| format!("cannot open the store in {}", args.data_dir.display()))?;
    let demo_admin = ensure_admin(&engine, &args, first_start)?;
    let config = ServerConfig {
        body_limit_bytes: usize::try_from(args.body_limit).context("--body-limit is too large")?,
        rate_limit_per_second: args.rate_limit,
        cors_origins: args.cors_origins.clone(),
        startup: if load_demo {
            Startup::pending()
        } else {
            Startup::finished()
        },
        ..ServerConfig::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let outcome = runtime.block_on(serve_until_signal(
        engine.clone(),
        &args.listen,
        config,
        load_demo,
        demo_admin,
    ));
    runtime.shutdown_timeout(RUNTIME_SHUTDOWN_TIMEOUT);
    // The last handle: dropping it stops the committer after its last batch is on disk.
    drop(engine);
    tracing::info!("stopped");
    outcome
}

/// The name given to an admin account the CLI creates.
const ADMIN_NAME: &str = "Admin";
/// The demo admin's email (API.md's CLI contract).
const DEMO_ADMIN_EMAIL: &str = "admin@emporium.local";
/// Characters in the demo admin's random password (about 119 bits).
const DEMO_PASSWORD_CHARS: usize = 20;

/// `--admin-email`/`--admin-password` → that admin exists. Without them, on a first
/// start, a demo admin with a random password; its credentials are returned to be
/// printed once, after the `listening on` line.
fn ensure_admin(engine: &Engine, args: &ServeArgs, first_start: bool) -> Result<Option<String>> {
    if let (Some(email), Some(password)) = (&args.admin_email, &args.admin_password) {
        let admin = engine
            .ensure_admin(email, password, ADMIN_NAME)
            .map_err(|error| anyhow::anyhow!("--admin-email/--admin-password: {error}"))?;
        tracing::info!(email = %admin.email, "admin account ensured");
        return Ok(None);
    }
    if !first_start {
        return Ok(None);
    }
    let password = random_password()?;
    engine
        .ensure_admin(DEMO_ADMIN_EMAIL, &password, ADMIN_NAME)
        .context("cannot create the demo admin")?;
    Ok(Some(format!("demo admin: {DEMO_ADMIN_EMAIL} / {password}")))
}

/// Letters and digits from the operating system's RNG (without look-alikes such as
/// `0`/`O`, so it can be typed from a screen).
fn random_password() -> Result<String> {
    use rand::TryRngCore;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut password = String::with_capacity(DEMO_PASSWORD_CHARS);
    let mut byte = [0u8; 1];
    while password.len() < DEMO_PASSWORD_CHARS {
        rand::rngs::OsRng
            .try_fill_bytes(&mut byte)
            .context("the operating system's RNG failed")?;
        // Rejection sampling: only bytes below the largest multiple of the alphabet's
        // size, so every character is equally likely.
        let limit = 256 - 256 % ALPHABET.len();
        if usize::from(byte[0]) < limit {
            password.push(char::from(ALPHABET[usize::from(byte[0]) % ALPHABET.len()]));
        }
    }
    Ok(password)
}

async fn serve_until_signal(
    engine: Engine,
    listen: &str,
    config: ServerConfig,
    load_demo: bool,
    demo_admin: Option<String>,
) -> Result<()> {
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr().context("no local address")?;
    // Signal handlers go in before the address is announced: a supervisor (or a test)
    // may send SIGTERM as soon as it reads it.
    let shutdown = shutdown_signal()?;
    announce(address, demo_admin.as_deref())?;
    let cancel_demo = Arc::new(AtomicBool::new(false));
    let demo = load_demo.then(|| {
        let (engine, startup, cancel) = (
            engine.clone(),
            config.startup.clone(),
            Arc::clone(&cancel_demo),
        );
        tokio::task::spawn_blocking(move || load_demo_catalog(&engine, &startup, &cancel, address))
    });
    emporium_server::run(engine, listener, config, shutdown).await;
    cancel_demo.store(true, std::sync::atomic::Ordering::Relaxed);
    if let Some(demo) = demo {
        // Stops at the next chunk boundary; a chunk in the committer is finished first.
        let _ = demo.await;
    }
    Ok(())
}

/// The first line on stdout: tests and scripts read the port from it. The demo admin's
/// credentials follow on the next line, on stdout only, never in the log.
fn announce(address: SocketAddr, demo_admin: Option<&str>) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on http://{address}").context("cannot write to stdout")?;
    if let Some(credentials) = demo_admin {
        writeln!(stdout, "{credentials}").context("cannot write to stdout")?;
    }
    stdout.flush().context("cannot write to stdout")?;
    tracing::info!(%address, "listening");
    Ok(())
}

/// Completes on the first SIGTERM or SIGINT (Ctrl-C).
fn shutdown_signal() -> Result<impl Future<Output = ()>> {
    let mut terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => tracing::info!("SIGTERM: shutting down"),
            _ = interrupt.recv() => tracing::info!("SIGINT: shutting down"),
        }
    })
}

fn load_demo_catalog(engine: &Engine, startup: &Startup, cancel: &AtomicBool, address: SocketAddr) {
    tracing::info!("empty data directory: loading the sample catalog");
    match demo::load_sample(engine, cancel) {
        Ok(summary) => tracing::info!(
            imported = summary.imported,
            rejected = summary.rejected,
            seconds = summary.elapsed.as_secs_f64(),
            "sample catalog loaded; browse http://{address}/v1/products"
        ),
        Err(ImportError::Cancelled) => {
            tracing::warn!("shutdown interrupted the sample catalog load; it stays partial")
        }
        Err(error) => tracing::error!(%error, "the sample catalog failed to load"),
    }
    // Ready even after a failed load: the server itself works, and the log says why
    // the shelves are bare.
    startup.finish();
}

fn is_missing_or_empty(dir: &Path) -> Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(error) => Err(error).with_context(|| format!("cannot read {}", dir.display())),
    }
}

fn import(args: ImportArgs) -> Result<()> {
    let file =
        File::open(&args.file).with_context(|| format!("cannot open {}", args.file.display()))?;
    let total_bytes = file.metadata().map(|meta| meta.len()).unwrap_or(0);
    let engine = Engine::open(&args.data_dir)
        .with_context(|| format!("cannot open the store in {}", args.data_dir.display()))?;
    let bar = ProgressBar::new(total_bytes);
    let template =
        "{elapsed_precise} [{wide_bar}] {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta})";
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    let observer = ProgressReport { bar: bar.clone() };
    let input = BufReader::with_capacity(1 << 20, file);
    let outcome = import_jsonl(&engine, input, &observer, &AtomicBool::new(false));
    bar.finish_and_clear();
    let summary = outcome.with_context(|| format!("import of {} stopped", args.file.display()))?;
    let seconds = summary.elapsed.as_secs_f64();
    let rate = summary.imported as f64 / seconds.max(1e-9);
    println!(
        "imported {} products, rejected {} lines, in {seconds:.2} s ({rate:.0} products/s)",
        summary.imported, summary.rejected
    );
    drop(engine);
    Ok(())
}

/// Progress on stderr: the bar (when stderr is a terminal) and every refused line.
struct ProgressReport {
    bar: ProgressBar,
}

impl ImportObserver for ProgressReport {
    fn read(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn rejected(&self, rejection: &LineRejection) {
        // `suspend`, not `println`: `println` prints nothing when the bar is hidden
        // (stderr not a terminal), and a refused line must always be reported.
        self.bar.suspend(|| eprintln!("{rejection}"));
    }
}
