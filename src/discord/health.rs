//! A tiny health endpoint for supervisors and load balancers: `GET /health`
//! on a loopback address answers 200 when the bot is ready and its
//! database answers, 503 otherwise, with a JSON body saying what is what.
//! Off unless `[health] listen` is set; it never listens beyond loopback.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serenity::all::ShardManager;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use super::startup::Readiness;
use super::DeliverySlot;
use crate::handlers::Handlers;

/// Requests answered at once; more wait for the listener.
const AT_ONCE: usize = 8;
/// A request's head must arrive within this, and fit in [`MAX_REQUEST`].
const READ_LIMIT: Duration = Duration::from_secs(2);
const MAX_REQUEST: usize = 2048;
const DATABASE_LIMIT: Duration = Duration::from_secs(2);

/// What the report is made of.
#[derive(Clone)]
pub struct Health {
    pub readiness: Readiness,
    pub handlers: Handlers,
    pub shards: Arc<ShardManager>,
    pub delivery: DeliverySlot,
}

/// Checks `listen` is a loopback address.
pub fn loopback_address(listen: &str) -> Result<SocketAddr, String> {
    let address: SocketAddr = listen.parse().map_err(|_| {
        format!("health.listen {listen:?} is not an address and port, such as 127.0.0.1:8091")
    })?;
    if !address.ip().is_loopback() {
        return Err(format!(
            "health.listen {listen:?} is not a loopback address: the health endpoint only listens on 127.0.0.1 or ::1"
        ));
    }
    Ok(address)
}

/// Serves the endpoint until the task is dropped.
pub async fn serve(listener: TcpListener, health: Health) {
    let permits = Arc::new(Semaphore::new(AT_ONCE));
    loop {
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            return;
        };
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!(error = %e, "health endpoint: could not accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let health = health.clone();
        tokio::spawn(async move {
            let _permit = permit;
            if let Err(e) = answer(stream, &health).await {
                tracing::debug!(error = %e, "health endpoint: request dropped");
            }
        });
    }
}

async fn answer(mut stream: TcpStream, health: &Health) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(256);
    let read = tokio::time::timeout(READ_LIMIT, async {
        let mut buffer = [0u8; 512];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_REQUEST {
            let n = stream.read(&mut buffer).await?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buffer[..n]);
        }
        Ok::<_, std::io::Error>(())
    })
    .await;
    if !matches!(read, Ok(Ok(()))) {
        return Ok(());
    }
    let line = String::from_utf8_lossy(head.split(|&b| b == b'\n').next().unwrap_or_default());
    let mut words = line.split_whitespace();
    let (status, body) = match (words.next(), words.next()) {
        (Some("GET"), Some("/health")) => {
            let (healthy, report) = report(health).await;
            (
                if healthy {
                    "200 OK"
                } else {
                    "503 Service Unavailable"
                },
                report,
            )
        }
        (Some("GET"), _) => (
            "404 Not Found",
            r#"{"error":"only /health is served"}"#.to_string(),
        ),
        _ => (
            "405 Method Not Allowed",
            r#"{"error":"only GET is served"}"#.to_string(),
        ),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// Whether all is well, and the report.
async fn report(health: &Health) -> (bool, String) {
    let progress = health.readiness.now();
    let (connected, shards) = {
        let runners = health.shards.runners.lock().await;
        let connected = runners
            .values()
            .filter(|r| r.stage == serenity::gateway::ConnectionStage::Connected)
            .count();
        (connected, runners.len())
    };
    let delivering = super::delivery_running(&health.delivery);
    let database = health.handlers.database_check(DATABASE_LIMIT).await;
    let healthy = progress.ready() && delivering && database.is_ok() && connected > 0;
    let report = serde_json::json!({
        "ready": progress.ready(),
        "gateway": { "shards_connected": connected, "shards": shards },
        "commands_registered": progress.commands_registered,
        "delivery_loop": if delivering { "running" } else { "stopped" },
        "database": match &database { Ok(()) => "ok".to_string(), Err(e) => e.clone() },
        "problem": progress.problem,
    });
    (healthy, report.to_string())
}
