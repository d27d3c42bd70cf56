//! From a function name and qualifier to the records an operation or an invoke works on, with Lambda's
//! `ResourceNotFoundException`s: `load` (the function), `resolve` (`$LATEST`, a version number or an alias to
//! a version), `weighted` (an alias's additional version, drawn by its weight).

use crate::error::{ApiError, ApiResult};
use crate::model::{AliasConfiguration, FunctionRecord, VersionRecord};
use crate::names::Arns;
use crate::records::{self, per_qualifier};
use crate::service::Service;

/// Lambda's 404 for a function.
pub(crate) fn not_found_fn(arns: &Arns, name: &str) -> ApiError {
    ApiError::not_found(format!("Function not found: {}", arns.function(name)))
}

/// Loads a function record and its store revision.
pub(crate) fn load(service: &Service, arns: &Arns, name: &str) -> ApiResult<(FunctionRecord, u64)> {
    records::functions::get(&service.store, &arns.region, name)?
        .ok_or_else(|| not_found_fn(arns, name))
}

/// A function version after resolving a qualifier.
pub(crate) struct Resolved {
    /// The function.
    pub record: FunctionRecord,
    /// The version the qualifier named.
    pub version: VersionRecord,
    /// The alias the qualifier named, if any.
    pub alias: Option<AliasConfiguration>,
}

/// Resolves `name[:qualifier]` to a version: `$LATEST`, a number, or an alias.
pub(crate) fn resolve(
    service: &Service,
    arns: &Arns,
    name: &str,
    qualifier: Option<&str>,
) -> ApiResult<Resolved> {
    let missing = || {
        ApiError::not_found(format!(
            "Function not found: {}",
            arns.qualified(name, qualifier.unwrap_or("$LATEST"))
        ))
    };
    // A function that does not exist is not found with the qualifier asked for, as Lambda answers
    // (`…:my-function:$latest`; unqualified, the bare ARN).
    let Some((record, _)) = records::functions::get(&service.store, &arns.region, name)? else {
        return Err(match qualifier {
            Some(_) => missing(),
            None => not_found_fn(arns, name),
        });
    };
    let store = &service.store;
    match qualifier {
        None | Some("$LATEST") => Ok(Resolved {
            version: record.latest.clone(),
            record,
            alias: None,
        }),
        Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => {
            let n: u64 = q.parse().map_err(|_| missing())?;
            let version = records::numbered::<VersionRecord>(store, &arns.region, name, n)?
                .ok_or_else(missing)?;
            Ok(Resolved {
                record,
                version,
                alias: None,
            })
        }
        Some(q) => {
            let (alias, _) =
                per_qualifier::read::<AliasConfiguration>(store, &arns.region, name, q)?
                    .ok_or_else(missing)?;
            let version = if alias.function_version == "$LATEST" {
                record.latest.clone()
            } else {
                let n: u64 = alias.function_version.parse().map_err(|_| missing())?;
                records::numbered::<VersionRecord>(store, &arns.region, name, n)?
                    .ok_or_else(missing)?
            };
            Ok(Resolved {
                record,
                version,
                alias: Some(alias),
            })
        }
    }
}

/// An alias with `RoutingConfig` sends each invoke to its additional version with that version's weight.
pub(crate) fn weighted(service: &Service, arns: &Arns, res: Resolved) -> ApiResult<Resolved> {
    let Some((version, weight)) = res
        .alias
        .as_ref()
        .and_then(|a| a.routing_config.as_ref())
        .and_then(|rc| rc.additional_version_weights.iter().next())
        .map(|(v, w)| (v.clone(), *w))
    else {
        return Ok(res);
    };
    // A uniform draw in [0, 1) from the random generator behind v4 UUIDs: their first 48 bits are random
    // (the version and variant bits come after).
    let draw = (uuid::Uuid::new_v4().as_u128() >> 80) as f64 / (1u64 << 48) as f64;
    if draw >= weight {
        return Ok(res);
    }
    let other = resolve(
        service,
        arns,
        &res.version.config.function_name,
        Some(&version),
    )?;
    Ok(Resolved {
        alias: res.alias,
        ..other
    })
}
