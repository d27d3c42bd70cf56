//! `lambkin image`: container images of a data directory's image store, imported and listed on the spot (no
//! server; a running `serve` on the same data directory sees them at once).

use std::path::PathBuf;

use lambkin_image::{ImageStore, RegistrySettings};

/// Where images live: the same data directory as `lambkin serve`.
#[derive(clap::Args, Debug, Clone)]
pub struct ImageDirArgs {
    /// The `lambkin serve` config file whose data directory to use.
    #[arg(long, env = "LAMBKIN_CONFIG")]
    config: Option<PathBuf>,
    /// The data directory [default: as `lambkin serve`].
    #[arg(long, env = "LAMBKIN_DATA_DIR")]
    data_dir: Option<PathBuf>,
}

/// What to do.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum ImageCommand {
    /// Loads a `docker save` archive, an OCI image layout directory or an OCI archive (`.tar`, `.tar.gz`) into
    /// the image store, for images that never were in a registry: functions then name them in
    /// `Code.ImageUri` by the names they carry (`myfn:latest`).
    Import {
        /// The archive or layout directory.
        file: PathBuf,
        /// The architecture to take from a multi-platform image (`amd64` or `arm64`) [default: this host's].
        #[arg(long)]
        architecture: Option<String>,
        #[command(flatten)]
        dir: ImageDirArgs,
    },
}

fn open(dir: ImageDirArgs) -> Result<ImageStore, String> {
    let config = lambkin_api::ServeConfig::resolve(lambkin_api::config::ServeArgs {
        config: dir.config,
        data_dir: dir.data_dir,
        isolation: Some("process".into()),
        ..Default::default()
    })?;
    ImageStore::open(&config.data_dir.join("images"), RegistrySettings::default())
        .map_err(|e| e.to_string())
}

/// This host's architecture in OCI's words.
fn host_architecture() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "arm64",
        _ => "amd64",
    }
}

/// Runs the command.
pub fn run(command: ImageCommand) -> Result<(), String> {
    match command {
        ImageCommand::Import {
            file,
            architecture,
            dir,
        } => {
            let store = open(dir)?;
            let arch = architecture.unwrap_or_else(|| host_architecture().into());
            let imported = store.import(&file, &arch).map_err(|e| e.to_string())?;
            if imported.is_empty() {
                return Err(format!("{}: no image found in it", file.display()));
            }
            for (name, image) in imported {
                println!(
                    "{name}\t{}\t{} layer(s), {} bytes",
                    image.manifest_digest,
                    image.layers.len(),
                    image.size
                );
            }
            Ok(())
        }
    }
}
