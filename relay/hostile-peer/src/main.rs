//! The `phemossa-hostile-peer` binary: parses flags, logs to stderr, runs the hostile peer and
//! prints its reports as JSON lines on stdout until SIGTERM or SIGINT, then exits 0.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    native::main()
}

/// Native-only, like the relay: on wasm32 this binary is an empty stub. (The same few lines as
/// `relay/src/main.rs`: each binary needs its own `main`.)
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::process::ExitCode;

    use clap::Parser;
    use phemossa_hostile_peer::{run, Args, Report, Stdout};
    use serde_json::json;
    use tokio::signal::unix::{signal, SignalKind};
    use tracing_subscriber::EnvFilter;

    /// Log filter when RUST_LOG is unset: warnings only; stdout is for the JSON reports.
    const DEFAULT_LOG: &str = "warn";

    #[tokio::main]
    pub async fn main() -> ExitCode {
        let args = Args::parse();
        tracing_subscriber::fmt()
            .with_env_filter(
                EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG)),
            )
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .init();
        let config = match args.into_config() {
            Ok(c) => c,
            Err(e) => return fail(e),
        };
        let (mut term, mut int) = match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(t), Ok(i)) => (t, i),
            (Err(e), _) | (_, Err(e)) => {
                return fail(format!("cannot install signal handlers: {e}"))
            }
        };
        let mut out = Stdout;
        let mut stopped_by = "";
        let shutdown = async {
            stopped_by = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            };
        };
        let result = run(config, shutdown, &mut out).await;
        match result {
            Ok(()) => {
                out.report(json!({ "exit": stopped_by }));
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        }
    }

    fn fail(e: impl std::fmt::Display) -> ExitCode {
        println!("{}", json!({ "fatal": e.to_string() }));
        eprintln!("phemossa-hostile-peer: {e}");
        ExitCode::FAILURE
    }
}
