//! The Discord double as a standalone server, for load tests and trying the
//! bot by hand: `discord-double --port 3900`, then run the bot with
//! `BRIEFBOT_DISCORD_API=http://127.0.0.1:3900`.

use std::path::PathBuf;

use clap::Parser;

#[derive(Parser)]
#[command(about = "A fake Discord (REST + gateway) on 127.0.0.1 for testing bots")]
struct Args {
    /// Port to listen on.
    #[arg(long, default_value_t = 3900)]
    port: u16,
    /// Discord's openapi.json, to check every request body against
    /// (default: DISCORD_OPENAPI_SPEC).
    #[arg(long)]
    spec: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> Result<(), String> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let args = Args::parse();
    let spec = match args.spec {
        Some(path) => Some(path),
        None => discord_double::spec_from_env()?,
    };
    let double = discord_double::Double::start(spec.as_deref(), args.port).await?;
    println!("Discord double listening at {}", double.base_url());
    let _ = tokio::signal::ctrl_c().await;
    let problems = double.problems();
    println!(
        "{} requests, {} that Discord would reject",
        double.requests().len(),
        problems.len()
    );
    for problem in problems {
        println!("  {problem}");
    }
    Ok(())
}
