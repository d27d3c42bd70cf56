//! The operations: each [`Operation`] runs here against the records (`records`), the engine and the queue,
//! and answers a [`Reply`]. One module per concern; none of them reads HTTP.

mod account;
mod aliases;
mod code;
mod common;
mod concurrency;
mod eventconfig;
mod functions;
mod invoke;
mod lambkin;
mod layers;
mod policy;
pub(crate) mod provisioned;
mod source;
mod settings;
mod tags;
mod urls;
mod validate;
mod versions;

use crate::error::ApiResult;
use crate::operation::Operation;
use crate::reply::Reply;
use crate::request::Ctx;
use common::parse_ref;

/// Runs one operation. An operation on a function with a body gets both parsed here, the function first: a
/// bad name is answered before a bad body, as Lambda does.
pub(crate) async fn execute(ctx: &Ctx, op: Operation) -> ApiResult<Reply> {
    use Operation as O;
    match op {
        O::CreateFunction { input } => functions::create(ctx, input).await,
        O::ListFunctions {
            page,
            function_version,
        } => functions::list(ctx, page, function_version.as_deref()).await,
        O::GetFunction(t) => functions::get(ctx, &t).await,
        O::DeleteFunction(t) => functions::delete(ctx, &t).await,
        O::GetFunctionConfiguration(t) => functions::get_configuration(ctx, &t).await,
        O::UpdateFunctionConfiguration { function, input } => {
            functions::update_configuration(ctx, parse_ref(&ctx.service, &function)?, input?).await
        }
        O::UpdateFunctionCode { function, input } => {
            code::update_code(ctx, parse_ref(&ctx.service, &function)?, input?).await
        }
        O::PublishVersion { function, input } => {
            versions::publish_version(ctx, parse_ref(&ctx.service, &function)?, input?).await
        }
        O::ListVersionsByFunction { function, page } => {
            versions::list_versions(ctx, &function, page).await
        }
        O::CreateAlias { function, input } => {
            aliases::create_alias(ctx, parse_ref(&ctx.service, &function)?, input?).await
        }
        O::ListAliases {
            function,
            page,
            function_version,
        } => aliases::list_aliases(ctx, &function, page, function_version.as_deref()).await,
        O::GetAlias { function, alias } => aliases::get_alias(ctx, &function, &alias).await,
        O::UpdateAlias {
            function,
            alias,
            input,
        } => aliases::update_alias(ctx, parse_ref(&ctx.service, &function)?, &alias, input?).await,
        O::DeleteAlias { function, alias } => aliases::delete_alias(ctx, &function, &alias).await,
        O::AddPermission(t, input) => {
            let (r, q) = common::parse_qualified(&ctx.service, &t)?;
            policy::add_permission(ctx, r, q, input?).await
        }
        O::GetPolicy { function } => policy::get_policy(ctx, &function).await,
        O::RemovePermission {
            function,
            statement_id,
            revision_id,
        } => policy::remove_permission(ctx, &function, &statement_id, revision_id.as_deref()).await,
        O::Invoke(input) => invoke::invoke(ctx, &input, false).await,
        O::InvokeWithResponseStream(input) => invoke::invoke(ctx, &input, true).await,
        O::InvokeAsync(input) => invoke::invoke_async(ctx, &input).await,
        O::PutFunctionConcurrency { function, input } => {
            concurrency::put_concurrency(ctx, parse_ref(&ctx.service, &function)?, input?).await
        }
        O::GetFunctionConcurrency { function } => {
            concurrency::get_concurrency(ctx, &function).await
        }
        O::DeleteFunctionConcurrency { function } => {
            concurrency::delete_concurrency(ctx, &function).await
        }
        O::ListTags { resource } => tags::list_tags(ctx, &resource).await,
        O::TagResource { resource, input } => tags::tag(ctx, &resource, input).await,
        O::UntagResource { resource, tag_keys } => tags::untag(ctx, &resource, &tag_keys).await,
        O::GetAccountSettings => account::account_settings(ctx).await,
        O::PublishLayerVersion { layer, input } => layers::publish(ctx, &layer, input).await,
        O::GetLayerVersion { layer, version } => layers::get(ctx, &layer, &version).await,
        O::GetLayerVersionByArn { arn } => layers::get_by_arn(ctx, arn.as_deref()).await,
        O::ListLayers { page, filter } => layers::list_layers(ctx, page, &filter).await,
        O::ListLayerVersions {
            layer,
            page,
            filter,
        } => layers::list_versions(ctx, &layer, page, &filter).await,
        O::DeleteLayerVersion { layer, version } => layers::delete(ctx, &layer, &version).await,
        O::PutProvisionedConcurrencyConfig(t, input) => provisioned::put(ctx, &t, input).await,
        O::GetProvisionedConcurrencyConfig(t) => provisioned::get(ctx, &t).await,
        O::DeleteProvisionedConcurrencyConfig(t) => provisioned::delete(ctx, &t).await,
        O::ListProvisionedConcurrencyConfigs { function } => {
            provisioned::list(ctx, &function).await
        }
        O::PutFunctionEventInvokeConfig(t, input) => eventconfig::put(ctx, &t, input, true).await,
        O::UpdateFunctionEventInvokeConfig(t, input) => {
            eventconfig::put(ctx, &t, input, false).await
        }
        O::GetFunctionEventInvokeConfig(t) => eventconfig::get(ctx, &t).await,
        O::DeleteFunctionEventInvokeConfig(t) => eventconfig::delete(ctx, &t).await,
        O::ListFunctionEventInvokeConfigs { function, page } => {
            eventconfig::list(ctx, &function, page).await
        }
        O::CreateFunctionUrlConfig(t, input) => urls::put(ctx, &t, input, true).await,
        O::GetFunctionUrlConfig(t) => urls::get(ctx, &t).await,
        O::UpdateFunctionUrlConfig(t, input) => urls::put(ctx, &t, input, false).await,
        O::DeleteFunctionUrlConfig(t) => urls::delete(ctx, &t).await,
        O::ListFunctionUrlConfigs { function } => urls::list(ctx, &function).await,
        O::LambkinListDeadLetters { function } => lambkin::dead_letters(ctx, &function).await,
        O::LambkinDownloadCode {
            sha256,
            expires,
            signature,
        } => lambkin::download(&ctx.service, &sha256, expires, signature).await,
        O::LambkinGetLogs {
            function,
            since,
            cursor,
            limit,
        } => lambkin::logs(&ctx.service, &function, since, cursor.as_deref(), limit).await,
        O::LambkinHealth => Ok(lambkin::health(&ctx.service)),
    }
}
