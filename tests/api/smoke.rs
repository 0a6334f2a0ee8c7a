//! One request over a real TCP port, as a client outside the process makes it.

use std::io::{Read, Write};

use poem::Server;
use poem::listener::{Acceptor, Listener, TcpListener};
use zhaoshang::{AppState, app};

use crate::helpers::TestApp;

#[tokio::test]
async fn serves_health_and_the_spec_on_a_real_port() {
    let test_app = TestApp::spawn().await;
    let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    let server = tokio::spawn(Server::new_with_acceptor(acceptor).run(app(AppState::new(test_app.db.clone()))));
    let fetch = move |path: &'static str| {
        tokio::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(addr).unwrap();
            write!(
                stream,
                "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            let mut response = String::new();
            stream.read_to_string(&mut response).unwrap();
            response
        })
    };
    let health = fetch("/health").await.unwrap();
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains(r#""status":"ok""#), "{health}");
    let docs = fetch("/docs").await.unwrap();
    assert!(docs.contains("swagger"), "{docs}");
    server.abort();
}
