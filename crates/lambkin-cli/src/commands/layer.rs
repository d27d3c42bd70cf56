//! `lambkin layer publish NAME PATH` (PublishLayerVersion) and `lambkin layer ls` (ListLayers).

use base64::Engine as _;
use serde_json::{json, Value};

use super::{human_size, paginate, print_json, print_list, text};
use crate::console::Console;
use crate::error::CliError;
use crate::http::{segment, Api};
use crate::{pack, LayerPublishArgs};

/// The PublishLayerVersion request body.
pub fn publish_body(a: &LayerPublishArgs, zip_b64: &str) -> Value {
    let mut body = json!({"Content": {"ZipFile": zip_b64}});
    if !a.runtimes.is_empty() {
        body["CompatibleRuntimes"] = json!(a.runtimes);
    }
    if let Some(d) = &a.description {
        body["Description"] = json!(d);
    }
    body
}

/// Runs `lambkin layer publish`.
pub async fn publish(
    api: &Api,
    con: &mut Console,
    json: bool,
    a: LayerPublishArgs,
) -> Result<(), CliError> {
    con.progress(&format!("packing {}", a.path.display()));
    let zip = pack::read_code(&a.path)?;
    con.progress(&format!("uploading {}…", human_size(zip.len() as u64)));
    let b64 = base64::engine::general_purpose::STANDARD.encode(&zip);
    let path = format!("/2018-10-31/layers/{}/versions", segment(&a.name));
    let v = api.post(&path, &publish_body(&a, &b64)).await?.ok()?.json();
    con.clear_progress();
    if json {
        return print_json(con, &v);
    }
    con.println(&text(&v, "LayerVersionArn"))
}

/// Runs `lambkin layer ls`.
pub async fn ls(api: &Api, con: &mut Console, json: bool) -> Result<(), CliError> {
    let layers = paginate(api, con, "/2018-10-31/layers", "Layers").await?;
    let row = |l: &Value| {
        let latest = &l["LatestMatchingVersion"];
        let runtimes = latest["CompatibleRuntimes"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default();
        vec![
            text(l, "LayerName"),
            text(latest, "Version"),
            runtimes,
            text(latest, "LayerVersionArn"),
        ]
    };
    let empty = "no layers yet; publish one with: lambkin layer publish NAME DIR";
    let headers = ["NAME", "VERSION", "RUNTIMES", "ARN"];
    print_list(con, json, layers, &headers, row, Some(empty))
}
