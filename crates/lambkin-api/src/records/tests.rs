//! The cascades, on a real store in a temporary directory.

use std::collections::BTreeMap;
use std::path::PathBuf;

use lambkin_store::{Expect, Store};

use super::*;
use crate::model::{
    AliasConfiguration, EphemeralStorage, EventInvokeConfig, FunctionConfiguration, FunctionRecord,
    LoggingConfig, ProvisionedSetting, TracingConfig, UrlConfig, VersionRecord,
};
use crate::records::events::QueuedEvent;

const REGION: &str = "us-east-1";

struct TempStore {
    dir: PathBuf,
    store: Store,
}

impl TempStore {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("lambkin-api-records-{}", uuid::Uuid::new_v4()));
        let store = Store::open(&dir).expect("store");
        Self { dir, store }
    }
}

impl Drop for TempStore {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn version(name: &str, v: &str) -> VersionRecord {
    VersionRecord {
        config: FunctionConfiguration {
            function_name: name.into(),
            function_arn: format!("arn:aws:lambda:{REGION}:123456789012:function:{name}"),
            runtime: Some("provided.al2023".into()),
            role: "arn:aws:iam::123456789012:role/r".into(),
            handler: Some("bootstrap".into()),
            code_size: 1,
            description: String::new(),
            timeout: 3,
            memory_size: 128,
            last_modified: String::new(),
            code_sha256: String::new(),
            version: v.into(),
            environment: None,
            tracing_config: TracingConfig {
                mode: "PassThrough".into(),
            },
            revision_id: uuid::Uuid::new_v4().to_string(),
            layers: Vec::new(),
            state: "Active".into(),
            state_reason: None,
            state_reason_code: None,
            last_update_status: "Successful".into(),
            last_update_status_reason: None,
            last_update_status_reason_code: None,
            package_type: "Zip".into(),
            architectures: vec!["x86_64".into()],
            ephemeral_storage: EphemeralStorage { size: 512 },
            snap_start: Default::default(),
            logging_config: LoggingConfig::default(),
            dead_letter_config: None,
            kms_key_arn: None,
            vpc_config: None,
            file_system_configs: Vec::new(),
            image_config_response: None,
            durable_config: None,
        },
        code_hex: "00".into(),
        unpacked_size: 1,
        layers: Vec::new(),
        image: None,
        source_kms_key_arn: None,
    }
}

fn function(name: &str) -> FunctionRecord {
    FunctionRecord {
        latest: version(name, "$LATEST"),
        tags: BTreeMap::from([("team".to_owned(), "a".to_owned())]),
        reserved_concurrency: Some(3),
        policy: vec![serde_json::json!({"Sid": "s"})],
        policy_revision: "p".into(),
        qualifier_policy_revisions: Default::default(),
        last_version: 0,
        published_description: None,
        incarnation: uuid::Uuid::new_v4().to_string(),
    }
}

fn url(name: &str, qualifier: Option<&str>) -> UrlConfig {
    UrlConfig {
        id: uuid::Uuid::new_v4().simple().to_string(),
        region: REGION.into(),
        account: "123456789012".into(),
        function: name.into(),
        qualifier: qualifier.map(str::to_owned),
        auth_type: "NONE".into(),
        invoke_mode: "BUFFERED".into(),
        cors: None,
        creation_time: String::new(),
        last_modified_time: String::new(),
    }
}

fn event(name: &str, qualifier: Option<&str>, id: &str) -> QueuedEvent {
    QueuedEvent {
        id: id.into(),
        enqueued_ms: 1,
        due_ms: 1,
        ..QueuedEvent::new(REGION, "123456789012", name, qualifier, b"")
    }
}

fn event_config(name: &str, q: &str) -> EventInvokeConfig {
    EventInvokeConfig {
        last_modified: 0.0,
        function_arn: format!("arn:aws:lambda:{REGION}:123456789012:function:{name}:{q}"),
        maximum_retry_attempts: Some(0),
        maximum_event_age_in_seconds: None,
        destination_config: Default::default(),
    }
}

fn provisioned_setting(name: &str, q: &str) -> ProvisionedSetting {
    ProvisionedSetting {
        region: REGION.into(),
        account: "123456789012".into(),
        function: name.into(),
        qualifier: q.into(),
        requested: 1,
        last_modified: String::new(),
    }
}

fn alias(name: &str, alias: &str, version: &str) -> AliasConfiguration {
    AliasConfiguration {
        alias_arn: format!("arn:aws:lambda:{REGION}:123456789012:function:{name}:{alias}"),
        name: alias.into(),
        function_version: version.into(),
        description: String::new(),
        revision_id: String::new(),
        routing_config: None,
    }
}

/// A function with one of everything it can own; returns its URL ids.
fn populate(store: &Store, name: &str) -> Vec<String> {
    let mut f = function(name);
    f.last_version = 1;
    let v1 = version(name, "1");
    functions::create(store, REGION, &f, Some(&v1)).expect("create");
    let (f, rev) = functions::get(store, REGION, name)
        .expect("get")
        .expect("exists");
    let mut v2 = version(name, "2");
    v2.config.description = "two".into();
    let mut f2 = f.clone();
    f2.last_version = 2;
    functions::save_and_publish(store, REGION, &f2, rev, 2, &v2).expect("publish");
    let live = alias(name, "live", "1");
    per_qualifier::write(store, REGION, name, "live", &live, Expect::Absent).expect("alias");
    let latest_url = url(name, None);
    let alias_url = url(name, Some("live"));
    urls::create(store, &latest_url).expect("url");
    urls::create(store, &alias_url).expect("alias url");
    for q in ["$LATEST", "1", "live"] {
        let cfg = event_config(name, q);
        per_qualifier::write(store, REGION, name, q, &cfg, Expect::Any).expect("eventconfig");
    }
    for q in ["1", "live"] {
        let setting = provisioned_setting(name, q);
        per_qualifier::write(store, REGION, name, q, &setting, Expect::Any).expect("provisioned");
    }
    let binding = crate::shapes::FunctionCodeSigning {
        code_signing_config_arn:
            "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdef0".into(),
        function_name: name.into(),
    };
    per_qualifier::write(store, REGION, name, "$LATEST", &binding, Expect::Any).expect("csc");
    let recursion = crate::shapes::RecursionConfig {
        recursive_loop: "Allow".into(),
    };
    per_qualifier::write(store, REGION, name, "$LATEST", &recursion, Expect::Any)
        .expect("recursion");
    for q in ["$LATEST", "1"] {
        let rm = crate::shapes::RuntimeManagement {
            update_runtime_on: "FunctionUpdate".into(),
            runtime_version_arn: None,
        };
        per_qualifier::write(store, REGION, name, q, &rm, Expect::Any).expect("runtime");
    }
    let scaling = crate::shapes::FunctionScalingConfig {
        min_execution_environments: Some(1),
        max_execution_environments: Some(2),
    };
    per_qualifier::write(store, REGION, name, "1", &scaling, Expect::Any).expect("scaling");
    let mut ops = Vec::new();
    for (i, q) in [None, Some("1"), Some("live")].into_iter().enumerate() {
        ops.push(events::put(&event(name, q, &format!("{name}-ev-{i}"))).expect("event"));
    }
    let ev = event(name, None, &format!("{name}-dead"));
    ops.push(events::put_dead_letter(&ev, 5, &serde_json::json!({"function": name})).expect("dl"));
    store.apply(ops).expect("events");
    vec![latest_url.id, alias_url.id]
}

/// Every row of every table that mentions `needle` in its key or value, as `table/key = value`.
/// The qualifiers of a function's rows in a per-qualifier table.
fn qualifiers<T: per_qualifier::Row>(store: &Store, name: &str) -> Vec<String> {
    let rows = per_qualifier::list::<T>(store, REGION, name, None, 100).expect("list");
    rows.into_iter().map(|(q, _)| q).collect()
}

fn mentions(store: &Store, needle: &str) -> Vec<String> {
    let mut out = Vec::new();
    for t in TABLES {
        for (k, r) in store.list(t, "", None, usize::MAX).expect("list") {
            let row = format!("{t}/{k} = {}", String::from_utf8_lossy(&r.value));
            if row.contains(needle) {
                out.push(row);
            }
        }
    }
    out
}

#[test]
fn delete_leaves_nothing_of_the_function_and_nothing_else_goes() {
    let s = TempStore::new();
    let doomed_urls = populate(&s.store, "doomed");
    // Names that share a prefix must not be caught by the cascade.
    populate(&s.store, "doomedx");
    populate(&s.store, "survivor");
    let before_survivor = mentions(&s.store, "survivor");
    let before_other = mentions(&s.store, "doomedx");
    assert!(mentions(&s.store, "doomed").len() > before_other.len());

    let (_, rev) = functions::get(&s.store, REGION, "doomed")
        .expect("get")
        .expect("exists");
    functions::delete(&s.store, REGION, "doomed", rev).expect("delete");

    let left: Vec<String> = mentions(&s.store, "doomed")
        .into_iter()
        .filter(|row| row.replace("doomedx", "").contains("doomed"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    for id in &doomed_urls {
        assert!(mentions(&s.store, id).is_empty(), "URL id {id} left behind");
        assert!(urls::by_id(&s.store, id).expect("by id").is_none());
    }
    assert_eq!(mentions(&s.store, "survivor"), before_survivor);
    assert_eq!(mentions(&s.store, "doomedx"), before_other);
}

#[test]
fn a_function_created_again_starts_from_nothing() {
    let s = TempStore::new();
    let old_urls = populate(&s.store, "reborn");
    let (_, rev) = functions::get(&s.store, REGION, "reborn")
        .expect("get")
        .expect("exists");
    functions::delete(&s.store, REGION, "reborn", rev).expect("delete");
    functions::create(&s.store, REGION, &function("reborn"), None).expect("create again");

    assert!(urls::get(&s.store, REGION, "reborn", None)
        .expect("get")
        .is_none());
    assert!(urls::get(&s.store, REGION, "reborn", Some("live"))
        .expect("get")
        .is_none());
    assert!(list::<UrlConfig>(&s.store, REGION, "reborn")
        .expect("list")
        .is_empty());
    for id in &old_urls {
        assert!(urls::by_id(&s.store, id).expect("by id").is_none());
    }
    assert!(list::<VersionRecord>(&s.store, REGION, "reborn")
        .expect("list")
        .is_empty());
    assert!(qualifiers::<AliasConfiguration>(&s.store, "reborn").is_empty());
    assert!(qualifiers::<EventInvokeConfig>(&s.store, "reborn").is_empty());
    assert!(qualifiers::<ProvisionedSetting>(&s.store, "reborn").is_empty());
    assert!(events::all(&s.store).expect("events").is_empty());
    assert!(events::dead_letters(&s.store, REGION, "reborn")
        .expect("dead letters")
        .is_empty());
}

#[test]
fn create_clears_rows_left_by_an_older_store() {
    // A store written before deletes cascaded: the function row went, its URL configuration stayed.
    let s = TempStore::new();
    let old = url("stale", None);
    urls::create(&s.store, &old).expect("url");
    let live = alias("stale", "live", "$LATEST");
    per_qualifier::write(&s.store, REGION, "stale", "live", &live, Expect::Absent).expect("alias");
    functions::create(&s.store, REGION, &function("stale"), None).expect("create");
    assert!(urls::by_id(&s.store, &old.id).expect("by id").is_none());
    assert!(urls::get(&s.store, REGION, "stale", None)
        .expect("get")
        .is_none());
    assert!(qualifiers::<AliasConfiguration>(&s.store, "stale").is_empty());
    // Creating an existing function conflicts and changes nothing.
    let err = functions::create(&s.store, REGION, &function("stale"), None).expect_err("exists");
    assert!(matches!(err, lambkin_store::StoreError::Conflict { .. }));
}

#[test]
fn delete_version_takes_what_hangs_off_it() {
    let s = TempStore::new();
    populate(&s.store, "vers");
    let (mut f, rev) = functions::get(&s.store, REGION, "vers")
        .expect("get")
        .expect("exists");
    f.policy.clear();
    functions::delete_version(&s.store, REGION, "vers", 1, Some((&f, rev))).expect("delete v1");
    assert!(numbered::<VersionRecord>(&s.store, REGION, "vers", 1)
        .expect("get")
        .is_none());
    assert!(versions::exists(&s.store, REGION, "vers", 2).expect("get"));
    assert_eq!(
        qualifiers::<EventInvokeConfig>(&s.store, "vers"),
        ["$LATEST", "live"]
    );
    assert_eq!(qualifiers::<ProvisionedSetting>(&s.store, "vers"), ["live"]);
    assert_eq!(
        qualifiers::<crate::shapes::RuntimeManagement>(&s.store, "vers"),
        ["$LATEST"]
    );
    assert!(qualifiers::<crate::shapes::FunctionScalingConfig>(&s.store, "vers").is_empty());
    let queued: Vec<Option<String>> = events::all(&s.store)
        .expect("events")
        .into_iter()
        .filter_map(|(_, e)| e.ok())
        .map(|e| e.qualifier)
        .collect();
    assert_eq!(queued.len(), 2);
    assert!(!queued.contains(&Some("1".to_owned())));
    let (f, _) = functions::get(&s.store, REGION, "vers")
        .expect("get")
        .expect("exists");
    assert!(f.policy.is_empty());
    // The alias and URLs are untouched.
    assert_eq!(qualifiers::<AliasConfiguration>(&s.store, "vers"), ["live"]);
    assert_eq!(
        list::<UrlConfig>(&s.store, REGION, "vers")
            .expect("list")
            .len(),
        2
    );
}

#[test]
fn stale_revisions_conflict() {
    let s = TempStore::new();
    functions::create(&s.store, REGION, &function("f"), None).expect("create");
    let (f, rev) = functions::get(&s.store, REGION, "f")
        .expect("get")
        .expect("exists");
    functions::save(&s.store, REGION, &f, rev).expect("save");
    assert!(matches!(
        functions::save(&s.store, REGION, &f, rev),
        Err(lambkin_store::StoreError::Conflict { .. })
    ));
    assert!(matches!(
        functions::delete(&s.store, REGION, "f", rev),
        Err(lambkin_store::StoreError::Conflict { .. })
    ));
    assert!(functions::exists(&s.store, REGION, "f").expect("exists"));
}
