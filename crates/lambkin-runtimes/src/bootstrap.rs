//! The `bootstrap` scripts of managed runtimes and the language variables Lambda sets for them.
//!
//! The scripts follow Lambda's own (`/var/runtime/bootstrap` of the managed runtimes): they start the official
//! runtime interface client with the runtime's interpreter and honour `AWS_LAMBDA_EXEC_WRAPPER` the same way
//! (127 when the wrapper does not exist, 126 when it is not executable, else `exec wrapper interpreter args…`).

use std::path::Path;

use crate::catalog::Family;

/// Quotes `s` for a POSIX shell.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Starts `"$@"`, through `AWS_LAMBDA_EXEC_WRAPPER` when it is set.
const EXEC_WITH_WRAPPER: &str = r#"if [ -n "$AWS_LAMBDA_EXEC_WRAPPER" ]; then
  wrapper="$AWS_LAMBDA_EXEC_WRAPPER"
  if [ ! -f "$wrapper" ]; then
    echo "$wrapper: does not exist"
    exit 127
  fi
  if [ ! -x "$wrapper" ]; then
    echo "$wrapper: is not an executable"
    exit 126
  fi
  exec "$wrapper" "$@"
fi
exec "$@"
"#;

/// The bootstrap of a Python runtime: `python -m awslambdaric "$_HANDLER"`.
pub fn python(runtime: &str, interpreter: &Path, version: &str) -> String {
    format!(
        r#"#!/bin/sh
# lambkin's bootstrap for {runtime}: the official runtime interface client (awslambdaric) on the host's
# Python {version}, started as Lambda's own bootstrap starts it.
rt="${{LAMBDA_RUNTIME_DIR:-/var/runtime}}"
case ":$PYTHONPATH:" in
  *":$rt:"*) ;;
  *) PYTHONPATH="${{PYTHONPATH:+$PYTHONPATH:}}$rt"; export PYTHONPATH ;;
esac
set -- {python} -m awslambdaric "$_HANDLER"
{EXEC_WITH_WRAPPER}"#,
        python = sh_quote(&interpreter.to_string_lossy()),
    )
}

/// The bootstrap of a Node.js runtime: `node … aws-lambda-ric/index.mjs "$_HANDLER"` with Lambda's heap
/// sizing (client 4.x reads `_HANDLER`, 3.x its first argument).
pub fn node(runtime: &str, interpreter: &Path, version: &str, entry: &str) -> String {
    format!(
        r#"#!/bin/sh
# lambkin's bootstrap for {runtime}: the official runtime interface client (aws-lambda-ric) on the host's
# Node.js {version}, started as Lambda's own bootstrap starts it.
rt="${{LAMBDA_RUNTIME_DIR:-/var/runtime}}"
case "$AWS_LAMBDA_FUNCTION_MEMORY_SIZE" in
  ''|*[!0-9]*) set -- ;;
  *)
    new_space=$((AWS_LAMBDA_FUNCTION_MEMORY_SIZE / 10))
    set -- "--max-semi-space-size=$((new_space / 2))" "--max-old-space-size=$((AWS_LAMBDA_FUNCTION_MEMORY_SIZE - new_space))"
    ;;
esac
set -- {node} --expose-gc --max-http-header-size 81920 "$@" "$rt"/{entry} "$_HANDLER"
{EXEC_WITH_WRAPPER}"#,
        node = sh_quote(&interpreter.to_string_lossy()),
        entry = sh_quote(entry),
    )
}

/// Lambda's language variables for a runtime, as its process sees the paths: `PYTHONPATH` or `NODE_PATH`
/// (`PATH` with `/opt/bin` and `LD_LIBRARY_PATH` with `/opt/lib` are Lambda's defaults for every runtime).
/// The customer's own variables override them, as on Lambda.
pub fn language_env(family: Family, runtime_dir: &str, task_root: &str) -> Vec<(String, String)> {
    match family {
        Family::Provided => Vec::new(),
        // Lambda's precedence: the function's code, then layers, then the runtime's own packages (a layer's
        // newer boto3 wins over the runtime's).
        Family::Python { minor } => vec![(
            "PYTHONPATH".into(),
            format!(
                "{task_root}:/opt/python/lib/python3.{minor}/site-packages:/opt/python:{runtime_dir}"
            ),
        )],
        Family::Node { major } => vec![(
            "NODE_PATH".into(),
            format!(
                "/opt/nodejs/node{major}/node_modules:/opt/nodejs/node_modules:{runtime_dir}/node_modules:{runtime_dir}:{task_root}"
            ),
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn run(script: &str, env: &[(&str, &str)]) -> (i32, String) {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "lambkin-bootstrap-{}-{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bootstrap");
        std::fs::write(&path, script).unwrap();
        let out = Command::new("/bin/sh")
            .arg(&path)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    #[test]
    fn python_bootstrap_starts_the_client_through_the_wrapper() {
        // /bin/echo stands in for the interpreter: the script's command line is what it prints.
        let script = python("python3.12", Path::new("/bin/echo"), "3.12.1");
        let (code, out) = run(
            &script,
            &[("_HANDLER", "app.handler"), ("LAMBDA_RUNTIME_DIR", "/rt")],
        );
        assert_eq!(code, 0);
        assert_eq!(out, "-m awslambdaric app.handler\n");
        let (code, out) = run(&script, &[("AWS_LAMBDA_EXEC_WRAPPER", "/nonexistent")]);
        assert_eq!(
            (code, out.as_str()),
            (127, "/nonexistent: does not exist\n")
        );
        let (code, _) = run(&script, &[("AWS_LAMBDA_EXEC_WRAPPER", "/proc/self/status")]);
        assert_eq!(code, 126);
        let (code, out) = run(
            &script,
            &[("AWS_LAMBDA_EXEC_WRAPPER", "/bin/echo"), ("_HANDLER", "h")],
        );
        assert_eq!((code, out.as_str()), (0, "/bin/echo -m awslambdaric h\n"));
    }

    #[test]
    fn node_bootstrap_sizes_the_heap() {
        let script = node(
            "nodejs20.x",
            Path::new("/bin/echo"),
            "20.1.0",
            "node_modules/aws-lambda-ric/index.mjs",
        );
        let (_, out) = run(
            &script,
            &[
                ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
                ("LAMBDA_RUNTIME_DIR", "/rt"),
            ],
        );
        assert_eq!(out, "--expose-gc --max-http-header-size 81920 --max-semi-space-size=6 --max-old-space-size=116 /rt/node_modules/aws-lambda-ric/index.mjs \n");
        let (_, out) = run(&script, &[]);
        assert_eq!(
            out,
            "--expose-gc --max-http-header-size 81920 /var/runtime/node_modules/aws-lambda-ric/index.mjs \n"
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(sh_quote("/a b/it's"), r"'/a b/it'\''s'");
    }

    #[test]
    fn lambda_paths() {
        let py = language_env(Family::Python { minor: 12 }, "/var/runtime", "/var/task");
        assert_eq!(
            py[0].1,
            "/var/task:/opt/python/lib/python3.12/site-packages:/opt/python:/var/runtime"
        );
        let node = language_env(Family::Node { major: 20 }, "/var/runtime", "/var/task");
        assert!(node[0].1.starts_with(
            "/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules"
        ));
    }
}
