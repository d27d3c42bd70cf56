//! Versions: `PublishVersion` (a snapshot of `$LATEST`), `ListVersionsByFunction`, and publishing as part of
//! an update.

use http::StatusCode;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::model::{FunctionConfiguration, FunctionRecord, VersionRecord};
use crate::names::{Arns, FunctionRef};
use crate::operation::{Page, PublishVersionInput};
use crate::reply::Reply;
use crate::request::Ctx;
use crate::resolve::load;
use crate::service::Service;
use crate::{records, time_fmt};

use super::common::{change, check_revision, new_revision, parse_ref, save};

/// A snapshot of `$LATEST` as published version `n`.
pub(super) fn publish_record(
    arns: &Arns,
    record: &FunctionRecord,
    n: u64,
    description: &str,
) -> VersionRecord {
    let mut v = record.latest.clone();
    v.config.version = n.to_string();
    v.config.function_arn = arns.qualified(&v.config.function_name, &n.to_string());
    v.config.revision_id = new_revision();
    v.config.last_modified = time_fmt::now();
    if !description.is_empty() {
        v.config.description = description.to_owned();
    }
    v.config.state = "Active".into();
    v.config.last_update_status = "Successful".into();
    super::settings::published_snap_start(&mut v.config);
    v
}

/// What an update answers: the change is still being applied (the waiters then see `Successful`).
fn in_progress(mut c: FunctionConfiguration) -> FunctionConfiguration {
    c.last_update_status = "InProgress".into();
    c.last_update_status_reason = Some("The function is being created.".into());
    c.last_update_status_reason_code = Some("Creating".into());
    c
}

/// Saves `$LATEST`, publishes when asked, drains old environments; returns the answer.
pub(super) fn finish_update(
    service: &Service,
    arns: &Arns,
    mut record: FunctionRecord,
    rev: u64,
    publish: bool,
) -> ApiResult<FunctionConfiguration> {
    let name = record.latest.config.function_name.clone();
    let answer = if publish {
        let n = record.last_version + 1;
        let v = publish_record(arns, &record, n, "");
        record.last_version = n;
        record.published_description = Some(record.latest.config.description.clone());
        change(
            arns,
            &name,
            records::functions::save_and_publish(&service.store, &arns.region, &record, rev, n, &v),
        )?;
        v.config
    } else {
        save(service, arns, &record, rev)?;
        record.latest.config.clone()
    };
    // Environments of the old code or configuration finish what they are doing and are replaced.
    service.engine.drain(&name, Some("$LATEST"));
    Ok(in_progress(answer))
}

fn same_as_published(a: &VersionRecord, b: &VersionRecord) -> bool {
    let strip = |v: &VersionRecord| {
        let mut c = v.config.clone();
        c.version = String::new();
        c.function_arn = String::new();
        c.revision_id = String::new();
        c.last_modified = String::new();
        c.description = String::new();
        c.state_reason = None;
        c.snap_start.optimization_status = String::new();
        (c, v.code_hex.clone(), v.layers.clone(), v.image.clone())
    };
    strip(a) == strip(b)
}

/// `PublishVersion`: a snapshot of `$LATEST`; publishing an unchanged function returns the last version.
pub(crate) async fn publish_version(
    ctx: &Ctx,
    r: FunctionRef,
    input: PublishVersionInput,
) -> ApiResult<Reply> {
    super::unsupported::refuse_beyond(&input.beyond)?;
    let arns = &ctx.arns;
    let _guard = ctx.service.writes.lock().await;
    let (mut record, rev) = load(&ctx.service, arns, &r.name)?;
    crate::images::check_settled(&record, &arns.function(&r.name))?;
    if let Some(sha) = &input.code_sha256 {
        if *sha != record.latest.config.code_sha256 {
            return Err(ApiError::invalid(format!(
                "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again with the CodeSHA256 in $LATEST.",
                record.latest.config.code_sha256
            )));
        }
    }
    check_revision(
        input.revision_id.as_deref(),
        &record.latest.config.revision_id,
    )?;
    if record.last_version > 0 {
        if let Some(last) = records::numbered::<VersionRecord>(
            &ctx.service.store,
            &arns.region,
            &r.name,
            record.last_version,
        )? {
            // Unchanged code and configuration, `$LATEST`'s description included (LocalStack snapshot
            // test_version_lifecycle: a new description alone is published as version 2).
            let same_description = record
                .published_description
                .as_ref()
                .is_none_or(|d| *d == record.latest.config.description);
            if same_as_published(&last, &record.latest) && same_description {
                return Ok(Reply::Json(StatusCode::CREATED, last.config.answer()));
            }
        }
    }
    let n = record.last_version + 1;
    let v = publish_record(arns, &record, n, input.description.as_deref().unwrap_or(""));
    record.last_version = n;
    record.published_description = Some(record.latest.config.description.clone());
    records::functions::save_and_publish(&ctx.service.store, &arns.region, &record, rev, n, &v)?;
    Ok(Reply::Json(StatusCode::CREATED, v.config.answer()))
}

/// `ListVersionsByFunction`: `$LATEST`, then the published versions in order.
pub(crate) async fn list_versions(ctx: &Ctx, raw: &str, page: Page) -> ApiResult<Reply> {
    let r = parse_ref(&ctx.service, raw)?;
    let (max, marker) = page?;
    let arns = &ctx.arns;
    let (record, _) = load(&ctx.service, arns, &r.name)?;
    let mut all = vec![record.latest.config.listed(true)];
    for v in records::list::<VersionRecord>(&ctx.service.store, &arns.region, &r.name)? {
        all.push(v.config.listed(true));
    }
    let start = marker
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(0)
        .min(all.len());
    let page: Vec<_> = all.iter().skip(start).take(max).cloned().collect();
    let mut out = json!({ "Versions": page });
    if start + max < all.len() {
        out["NextMarker"] = json!((start + max).to_string());
    }
    Ok(Reply::Json(StatusCode::OK, out))
}

/// `version` is `$LATEST` or a published version of the function.
pub(super) fn check_version_exists(
    service: &Service,
    arns: &Arns,
    name: &str,
    version: &str,
) -> ApiResult<()> {
    if version == "$LATEST" {
        return Ok(());
    }
    let missing = || {
        ApiError::not_found(format!(
            "Function not found: {}",
            arns.qualified(name, version)
        ))
    };
    let n: u64 = version.parse().map_err(|_| missing())?;
    if records::versions::exists(&service.store, &arns.region, name, n)? {
        Ok(())
    } else {
        Err(missing())
    }
}
