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
mod tags;
mod urls;
mod validate;
mod versions;

use crate::error::ApiResult;
use crate::operation::Operation;
use crate::reply::Reply;
use crate::request::Ctx;
use crate::service::Service;

/// Runs one operation.
pub(crate) async fn execute(service: &Service, ctx: &Ctx, op: Operation) -> ApiResult<Reply> {
    use Operation as O;
    match op {
        O::CreateFunction { input } => functions::create(service, ctx, input).await,
        O::ListFunctions {
            page,
            function_version,
        } => functions::list(service, ctx, page, function_version.as_deref()).await,
        O::GetFunction {
            function,
            qualifier,
        } => functions::get(service, ctx, &function, qualifier.as_deref()).await,
        O::DeleteFunction {
            function,
            qualifier,
        } => functions::delete(service, ctx, &function, qualifier.as_deref()).await,
        O::GetFunctionConfiguration {
            function,
            qualifier,
        } => functions::get_configuration(service, ctx, &function, qualifier.as_deref()).await,
        O::UpdateFunctionConfiguration { function, input } => {
            functions::update_configuration(service, ctx, &function, input).await
        }
        O::UpdateFunctionCode { function, input } => {
            code::update_code(service, ctx, &function, input).await
        }
        O::PublishVersion { function, input } => {
            versions::publish_version(service, ctx, &function, input).await
        }
        O::ListVersionsByFunction { function, page } => {
            versions::list_versions(service, ctx, &function, page).await
        }
        O::CreateAlias { function, input } => {
            aliases::create_alias(service, ctx, &function, input).await
        }
        O::ListAliases {
            function,
            page,
            function_version,
        } => {
            aliases::list_aliases(service, ctx, &function, page, function_version.as_deref()).await
        }
        O::GetAlias { function, alias } => {
            aliases::get_alias(service, ctx, &function, &alias).await
        }
        O::UpdateAlias {
            function,
            alias,
            input,
        } => aliases::update_alias(service, ctx, &function, &alias, input).await,
        O::DeleteAlias { function, alias } => {
            aliases::delete_alias(service, ctx, &function, &alias).await
        }
        O::AddPermission {
            function,
            qualifier,
            input,
        } => policy::add_permission(service, ctx, &function, qualifier.as_deref(), input).await,
        O::GetPolicy { function } => policy::get_policy(service, ctx, &function).await,
        O::RemovePermission {
            function,
            statement_id,
            revision_id,
        } => {
            policy::remove_permission(
                service,
                ctx,
                &function,
                &statement_id,
                revision_id.as_deref(),
            )
            .await
        }
        O::Invoke(input) => invoke::invoke(service, ctx, &input, false).await,
        O::InvokeWithResponseStream(input) => invoke::invoke(service, ctx, &input, true).await,
        O::InvokeAsync(input) => invoke::invoke_async(service, ctx, &input).await,
        O::PutFunctionConcurrency { function, input } => {
            concurrency::put_concurrency(service, ctx, &function, input).await
        }
        O::GetFunctionConcurrency { function } => {
            concurrency::get_concurrency(service, ctx, &function).await
        }
        O::DeleteFunctionConcurrency { function } => {
            concurrency::delete_concurrency(service, ctx, &function).await
        }
        O::ListTags { resource } => tags::list_tags(service, ctx, &resource).await,
        O::TagResource { resource, input } => tags::tag(service, ctx, &resource, input).await,
        O::UntagResource { resource, tag_keys } => {
            tags::untag(service, ctx, &resource, &tag_keys).await
        }
        O::GetAccountSettings => account::account_settings(service, ctx).await,
        O::PublishLayerVersion { layer, input } => {
            layers::publish(service, ctx, &layer, input).await
        }
        O::GetLayerVersion { layer, version } => layers::get(service, ctx, &layer, &version).await,
        O::GetLayerVersionByArn { arn } => layers::get_by_arn(service, ctx, arn.as_deref()).await,
        O::ListLayers { page, filter } => layers::list_layers(service, ctx, page, &filter).await,
        O::ListLayerVersions {
            layer,
            page,
            filter,
        } => layers::list_versions(service, ctx, &layer, page, &filter).await,
        O::DeleteLayerVersion { layer, version } => {
            layers::delete(service, ctx, &layer, &version).await
        }
        O::PutProvisionedConcurrencyConfig {
            function,
            qualifier,
            input,
        } => provisioned::put(service, ctx, &function, qualifier.as_deref(), input).await,
        O::GetProvisionedConcurrencyConfig {
            function,
            qualifier,
        } => provisioned::get(service, ctx, &function, qualifier.as_deref()).await,
        O::DeleteProvisionedConcurrencyConfig {
            function,
            qualifier,
        } => provisioned::delete(service, ctx, &function, qualifier.as_deref()).await,
        O::ListProvisionedConcurrencyConfigs { function } => {
            provisioned::list(service, ctx, &function).await
        }
        O::PutFunctionEventInvokeConfig {
            function,
            qualifier,
            input,
        } => eventconfig::put(service, ctx, &function, qualifier.as_deref(), input, true).await,
        O::UpdateFunctionEventInvokeConfig {
            function,
            qualifier,
            input,
        } => eventconfig::put(service, ctx, &function, qualifier.as_deref(), input, false).await,
        O::GetFunctionEventInvokeConfig {
            function,
            qualifier,
        } => eventconfig::get(service, ctx, &function, qualifier.as_deref()).await,
        O::DeleteFunctionEventInvokeConfig {
            function,
            qualifier,
        } => eventconfig::delete(service, ctx, &function, qualifier.as_deref()).await,
        O::ListFunctionEventInvokeConfigs { function, page } => {
            eventconfig::list(service, ctx, &function, page).await
        }
        O::CreateFunctionUrlConfig {
            function,
            qualifier,
            input,
        } => urls::create(service, ctx, &function, qualifier.as_deref(), input).await,
        O::GetFunctionUrlConfig {
            function,
            qualifier,
        } => urls::get(service, ctx, &function, qualifier.as_deref()).await,
        O::UpdateFunctionUrlConfig {
            function,
            qualifier,
            input,
        } => urls::update(service, ctx, &function, qualifier.as_deref(), input).await,
        O::DeleteFunctionUrlConfig {
            function,
            qualifier,
        } => urls::delete(service, ctx, &function, qualifier.as_deref()).await,
        O::ListFunctionUrlConfigs { function } => urls::list(service, ctx, &function).await,
        O::LambkinListDeadLetters { function } => {
            lambkin::dead_letters(service, ctx, &function).await
        }
        O::LambkinDownloadCode { sha256 } => lambkin::download(service, &sha256).await,
        O::LambkinGetLogs {
            function,
            since,
            cursor,
            limit,
        } => lambkin::logs(service, &function, since, cursor.as_deref(), limit).await,
        O::LambkinHealth => Ok(lambkin::health(service)),
    }
}
