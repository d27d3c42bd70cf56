//! The store's metadata on a real nats-server (Debian's `nats-server`, started here with JetStream on a temporary
//! directory): what one host writes another reads at once, conditions hold across hosts, sequences are unique,
//! and a batch whose writer died after its intent is replayed by the next reader.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lambkin_cluster::{Cluster, ClusterConfig};
use lambkin_store::{Expect, Op, StoreError};

/// The server, the store directory it keeps while it runs, and its port.
struct Server(Child, #[allow(dead_code)] tempfile::TempDir, u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn nats() -> Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let dir = tempfile::tempdir().expect("temporary directory");
    let child = Command::new("nats-server")
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server is installed (scripts/install-test-deps.sh)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nats-server did not listen");
        std::thread::sleep(Duration::from_millis(20));
    }
    Server(child, dir, port)
}

fn host(rt: &tokio::runtime::Runtime, server: &Server, id: &str) -> Arc<Cluster> {
    rt.block_on(Cluster::connect(ClusterConfig {
        servers: vec![format!("nats://127.0.0.1:{}", server.2)],
        host_id: id.into(),
        api: "http://127.0.0.1:1".into(),
        replicas: Some(1),
        ..ClusterConfig::default()
    }))
    .expect("connects")
}

fn put(table: &str, key: &str, value: &str, expect: Expect) -> Op {
    Op::Put {
        table: table.into(),
        key: key.into(),
        value: value.as_bytes().to_vec(),
        expect,
    }
}

fn value(c: &Cluster, table: &str, key: &str) -> Option<String> {
    c.shared()
        .metadata
        .get(table, key)
        .expect("read")
        .map(|r| String::from_utf8(r.value).expect("utf-8"))
}

#[test]
fn hosts_share_one_consistent_metadata() {
    let server = nats();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (a, b) = (host(&rt, &server, "a"), host(&rt, &server, "b"));
    let (ma, mb) = (a.shared().metadata, b.shared().metadata);

    // A batch written on one host is read whole on the other, at once.
    ma.apply(vec![
        put("functions", "us-east-1/f", "F", Expect::Absent),
        put("versions", "us-east-1/f/0000000001", "V1", Expect::Absent),
        put("aliases", "us-east-1/f/$LATEST", "A", Expect::Any),
    ])
    .expect("batch");
    assert_eq!(value(&b, "functions", "us-east-1/f").as_deref(), Some("F"));
    assert_eq!(
        value(&b, "aliases", "us-east-1/f/$LATEST").as_deref(),
        Some("A")
    );
    let listed = mb.list("versions", "us-east-1/f/", None, 10).expect("list");
    assert_eq!(listed.len(), 1);

    // Conditions are checked against every host's writes; a failed batch changes nothing.
    let r = mb.apply(vec![
        put("functions", "us-east-1/g", "G", Expect::Absent),
        put("functions", "us-east-1/f", "F2", Expect::Absent),
    ]);
    assert!(matches!(r, Err(StoreError::Conflict { .. })), "{r:?}");
    assert_eq!(value(&a, "functions", "us-east-1/g"), None);
    let rev = ma
        .get("functions", "us-east-1/f")
        .expect("read")
        .expect("f")
        .revision;
    mb.apply(vec![put(
        "functions",
        "us-east-1/f",
        "F3",
        Expect::Revision(rev),
    )])
    .expect("compare-and-set");
    let stale = ma.apply(vec![put(
        "functions",
        "us-east-1/f",
        "F4",
        Expect::Revision(rev),
    )]);
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );

    // A prefix deletion removes exactly the prefix's keys.
    ma.apply(vec![Op::delete_prefix("versions", "us-east-1/f/")])
        .expect("delete prefix");
    assert!(mb.list("versions", "", None, 10).expect("list").is_empty());

    // Sequences drawn on two hosts at once never repeat.
    let drawn: Vec<u64> = std::thread::scope(|s| {
        let hs: Vec<_> = [ma.clone(), mb.clone()]
            .into_iter()
            .map(|m| {
                s.spawn(move || {
                    (0..10)
                        .map(|_| m.next_sequence("layer:x").expect("seq"))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        hs.into_iter()
            .flat_map(|h| h.join().expect("thread"))
            .collect()
    });
    let mut sorted = drawn.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (1..=20).collect::<Vec<u64>>());
}

#[test]
fn a_dead_writers_batch_is_replayed_by_the_next_reader() {
    use base64::Engine as _;
    let server = nats();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let a = host(&rt, &server, "a");
    let ma = a.shared().metadata;
    ma.apply(vec![put("t", "old", "gone soon", Expect::Absent)])
        .expect("seed");
    // A writer that died after its intent: the intent alone is in the bucket.
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let intent = serde_json::json!({
        "host": "dead",
        "writes": [
            {"table": "t", "key": "k1", "value": b64("one")},
            {"table": "t", "key": "k2", "value": b64("two")},
            {"table": "t", "key": "old", "value": null},
        ],
    });
    rt.block_on(async {
        let client = async_nats::connect(format!("127.0.0.1:{}", server.2))
            .await
            .expect("raw client");
        let js = async_nats::jetstream::new(client);
        js.publish("$KV.lambkin._txn", intent.to_string().into())
            .await
            .expect("publish")
            .await
            .expect("stored");
    });
    // The next read waits for the intent, then replays it: all of it, once.
    let t = Instant::now();
    assert_eq!(value(&a, "t", "k1").as_deref(), Some("one"));
    assert!(
        t.elapsed() >= Duration::from_secs(1),
        "read before the intent was replayed"
    );
    assert_eq!(value(&a, "t", "k2").as_deref(), Some("two"));
    assert_eq!(value(&a, "t", "old"), None);
    // And the bucket is writable again.
    ma.apply(vec![
        put("t", "k3", "three", Expect::Absent),
        put("t", "k4", "four", Expect::Absent),
    ])
    .expect("write after the replay");
    assert_eq!(value(&a, "t", "k4").as_deref(), Some("four"));
}
