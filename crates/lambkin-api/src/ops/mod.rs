//! The operations: each [`Operation`] runs here against the records (`records`), the engine and the queue,
//! and answers a [`Reply`]. One module per concern; none of them reads HTTP.

mod account;
mod aliases;
mod code;
mod codesigning;
mod common;
mod concurrency;
pub(crate) mod durable;
mod eventconfig;
mod functions;
mod invoke;
mod lambkin;
mod layerpolicy;
mod layers;
mod mappings;
mod policy;
pub(crate) mod provisioned;
mod recursion;
mod resourcepolicy;
mod runtimemgmt;
mod scaling;
mod settings;
mod source;
mod tags;
mod unsupported;
mod urls;
mod validate;
mod versions;

use crate::error::ApiResult;
use crate::operation::{Operation, Qualified};
use crate::reply::Reply;
use crate::request::Ctx;
use common::parse_ref;

/// Runs one operation. An operation on a function with a body gets both parsed here, the function first: a
/// bad name is answered before a bad body, as Lambda does.
pub(crate) async fn execute(ctx: &Ctx, op: Operation) -> ApiResult<Reply> {
    use Operation as O;
    // A caller of another account may only read the layer versions shared with it (`layerpolicy.rs`).
    if ctx.caller != ctx.arns.account
        && !matches!(
            op,
            O::GetLayerVersion { .. } | O::GetLayerVersionByArn { .. }
        )
    {
        return Err(layerpolicy::refuse_foreign(ctx));
    }
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
        O::GetPolicy {
            function,
            qualifier,
        } => {
            policy::get_policy(
                ctx,
                &Qualified {
                    function,
                    qualifier,
                },
            )
            .await
        }
        O::RemovePermission {
            function,
            statement_id,
            revision_id,
            qualifier,
        } => {
            let t = Qualified {
                function,
                qualifier,
            };
            policy::remove_permission(ctx, &t, &statement_id, revision_id.as_deref()).await
        }
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
        O::AddLayerVersionPermission {
            layer,
            version,
            revision_id,
            input,
        } => layerpolicy::add(ctx, &layer, &version, revision_id.as_deref(), input).await,
        O::GetLayerVersionPolicy { layer, version } => {
            layerpolicy::get(ctx, &layer, &version).await
        }
        O::RemoveLayerVersionPermission {
            layer,
            version,
            statement_id,
            revision_id,
        } => {
            layerpolicy::remove(ctx, &layer, &version, &statement_id, revision_id.as_deref()).await
        }
        O::CreateCodeSigningConfig { input } => codesigning::create(ctx, input).await,
        O::GetCodeSigningConfig { arn } => codesigning::get(ctx, &arn).await,
        O::UpdateCodeSigningConfig { arn, input } => codesigning::update(ctx, &arn, input).await,
        O::DeleteCodeSigningConfig { arn } => codesigning::delete(ctx, &arn).await,
        O::ListCodeSigningConfigs { page } => codesigning::list(ctx, page).await,
        O::ListFunctionsByCodeSigningConfig { arn, page } => {
            codesigning::list_functions(ctx, &arn, page).await
        }
        O::PutFunctionCodeSigningConfig { function, input } => {
            codesigning::put_function(ctx, &function, input).await
        }
        O::GetFunctionCodeSigningConfig { function } => {
            codesigning::get_function(ctx, &function).await
        }
        O::DeleteFunctionCodeSigningConfig { function } => {
            codesigning::delete_function(ctx, &function).await
        }
        O::GetRuntimeManagementConfig(t) => runtimemgmt::get(ctx, &t).await,
        O::PutRuntimeManagementConfig(t, input) => runtimemgmt::put(ctx, &t, input).await,
        O::GetFunctionRecursionConfig { function } => recursion::get(ctx, &function).await,
        O::PutFunctionRecursionConfig { function, input } => {
            recursion::put(ctx, &function, input).await
        }
        O::GetFunctionScalingConfig(t) => scaling::get(ctx, &t).await,
        O::PutFunctionScalingConfig(t, input) => scaling::put(ctx, &t, input).await,
        O::GetResourcePolicy { arn } => resourcepolicy::get(ctx, &arn).await,
        O::PutResourcePolicy { arn, input } => resourcepolicy::put(ctx, &arn, input).await,
        O::DeleteResourcePolicy { arn, revision_id } => {
            resourcepolicy::delete(ctx, &arn, revision_id.as_deref()).await
        }
        O::ListEventSourceMappings {
            page,
            function,
            source,
        } => mappings::list(ctx, page, function.as_deref(), source.as_deref()).await,
        O::CreateEventSourceMapping(input) => mappings::create(ctx, input?).await,
        O::GetEventSourceMapping { uuid } => mappings::get(ctx, &uuid).await,
        O::UpdateEventSourceMapping { uuid, input } => mappings::update(ctx, &uuid, input?).await,
        O::DeleteEventSourceMapping { uuid } => mappings::delete(ctx, &uuid).await,
        O::ListCapacityProviders { page } => unsupported::list_capacity_providers(page),
        O::CreateCapacityProvider => unsupported::create_capacity_provider(),
        O::GetCapacityProvider { name }
        | O::UpdateCapacityProvider { name }
        | O::DeleteCapacityProvider { name }
        | O::ListFunctionVersionsByCapacityProvider { name } => {
            unsupported::capacity_provider(&name)
        }
        O::ListDurableExecutionsByFunction(c) => durable::list(ctx, c).await,
        O::GetDurableExecution(c) => durable::get(ctx, c).await,
        O::GetDurableExecutionHistory(c) => durable::history(ctx, c).await,
        O::GetDurableExecutionState(c) => durable::state(ctx, c).await,
        O::CheckpointDurableExecution(c) => durable::checkpoint(ctx, c).await,
        O::StopDurableExecution(c) => durable::stop(ctx, c).await,
        O::PauseDurableExecution(c) => durable::pause(ctx, c).await,
        O::ResumeDurableExecution(c) => durable::resume(ctx, c).await,
        O::DeleteDurableExecution(c) => durable::delete(ctx, c).await,
        O::SendDurableExecutionCallbackSuccess(c) => durable::callback_success(ctx, c).await,
        O::SendDurableExecutionCallbackFailure(c) => durable::callback_failure(ctx, c).await,
        O::SendDurableExecutionCallbackHeartbeat(c) => durable::callback_heartbeat(ctx, c).await,
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
        O::LambkinPutStack { stack, body } => lambkin::put_stack(ctx, &stack, &body).await,
        O::LambkinDeleteStack { stack } => lambkin::delete_stack(ctx, &stack).await,
    }
}
