//! README's first example calls an `https` URL with a client built with its
//! default features: the client must speak TLS there.

use tokio::io::AsyncReadExt;

#[tokio::test]
async fn an_https_base_url_speaks_tls_with_the_default_features() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    // The first byte a client sends: 0x16 opens a TLS handshake record.
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut first = [0u8; 1];
        socket.read_exact(&mut first).await.unwrap();
        first[0]
    });
    let client =
        cloud_foundry_client::Client::with_bearer_token(&format!("https://{address}"), "token")
            .unwrap();
    let call = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        client.list_audit_events().send(),
    );
    let (_, first) = tokio::join!(
        call,
        tokio::time::timeout(std::time::Duration::from_secs(5), server)
    );
    let first = first
        .expect("the client never connected: does it lack TLS?")
        .unwrap();
    assert_eq!(first, 0x16, "the client opened with a TLS handshake");
}
