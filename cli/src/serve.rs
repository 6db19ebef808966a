//! `aftercare serve`: the pages (SPEC 6) on 127.0.0.1 and the scheduled
//! work (due surveys, reminders, alerts, mail retries, call sheets,
//! morning emails) on the real clock, in one process. SIGTERM or Ctrl-C
//! stops taking requests, lets the unit of work in progress finish, and
//! exits.

use aftercare_shared::ports::SystemClock;
use aftercare_shared::services::{Aftercare, Budget};
use anyhow::{Context, Result};
use chrono::Utc;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The longest the scheduler sleeps: answers and events arriving through
/// the pages change what is due, so it looks again at least this often.
const MAX_SLEEP: Duration = Duration::from_secs(15);
/// How long one round of due work may run before it yields to the next.
const ROUND_BUDGET: Duration = Duration::from_secs(30);

pub async fn serve(service: Aftercare, listen: SocketAddr, data: &std::path::Path) -> Result<()> {
    let service = Arc::new(service);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let local = listener.local_addr().context("reading the bound address")?;
    say!(
        "aftercare serve: listening on http://{local} (data in {}); Ctrl-C stops",
        data.display()
    );
    let (stop, stopped) = watch::channel(false);
    let worker = tokio::spawn(scheduled_work(service.clone(), stopped));
    let app = aftercare_web::router(service, Arc::new(SystemClock));
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        })
        .await
        .context("serving the pages")?;
    worker
        .await
        .context("the scheduled work stopped abnormally")?;
    eprintln!("aftercare serve: stopped");
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Runs what is due, sleeps until the next due time (at most
/// [`MAX_SLEEP`]), until told to stop; a round in progress always
/// finishes its unit of work. A failing round is logged and retried on
/// the next one: the pages keep serving.
async fn scheduled_work(service: Arc<Aftercare>, mut stopped: watch::Receiver<bool>) {
    loop {
        if *stopped.borrow() {
            return;
        }
        let now = Utc::now();
        let round = async {
            let run = service
                .run_due(now, Budget::until(Instant::now() + ROUND_BUDGET))
                .await?;
            service.call_sheets(now).await?;
            service.morning_report(now).await?;
            Ok::<_, aftercare_shared::services::ServiceError>(run)
        };
        match round.await {
            Ok(run) if run.settled + run.failed > 0 => {
                tracing::info!(settled = run.settled, failed = run.failed, "due work ran")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "a round of due work failed; retrying soon"),
        }
        // Nothing due, or the store unreachable: look again after MAX_SLEEP.
        let sleep = match service.next_due().await {
            Ok(Some(next)) => (next - Utc::now()).to_std().unwrap_or(Duration::ZERO),
            _ => MAX_SLEEP,
        }
        .clamp(Duration::from_millis(100), MAX_SLEEP);
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {},
            _ = stopped.changed() => {},
        }
    }
}
