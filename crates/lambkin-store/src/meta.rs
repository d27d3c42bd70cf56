//! Metadata: a namespaced, ordered key-value store with revisions and atomic conditional
//! batches, on SQLite.
//!
//! It is deliberately KV-shaped so that a distributed KV (e.g. NATS JetStream) can implement
//! the same interface later.

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::{Store, StoreError};

/// A stored value and the revision at which it was last written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The value's bytes.
    pub value: Vec<u8>,
    /// A store-wide, monotonically increasing number assigned on every put.
    pub revision: u64,
}

impl Record {
    /// Deserializes the value as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, StoreError> {
        Ok(serde_json::from_slice(&self.value)?)
    }
}

/// A condition on the current state of a key, checked by [`Store::apply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// No condition.
    Any,
    /// The key must not exist.
    Absent,
    /// The key must exist.
    Present,
    /// The key must exist with exactly this revision.
    Revision(u64),
}

/// One operation of an atomic batch ([`Store::apply`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Writes `value` under `table`/`key`, assigning a new revision.
    Put {
        /// Namespace.
        table: String,
        /// Key within the namespace.
        key: String,
        /// Value bytes.
        value: Vec<u8>,
        /// Condition on the key's current state.
        expect: Expect,
    },
    /// Deletes `table`/`key`; deleting a missing key with [`Expect::Any`] is fine.
    Delete {
        /// Namespace.
        table: String,
        /// Key within the namespace.
        key: String,
        /// Condition on the key's current state.
        expect: Expect,
    },
    /// Deletes every key of `table` that starts with `prefix`.
    DeletePrefix {
        /// Namespace.
        table: String,
        /// Key prefix ("" deletes the whole table).
        prefix: String,
    },
}

impl Op {
    /// A [`Op::Put`] of `value` serialized as JSON.
    pub fn put_json<T: serde::Serialize>(
        table: &str,
        key: &str,
        value: &T,
        expect: Expect,
    ) -> Result<Op, StoreError> {
        Ok(Op::Put {
            table: table.to_owned(),
            key: key.to_owned(),
            value: serde_json::to_vec(value)?,
            expect,
        })
    }

    /// A [`Op::Delete`].
    pub fn delete(table: &str, key: &str, expect: Expect) -> Op {
        Op::Delete {
            table: table.to_owned(),
            key: key.to_owned(),
            expect,
        }
    }

    /// A [`Op::DeletePrefix`].
    pub fn delete_prefix(table: &str, prefix: &str) -> Op {
        Op::DeletePrefix {
            table: table.to_owned(),
            prefix: prefix.to_owned(),
        }
    }
}

pub(crate) fn init_schema(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS kv (
             tbl TEXT NOT NULL,
             key TEXT NOT NULL,
             value BLOB NOT NULL,
             revision INTEGER NOT NULL,
             PRIMARY KEY (tbl, key)
         ) WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS seq (
             name TEXT PRIMARY KEY,
             value INTEGER NOT NULL
         );
         CREATE TABLE IF NOT EXISTS meta (
             id INTEGER PRIMARY KEY CHECK (id = 0),
             revision INTEGER NOT NULL
         );
         INSERT OR IGNORE INTO meta (id, revision) VALUES (0, 0);
         CREATE TABLE IF NOT EXISTS blobs (
             sha256 TEXT PRIMARY KEY,
             size INTEGER NOT NULL,
             unpacked_size INTEGER NOT NULL,
             entries INTEGER NOT NULL
         );",
    )?;
    Ok(())
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn current_revision(conn: &Connection, table: &str, key: &str) -> rusqlite::Result<Option<u64>> {
    conn.query_row(
        "SELECT revision FROM kv WHERE tbl = ?1 AND key = ?2",
        params![table, key],
        |row| row.get::<_, i64>(0),
    )
    .optional()
    .map(|r| r.map(to_u64))
}

fn check(conn: &Connection, table: &str, key: &str, expect: Expect) -> Result<(), StoreError> {
    let revision = match expect {
        Expect::Any => None,
        _ => current_revision(conn, table, key)?,
    };
    expect.check(table, key, revision.is_some(), revision)
}

impl Expect {
    /// Whether the condition holds of a key that is `present` with `revision` (`None` when absent, or when a
    /// batch wrote it and it has no revision a condition could name yet); [`StoreError::Conflict`] if not.
    /// Every metadata backend checks its batches with this.
    pub fn check(
        self,
        table: &str,
        key: &str,
        present: bool,
        revision: Option<u64>,
    ) -> Result<(), StoreError> {
        let ok = match self {
            Expect::Any => true,
            Expect::Absent => !present,
            Expect::Present => present,
            Expect::Revision(r) => present && revision == Some(r),
        };
        if ok {
            Ok(())
        } else {
            Err(StoreError::Conflict {
                table: table.to_owned(),
                key: key.to_owned(),
            })
        }
    }
}

impl Store {
    /// The record stored under `table`/`key`, if any.
    pub fn get(&self, table: &str, key: &str) -> Result<Option<Record>, StoreError> {
        let _timed = self.timed("read");
        if let Some(shared) = &self.shared {
            return shared.metadata.get(table, key);
        }
        let conn = self.db();
        let rec = conn
            .query_row(
                "SELECT value, revision FROM kv WHERE tbl = ?1 AND key = ?2",
                params![table, key],
                |row| {
                    Ok(Record {
                        value: row.get(0)?,
                        revision: to_u64(row.get(1)?),
                    })
                },
            )
            .optional()?;
        Ok(rec)
    }

    /// Keys in `table` that start with `prefix`, in byte order of the key, strictly after
    /// `after` when given, at most `limit`.
    pub fn list(
        &self,
        table: &str,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Record)>, StoreError> {
        let _timed = self.timed("read");
        if let Some(shared) = &self.shared {
            return shared.metadata.list(table, prefix, after, limit);
        }
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        let conn = self.db();
        // SQLite compares TEXT with memcmp (BINARY collation), i.e. in UTF-8 byte order, so
        // every key with the prefix sorts at or after `prefix`, contiguously.
        let mut stmt = conn.prepare_cached(
            "SELECT key, value, revision FROM kv
             WHERE tbl = ?1 AND key >= ?2 AND (?3 IS NULL OR key > ?3)
             ORDER BY key",
        )?;
        let mut rows = stmt.query(params![table, prefix, after])?;
        while let Some(row) = rows.next()? {
            let key: String = row.get(0)?;
            if !key.starts_with(prefix) {
                break;
            }
            out.push((
                key,
                Record {
                    value: row.get(1)?,
                    revision: to_u64(row.get(2)?),
                },
            ));
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// Applies all ops in one SQLite transaction (IMMEDIATE), or none: if any `Expect` fails
    /// returns [`StoreError::Conflict`] and nothing changes.
    ///
    /// Ops see the effects of earlier ops of the same batch.
    pub fn apply(&self, ops: Vec<Op>) -> Result<(), StoreError> {
        let _timed = self.timed("write");
        if let Some(shared) = &self.shared {
            return shared.metadata.apply(ops);
        }
        let mut conn = self.db();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut revision: u64 = tx
            .query_row("SELECT revision FROM meta WHERE id = 0", [], |row| {
                row.get::<_, i64>(0)
            })
            .map(to_u64)?;
        let start = revision;
        for op in &ops {
            match op {
                Op::Put {
                    table,
                    key,
                    value,
                    expect,
                } => {
                    check(&tx, table, key, *expect)?;
                    revision += 1;
                    tx.prepare_cached(
                        "INSERT INTO kv (tbl, key, value, revision) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (tbl, key) DO UPDATE
                         SET value = excluded.value, revision = excluded.revision",
                    )?
                    .execute(params![table, key, value, to_i64(revision)])?;
                }
                Op::Delete { table, key, expect } => {
                    check(&tx, table, key, *expect)?;
                    tx.prepare_cached("DELETE FROM kv WHERE tbl = ?1 AND key = ?2")?
                        .execute(params![table, key])?;
                }
                Op::DeletePrefix { table, prefix } => {
                    // substr/length count characters on TEXT, consistently on both sides.
                    tx.prepare_cached(
                        "DELETE FROM kv WHERE tbl = ?1 AND key >= ?2
                         AND substr(key, 1, length(?2)) = ?2",
                    )?
                    .execute(params![table, prefix])?;
                }
            }
        }
        if revision != start {
            tx.execute(
                "UPDATE meta SET revision = ?1 WHERE id = 0",
                params![to_i64(revision)],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Atomically increments and returns a named counter (the first call returns 1), e.g. for
    /// version numbers.
    pub fn next_sequence(&self, name: &str) -> Result<u64, StoreError> {
        if let Some(shared) = &self.shared {
            return shared.metadata.next_sequence(name);
        }
        let conn = self.db();
        let v: i64 = conn.query_row(
            "INSERT INTO seq (name, value) VALUES (?1, 1)
             ON CONFLICT (name) DO UPDATE SET value = value + 1
             RETURNING value",
            params![name],
            |row| row.get(0),
        )?;
        Ok(to_u64(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(table: &str, key: &str, value: &str, expect: Expect) -> Op {
        Op::Put {
            table: table.into(),
            key: key.into(),
            value: value.as_bytes().to_vec(),
            expect,
        }
    }

    fn keys(v: &[(String, Record)]) -> Vec<&str> {
        v.iter().map(|(k, _)| k.as_str()).collect()
    }

    #[test]
    fn get_put_delete_and_revisions() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert!(store.get("fn", "a").unwrap().is_none());
        store
            .apply(vec![put("fn", "a", "1", Expect::Absent)])
            .unwrap();
        let r1 = store.get("fn", "a").unwrap().unwrap();
        assert_eq!(r1.value, b"1");
        store
            .apply(vec![put("fn", "a", "2", Expect::Revision(r1.revision))])
            .unwrap();
        let r2 = store.get("fn", "a").unwrap().unwrap();
        assert_eq!(r2.value, b"2");
        assert!(r2.revision > r1.revision);
        // stale revision
        let err = store
            .apply(vec![put("fn", "a", "3", Expect::Revision(r1.revision))])
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Conflict { table, key } if table == "fn" && key == "a"),
            "{err:?}"
        );
        assert!(matches!(
            store.apply(vec![put("fn", "a", "3", Expect::Absent)]),
            Err(StoreError::Conflict { .. })
        ));
        assert!(matches!(
            store.apply(vec![put("fn", "b", "3", Expect::Present)]),
            Err(StoreError::Conflict { .. })
        ));
        // tables are separate namespaces
        assert!(store.get("layer", "a").unwrap().is_none());
        // delete of a missing key with Any is fine; with Present it conflicts
        store
            .apply(vec![Op::delete("fn", "zzz", Expect::Any)])
            .unwrap();
        assert!(matches!(
            store.apply(vec![Op::delete("fn", "zzz", Expect::Present)]),
            Err(StoreError::Conflict { .. })
        ));
        store
            .apply(vec![Op::delete("fn", "a", Expect::Revision(r2.revision))])
            .unwrap();
        assert!(store.get("fn", "a").unwrap().is_none());
        // revisions keep increasing after deletes
        store
            .apply(vec![put("fn", "a", "4", Expect::Absent)])
            .unwrap();
        assert!(store.get("fn", "a").unwrap().unwrap().revision > r2.revision);
    }

    #[test]
    fn json_roundtrip() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct F {
            name: String,
            memory: u32,
        }
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let f = F {
            name: "hello".into(),
            memory: 128,
        };
        store
            .apply(vec![Op::put_json("fn", "hello", &f, Expect::Any).unwrap()])
            .unwrap();
        let got: F = store.get("fn", "hello").unwrap().unwrap().json().unwrap();
        assert_eq!(got, f);
        let bad = store.get("fn", "hello").unwrap().unwrap().json::<Vec<u8>>();
        assert!(matches!(bad, Err(StoreError::Json(_))));
    }

    #[test]
    fn list_prefix_order_and_pagination() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut ops = Vec::new();
        for k in [
            "v/f/3",
            "v/f/1",
            "v/f/2",
            "v/g/1",
            "v/e/1",
            "w",
            "v/f/10",
            "v/f/\u{e9}",
        ] {
            ops.push(put("t", k, k, Expect::Absent));
        }
        ops.push(put("other", "v/f/0", "x", Expect::Absent));
        store.apply(ops).unwrap();

        let all = store.list("t", "v/f/", None, 100).unwrap();
        assert_eq!(
            keys(&all),
            ["v/f/1", "v/f/10", "v/f/2", "v/f/3", "v/f/\u{e9}"]
        );
        assert_eq!(all[0].1.value, b"v/f/1");

        let page1 = store.list("t", "v/f/", None, 2).unwrap();
        assert_eq!(keys(&page1), ["v/f/1", "v/f/10"]);
        let page2 = store.list("t", "v/f/", Some("v/f/10"), 2).unwrap();
        assert_eq!(keys(&page2), ["v/f/2", "v/f/3"]);
        let page3 = store.list("t", "v/f/", Some("v/f/3"), 2).unwrap();
        assert_eq!(keys(&page3), ["v/f/\u{e9}"]);
        let page4 = store.list("t", "v/f/", Some("v/f/\u{e9}"), 2).unwrap();
        assert!(page4.is_empty());
        // `after` before the prefix range
        assert_eq!(store.list("t", "v/f/", Some("a"), 1).unwrap().len(), 1);
        // empty prefix lists the whole table
        assert_eq!(store.list("t", "", None, 100).unwrap().len(), 8);
        assert!(store.list("t", "v/f/", None, 0).unwrap().is_empty());
        assert!(store.list("t", "nope", None, 10).unwrap().is_empty());
    }

    #[test]
    fn delete_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut ops = Vec::new();
        for k in ["f/a", "f/a/1", "f/a/2", "f/ab", "f/b/1", "f/\u{e9}/1"] {
            ops.push(put("t", k, "x", Expect::Absent));
        }
        ops.push(put("u", "f/a/1", "x", Expect::Absent));
        store.apply(ops).unwrap();
        store.apply(vec![Op::delete_prefix("t", "f/a/")]).unwrap();
        assert_eq!(
            keys(&store.list("t", "", None, 100).unwrap()),
            ["f/a", "f/ab", "f/b/1", "f/\u{e9}/1"]
        );
        store
            .apply(vec![Op::delete_prefix("t", "f/\u{e9}")])
            .unwrap();
        assert_eq!(store.list("t", "", None, 100).unwrap().len(), 3);
        assert!(store.get("u", "f/a/1").unwrap().is_some());
        store.apply(vec![Op::delete_prefix("t", "")]).unwrap();
        assert!(store.list("t", "", None, 100).unwrap().is_empty());
    }

    #[test]
    fn apply_is_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .apply(vec![put("t", "exists", "old", Expect::Any)])
            .unwrap();
        let before = store.get("t", "exists").unwrap().unwrap();
        let err = store
            .apply(vec![
                put("t", "new", "1", Expect::Absent),
                put("t", "exists", "new", Expect::Present),
                put("t", "exists", "again", Expect::Absent), // fails
                Op::delete_prefix("t", ""),
            ])
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Conflict { key, .. } if key == "exists"),
            "{err:?}"
        );
        assert!(store.get("t", "new").unwrap().is_none());
        assert_eq!(store.get("t", "exists").unwrap().unwrap(), before);
        // the failed batch did not consume revisions either
        store
            .apply(vec![put("t", "next", "1", Expect::Any)])
            .unwrap();
        assert_eq!(
            store.get("t", "next").unwrap().unwrap().revision,
            before.revision + 1
        );
        // ops in a batch see earlier ops of the same batch
        store
            .apply(vec![
                put("t", "chain", "1", Expect::Absent),
                put("t", "chain", "2", Expect::Present),
                Op::delete("t", "chain", Expect::Present),
            ])
            .unwrap();
        assert!(store.get("t", "chain").unwrap().is_none());
    }

    #[test]
    fn sequences_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            assert_eq!(store.next_sequence("fn:a").unwrap(), 1);
            assert_eq!(store.next_sequence("fn:a").unwrap(), 2);
            assert_eq!(store.next_sequence("fn:b").unwrap(), 1);
            store.apply(vec![put("t", "k", "v", Expect::Any)]).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.next_sequence("fn:a").unwrap(), 3);
        assert_eq!(store.next_sequence("fn:b").unwrap(), 2);
        let rev = store.get("t", "k").unwrap().unwrap().revision;
        store.apply(vec![put("t", "k2", "v", Expect::Any)]).unwrap();
        assert!(store.get("t", "k2").unwrap().unwrap().revision > rev);
    }

    #[test]
    fn concurrent_sequences_are_unique() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(Store::open(dir.path()).unwrap());
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let s = store.clone();
                std::thread::spawn(move || {
                    (0..25)
                        .map(|_| s.next_sequence("x").unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<u64> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        all.sort_unstable();
        assert_eq!(all, (1..=100).collect::<Vec<_>>());
    }
}
