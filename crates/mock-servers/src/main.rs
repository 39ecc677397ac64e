//! `mock-server <service> [--port N]`: serve one service's mock until Ctrl-C.
//! `mock-server --list`: the services there are mocks for, one per line.

use std::path::PathBuf;

use clap::Parser;
use mock_servers::{DEFAULT_TOKEN, DEFAULT_TOKEN_ID, Options, Service};

#[derive(Parser)]
#[command(about = "Serve an in-memory mock of one audit API, built on its generated server stub")]
struct Cli {
    /// Which service to mock.
    #[arg(required_unless_present = "list")]
    service: Option<Service>,
    /// Print the services there are mocks for (their spec names), one per line, and exit.
    #[arg(long)]
    list: bool,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The only credential accepted (bearer token or API key).
    #[arg(long, default_value = DEFAULT_TOKEN)]
    token: String,
    /// The token id of signed requests (BloodHound); `--token` is then the token key.
    #[arg(long, default_value = DEFAULT_TOKEN_ID)]
    token_id: String,
    /// How many items to generate.
    #[arg(long, default_value_t = 120)]
    items: usize,
    /// A JSON file with an array of the service's items, instead of generated data.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Answer the first requests with these statuses (comma-separated, e.g. 429,503), to test retries.
    #[arg(long, value_delimiter = ',')]
    fail_first: Vec<u16>,
    /// Wait this many milliseconds before every answer (a network round trip, for benchmarks).
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Break the contract on purpose (drop a field of every body), to check that conformance tests notice.
    #[arg(long, hide = true)]
    nonconforming: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let Some(service) = cli.service else {
        for service in <Service as clap::ValueEnum>::value_variants() {
            if let Some(name) = clap::ValueEnum::to_possible_value(service) {
                println!("{}", name.get_name());
            }
        }
        return Ok(());
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", cli.port)).await?;
    let address = listener.local_addr()?;
    let options = Options {
        token: cli.token,
        token_id: cli.token_id,
        items: cli.items,
        data: cli.data,
        base_url: format!("http://{address}"),
        nonconforming: cli.nonconforming,
        latency: std::time::Duration::from_millis(cli.latency_ms),
        ..Options::default()
    };
    for status in cli.fail_first {
        options.faults.push(status);
    }
    let app = mock_servers::router(service, &options)?;
    eprintln!(
        "{service:?} mock listening on http://{address} (token: {})",
        options.token
    );
    api_support::server::serve(
        listener,
        app,
        api_support::server::ServeLimits::default(),
        async {
            let _ = tokio::signal::ctrl_c().await;
        },
    )
    .await;
    Ok(())
}
