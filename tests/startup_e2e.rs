//! Start-up never half-starts: `briefbot run` as a process against the
//! double, with Discord failing the calls start-up makes. The bot either
//! becomes fully ready (and tells systemd so) or exits non-zero with the
//! reason; while registration is retried, commands and posts already work.

use std::io::Read;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use briefbot::domain::schedule::Rule;
use briefbot::samples::load_samples;
use briefbot::store::{Content, ScheduleSpec, Store};
use discord_double::{Double, Fault, APPLICATION_ID, GUILD_ID, MEMBER_ID};
use serde_json::json;

const LIMIT: Duration = Duration::from_secs(30);
const COMMANDS: &str = "applications/";

fn registration_path() -> String {
    format!("applications/{APPLICATION_ID}/commands")
}

/// systemd's side of `sd_notify`: a datagram socket whose messages arrive
/// on the receiver.
struct Supervisor {
    path: std::path::PathBuf,
    messages: mpsc::Receiver<String>,
}

impl Supervisor {
    fn listen(dir: &Path) -> Supervisor {
        let path = dir.join("notify.sock");
        let socket = UnixDatagram::bind(&path).unwrap();
        let (send, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = socket.recv(&mut buffer) {
                if send
                    .send(String::from_utf8_lossy(&buffer[..n]).into_owned())
                    .is_err()
                {
                    return;
                }
            }
        });
        Supervisor { path, messages }
    }

    /// The first message containing `line`, waiting at most `limit`.
    fn wait_for(&self, line: &str, limit: Duration) -> Result<String, String> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(message) if message.lines().any(|l| l == line) => return Ok(message),
                Ok(_) => continue,
                Err(_) => return Err(format!("no {line} within {limit:?}")),
            }
        }
    }
}

fn start(dir: &Path, double: &Double, supervisor: &Supervisor, env: &[(&str, &str)]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_briefbot"));
    command
        .current_dir(dir)
        .args(["--db", "library.db", "run"])
        .env("DISCORD_TOKEN", "MTEwMDAw.startup.test")
        .env("BRIEFBOT_DISCORD_API", double.base_url())
        .env("BRIEFBOT_RETRY_BASE_MS", "20")
        .env("BRIEFBOT_LOG", "info")
        .env("NOTIFY_SOCKET", &supervisor.path)
        .env_remove("BRIEFBOT_CONFIG")
        .env_remove("WATCHDOG_USEC")
        .env_remove("WATCHDOG_PID")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    command.spawn().expect("briefbot starts")
}

/// Waits (bounded) for the process to exit on its own; its status and log.
fn exit_of(mut bot: Child, limit: Duration) -> (ExitStatus, String) {
    let mut stderr = bot.stderr.take().unwrap();
    let (done, exited) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(bot.wait());
    });
    let status = exited.recv_timeout(limit).unwrap_or_else(|_| {
        panic!("the bot did not exit within {limit:?}");
    });
    let mut log = String::new();
    stderr.read_to_string(&mut log).unwrap();
    (status.unwrap(), log)
}

fn stop(bot: Child) -> (ExitStatus, String) {
    let status = Command::new("kill")
        .args(["-TERM", &bot.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    exit_of(bot, LIMIT)
}

fn library_with_a_due_post(dir: &Path) {
    let mut store = Store::open(&dir.join("library.db")).unwrap();
    load_samples(&mut store).unwrap();
    let latest = store.latest_briefing(None).unwrap().unwrap().id;
    let now = chrono::Utc::now().timestamp_millis();
    let spec = ScheduleSpec {
        channel_id: 800_001,
        rule: Rule::Once(chrono::Utc::now().naive_utc()),
        timezone: None,
        content: Content::Briefing(latest),
    };
    store
        .add_schedule(GUILD_ID, &spec, now, MEMBER_ID, now)
        .unwrap();
}

fn registrations(double: &Double) -> usize {
    double.with_requests(|r| {
        r.iter()
            .filter(|r| r.method == "PUT" && r.path == registration_path())
            .count()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_faults_at_start_up_are_retried_until_the_bot_is_ready() {
    let dir = tempfile::tempdir().unwrap();
    let double = Double::start(None, 0).await.unwrap();
    // Each kind of failure a start-up call meets, one after the other.
    double.inject(COMMANDS, Fault::ServerError(500), 2);
    double.inject(COMMANDS, Fault::RateLimited { retry_after: 0.2 }, 1);
    double.inject(COMMANDS, Fault::LostResponse(502), 1);
    let supervisor = Supervisor::listen(dir.path());
    let bot = start(dir.path(), &double, &supervisor, &[]);

    supervisor
        .wait_for("READY=1", LIMIT)
        .expect("the bot tells systemd it is ready once registration got through");
    assert_eq!(
        registrations(&double),
        5,
        "four failed attempts, then one that took"
    );
    // Ready means answering.
    answers_a_command(&double).await;

    let (status, log) = stop(bot);
    assert!(status.success(), "{status:?}\n{log}");
    assert_eq!(
        log.matches("could not register the commands; trying again")
            .count(),
        4,
        "each failed attempt is logged with its reason:\n{log}"
    );
    assert!(
        log.contains("ready: connected, commands registered, delivering"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_that_cannot_register_keeps_working_then_exits_non_zero_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    library_with_a_due_post(dir.path());
    let double = Double::start(None, 0).await.unwrap();
    double.inject_randomly(COMMANDS, Fault::ServerError(503), 1.0);
    let supervisor = Supervisor::listen(dir.path());
    let bot = start(
        dir.path(),
        &double,
        &supervisor,
        &[("BRIEFBOT_DISCORD_READY_WITHIN_SECONDS", "6")],
    );

    // Registration failing does not hold back deliveries or commands.
    double
        .wait_for(LIMIT, "the due post", |d| {
            (!d.channel_messages(800_001).is_empty()).then_some(())
        })
        .await
        .unwrap();
    answers_a_command(&double).await;

    let (status, log) = exit_of(bot, LIMIT);
    assert!(
        !status.success(),
        "a bot that cannot get ready exits non-zero"
    );
    assert!(
        log.contains("start-up failed: not ready within 6 s: the commands are not registered (last problem: registering the commands:"),
        "the reason is logged:\n{log}"
    );
    assert!(
        supervisor.wait_for("READY=1", Duration::ZERO).is_err(),
        "never told systemd it was ready"
    );
    assert!(registrations(&double) >= 3, "registration was retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_registration_ends_start_up_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let double = Double::start(None, 0).await.unwrap();
    double.inject(COMMANDS, Fault::MissingAccess, 1);
    let supervisor = Supervisor::listen(dir.path());
    let started = std::time::Instant::now();
    let bot = start(dir.path(), &double, &supervisor, &[]);
    let (status, log) = exit_of(bot, LIMIT);
    assert!(!status.success());
    assert!(
        log.contains("start-up failed: Discord refused the command registration"),
        "{log}"
    );
    assert_eq!(registrations(&double), 1, "a refusal is not retried");
    // Well inside the two-minute bound: a refusal does not wait it out.
    assert!(started.elapsed() < LIMIT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_health_endpoint_and_the_watchdog_say_what_the_bot_is_doing() {
    let dir = tempfile::tempdir().unwrap();
    let double = Double::start(None, 0).await.unwrap();
    // Registration fails at first, so the endpoint is seen unready.
    double.inject_randomly(COMMANDS, Fault::ServerError(500), 1.0);
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let address = format!("127.0.0.1:{port}");
    let supervisor = Supervisor::listen(dir.path());
    let bot = start(
        dir.path(),
        &double,
        &supervisor,
        &[
            ("BRIEFBOT_HEALTH_LISTEN", &address),
            ("WATCHDOG_USEC", "400000"),
        ],
    );
    supervisor
        .wait_for("WATCHDOG=1", LIMIT)
        .expect("the watchdog is pinged");
    let (status, body) = health(&address, LIMIT).await;
    assert_eq!(status, 503, "{body}");
    let report: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["ready"], false);
    assert_eq!(report["commands_registered"], false);
    assert!(
        report["problem"]
            .as_str()
            .unwrap()
            .contains("registering the commands"),
        "{report}"
    );

    double.clear_faults();
    supervisor
        .wait_for("READY=1", LIMIT)
        .expect("ready once Discord takes the commands");
    let (status, body) = health(&address, LIMIT).await;
    assert_eq!(status, 200, "{body}");
    let report: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["delivery_loop"], "running");
    assert_eq!(report["database"], "ok");
    assert_eq!(report["gateway"]["shards_connected"], 1);

    let (status, log) = stop(bot);
    assert!(status.success(), "{log}");
}

#[test]
fn a_health_address_beyond_loopback_is_refused_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_briefbot"))
        .current_dir(dir.path())
        .args(["--db", "library.db", "run"])
        .env("DISCORD_TOKEN", "MTEwMDAw.startup.test")
        .env("BRIEFBOT_DISCORD_API", "http://127.0.0.1:9")
        .env("BRIEFBOT_HEALTH_LISTEN", "0.0.0.0:8091")
        .env_remove("BRIEFBOT_CONFIG")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is not a loopback address"), "{stderr}");
}

/// `/briefing latest` is answered.
async fn answers_a_command(double: &Double) {
    let latest = double
        .send_command(
            "briefing",
            json!([{ "name": "latest", "type": 1, "options": [] }]),
        )
        .unwrap();
    double.callback(&latest, LIMIT).await.unwrap();
}

/// `GET /health` (the endpoint listens before the gateway connects, so
/// before the first watchdog ping): status and body, within `limit`.
async fn health(address: &str, limit: Duration) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    tokio::time::timeout(limit, async {
        let mut stream = tokio::net::TcpStream::connect(address)
            .await
            .expect("the health endpoint listens");
        stream
            .write_all(b"GET /health HTTP/1.1\r\nhost: localhost\r\n\r\n")
            .await
            .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        let status = response[9..12].parse().unwrap();
        let body = response
            .split("\r\n\r\n")
            .nth(1)
            .unwrap_or_default()
            .to_string();
        (status, body)
    })
    .await
    .expect("the health endpoint answers in time")
}
