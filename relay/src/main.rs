//! The `phemossa-relay` binary: parses flags, sets up logging, starts the relay, prints its
//! addresses on stdout and serves until SIGTERM or SIGINT, then exits 0 after a clean shutdown.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    native::main()
}

/// The relay is native-only; on wasm32 this binary is an empty stub so workspace-wide wasm
/// builds pass.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::{io::IsTerminal, process::ExitCode};

    use clap::Parser;
    use phemossa_relay::{Args, Relay};
    use tokio::{
        signal::unix::{signal, SignalKind},
        sync::oneshot,
    };
    use tracing_subscriber::EnvFilter;

    /// Log filter when RUST_LOG is unset: our events at info, webrtc-rs's chatter muted.
    const DEFAULT_LOG: &str = "info,webrtc=warn,webrtc_ice=warn,webrtc_sctp=warn,webrtc_dtls=warn,webrtc_mdns=warn,webrtc_srtp=warn";

    #[tokio::main]
    pub async fn main() -> ExitCode {
        let args = Args::parse();
        tracing_subscriber::fmt()
            .with_env_filter(
                EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG)),
            )
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .init();

        let config = match args.into_config() {
            Ok(c) => c,
            Err(e) => return fail(e),
        };

        // Signals are caught from the start, so one arriving while the relay is still starting
        // also ends it cleanly.
        let (stop_tx, mut stop_rx) = oneshot::channel::<&'static str>();
        let (mut term, mut int) = match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(t), Ok(i)) => (t, i),
            (Err(e), _) | (_, Err(e)) => {
                return fail(format!("cannot install signal handlers: {e}"))
            }
        };
        tokio::spawn(async move {
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            };
            let _ = stop_tx.send(name);
        });

        let relay = tokio::select! {
            r = Relay::start(config) => match r {
                Ok(relay) => relay,
                Err(e) => return fail(e),
            },
            name = &mut stop_rx => {
                tracing::info!(signal = name.unwrap_or("?"), "stopped while starting");
                return ExitCode::SUCCESS;
            }
        };

        for addr in relay.listen_addrs() {
            println!("phemossa-relay listening on {addr}");
        }
        if relay.advertised_addrs() != relay.listen_addrs() {
            for addr in relay.advertised_addrs() {
                println!("phemossa-relay advertising {addr}");
            }
        }

        let shutdown = async move {
            if let Ok(name) = stop_rx.await {
                tracing::info!(signal = name, "received signal");
            }
        };
        match relay.run(shutdown).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(e),
        }
    }

    fn fail(e: impl std::fmt::Display) -> ExitCode {
        tracing::error!("{e}");
        eprintln!("phemossa-relay: {e}");
        ExitCode::FAILURE
    }
}
