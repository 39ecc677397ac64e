//! `bench-server generated|handwritten PORT`: a server for the load generator.

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_default();
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let page = workspace_benches::page(50);
    let router = match kind.as_str() {
        "generated" => workspace_benches::generated(page),
        "handwritten" => workspace_benches::handwritten(page),
        other => {
            eprintln!("bench-server: unknown server `{other}` (generated or handwritten)");
            std::process::exit(2);
        }
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!(
        "bench-server {kind} listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, router).await
}
