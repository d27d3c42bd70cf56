//! `lambkin dev`: the local loop. Deploys the template (as `lambkin deploy --template`), then watches the
//! project (the template's directory, with the `notify` crate) and, a moment after files stop changing, runs the
//! build command when one is given and deploys again — which changes only what changed — printing each function
//! that reloaded. Environments of the old code are not reused: the next invoke runs the new code. Runs until
//! interrupted.

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use super::template::{default_stack, default_template, deploy_template, project_of, Deployed};
use crate::console::Console;
use crate::error::CliError;
use crate::http::Api;
use crate::{DevArgs, TemplateArgs};

/// How long files must be quiet before a redeploy (editors write in several steps).
const SETTLE: Duration = Duration::from_millis(250);

/// Whether a changed path matters: not lambkin's or git's own files, not an editor's swap file.
pub fn relevant(path: &Path, project: &Path, building: bool) -> bool {
    let rel = path.strip_prefix(project).unwrap_or(path);
    let mut parts = rel.components().filter_map(|c| match c {
        Component::Normal(s) => s.to_str(),
        _ => None,
    });
    let first = parts.next().unwrap_or_default();
    if first == ".git" || (building && first == ".aws-sam") {
        return false;
    }
    // Build outputs a build command writes (a rebuild must not trigger itself).
    if building
        && rel
            .components()
            .any(|c| matches!(c.as_os_str().to_str(), Some("target" | "dist" | "build")))
    {
        return false;
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    !(name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.starts_with(".#")
        || name == "__pycache__"
        || name.ends_with(".pyc")
        || rel.components().any(|c| c.as_os_str() == "__pycache__"))
}

/// Runs the `--build` command in the project directory; a failure is reported, and the deploy skipped.
fn build(con: &mut Console, cmd: &str, project: &Path) -> bool {
    con.eprintln(&format!("building: {cmd}"));
    match std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .current_dir(project)
        .status()
    {
        Ok(s) if s.success() => true,
        Ok(s) => {
            con.eprintln(&format!("build failed ({s}); waiting for the next change"));
            false
        }
        Err(e) => {
            con.eprintln(&format!("cannot run the build: {e}"));
            false
        }
    }
}

/// One line per function or layer that changed.
fn report(con: &mut Console, d: &Deployed, first: bool) -> Result<(), CliError> {
    let mut any = false;
    for (logical_id, kind, name, action) in d.outcomes() {
        if action == "unchanged" {
            continue;
        }
        any = true;
        let verb = if first { "deployed" } else { "reloaded" };
        con.println(&format!("{verb} {kind} {logical_id} ({name}): {action}"))?;
    }
    if !any && !first {
        con.println("no function changed")?;
    }
    con.flush()
}

/// Runs `lambkin dev`.
pub async fn run(api: &Api, con: &mut Console, a: DevArgs) -> Result<(), CliError> {
    let project = match &a.source.template {
        Some(t) => project_of(t),
        None => std::fs::canonicalize(".").unwrap_or_else(|_| PathBuf::from(".")),
    };
    // The build runs first: it makes the template to deploy (`.aws-sam/build/template.yaml` for `sam build`).
    if let Some(cmd) = &a.build {
        if !build(con, cmd, &project) {
            return Err(CliError::msg("the first build failed"));
        }
    }
    let template = a
        .source
        .template
        .clone()
        .unwrap_or_else(|| default_template(&project));
    let src = TemplateArgs {
        template: Some(template.clone()),
        stack_name: Some(
            a.source
                .stack_name
                .clone()
                .unwrap_or_else(|| default_stack(&template)),
        ),
        parameter_overrides: a.source.parameter_overrides.clone(),
    };
    let d = deploy_template(api, con, &src).await?;
    super::template::print_apis(con, &d.apis);
    report(con, &d, true)?;

    let (tx, mut rx) = mpsc::unbounded_channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        // Only changes: reading files (the deploy zipping them, an editor, a build) is not one.
        if let Ok(ev) = res {
            if matches!(
                ev.kind,
                notify::EventKind::Create(_)
                    | notify::EventKind::Modify(_)
                    | notify::EventKind::Remove(_)
            ) {
                for p in ev.paths {
                    let _ = tx.send(p);
                }
            }
        }
    })
    .map_err(|e| CliError::msg(format!("cannot watch files: {e}")))?;
    watcher
        .watch(&project, RecursiveMode::Recursive)
        .map_err(|e| CliError::msg(format!("cannot watch {}: {e}", project.display())))?;
    con.println(&format!("watching {} (Ctrl-C to stop)", project.display()))?;
    con.flush()?;
    let building = a.build.is_some();
    loop {
        // Wait for a change that matters, then for the files to settle.
        let first = tokio::select! {
            p = rx.recv() => p,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        let Some(first) = first else {
            return Err(CliError::msg("the file watcher stopped"));
        };
        let mut changed = relevant(&first, &project, building).then_some(first);
        loop {
            match tokio::time::timeout(SETTLE, rx.recv()).await {
                Ok(Some(p)) => {
                    if changed.is_none() && relevant(&p, &project, building) {
                        changed = Some(p);
                    }
                }
                Ok(None) => return Err(CliError::msg("the file watcher stopped")),
                Err(_) => break,
            }
        }
        let Some(path) = changed else {
            continue;
        };
        con.eprintln(&format!("changed: {}", path.display()));
        if let Some(cmd) = &a.build {
            if !build(con, cmd, &project) {
                continue;
            }
        }
        match deploy_template(api, con, &src).await {
            Ok(d) => report(con, &d, false)?,
            // A broken template or package is reported; the next change tries again.
            Err(e) => con.eprintln(&format!("error: {e}")),
        }
        // What the build and the deploy themselves touched is not a change of the user's.
        while rx.try_recv().is_ok() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_counts_as_a_change() {
        let p = Path::new("/p");
        assert!(relevant(Path::new("/p/hello/app.py"), p, false));
        assert!(relevant(Path::new("/p/template.yaml"), p, true));
        assert!(!relevant(Path::new("/p/.git/index"), p, false));
        assert!(!relevant(Path::new("/p/hello/.app.py.swp"), p, false));
        assert!(!relevant(
            Path::new("/p/hello/__pycache__/app.cpython-312.pyc"),
            p,
            false
        ));
        // A built template changes under .aws-sam: it counts unless lambkin runs the build itself.
        assert!(relevant(
            Path::new("/p/.aws-sam/build/Hello/app.py"),
            p,
            false
        ));
        assert!(!relevant(
            Path::new("/p/.aws-sam/build/Hello/app.py"),
            p,
            true
        ));
        assert!(!relevant(Path::new("/p/rust/target/debug/app"), p, true));
        assert!(relevant(Path::new("/p/rust/src/main.rs"), p, true));
    }
}
