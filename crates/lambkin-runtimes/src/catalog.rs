//! Lambda's runtime identifiers: which ones lambkin serves, and what kind of runtime each is.

/// The kind of a runtime lambkin serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `provided`, `provided.al2`, `provided.al2023`: the function or a layer brings its own `bootstrap`.
    Provided,
    /// `python3.X`, served by a CPython 3.X interpreter of the host and `awslambdaric`.
    Python {
        /// The minor version (`12` for `python3.12`).
        minor: u32,
    },
    /// `nodejsNN.x`, served by a Node.js NN of the host and `aws-lambda-ric`.
    Node {
        /// The major version (`20` for `nodejs20.x`).
        major: u32,
    },
}

/// Every runtime lambkin serves, in the order they are listed to users.
pub const SERVED: &[&str] = &[
    "provided",
    "provided.al2",
    "provided.al2023",
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
    "nodejs18.x",
    "nodejs20.x",
    "nodejs22.x",
    "nodejs24.x",
];

/// Lambda's other runtime identifiers: valid names in the API's enumeration that lambkin does not run
/// (deprecated ones and languages without a host interpreter mapping).
pub const NOT_SERVED: &[&str] = &[
    "nodejs",
    "nodejs4.3",
    "nodejs4.3-edge",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "nodejs16.x",
    "java8",
    "java8.al2",
    "java11",
    "java17",
    "java21",
    "java25",
    "python2.7",
    "python3.6",
    "python3.7",
    "python3.8",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "dotnet6",
    "dotnet8",
    "dotnet10",
    "go1.x",
    "ruby2.5",
    "ruby2.7",
    "ruby3.2",
    "ruby3.3",
    "ruby3.4",
];

/// The family of a served runtime; `None` for anything else.
pub fn family(runtime: &str) -> Option<Family> {
    if !SERVED.contains(&runtime) {
        return None;
    }
    if runtime.starts_with("provided") {
        return Some(Family::Provided);
    }
    if let Some(minor) = runtime.strip_prefix("python3.") {
        return minor.parse().ok().map(|minor| Family::Python { minor });
    }
    runtime
        .strip_prefix("nodejs")
        .and_then(|r| r.strip_suffix(".x"))
        .and_then(|major| major.parse().ok())
        .map(|major| Family::Node { major })
}

/// Whether `runtime` is one of Lambda's runtime identifiers (served here or not).
pub fn is_lambda_runtime(runtime: &str) -> bool {
    SERVED.contains(&runtime) || NOT_SERVED.contains(&runtime)
}

/// `AWS_EXECUTION_ENV` of a managed runtime (`AWS_Lambda_python3.12`); `None` for `provided*`, as on Lambda.
pub fn execution_env(runtime: &str) -> Option<String> {
    match family(runtime)? {
        Family::Provided => None,
        _ => Some(format!("AWS_Lambda_{runtime}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        assert_eq!(family("provided.al2023"), Some(Family::Provided));
        assert_eq!(family("python3.12"), Some(Family::Python { minor: 12 }));
        assert_eq!(family("python3.9"), Some(Family::Python { minor: 9 }));
        assert_eq!(family("nodejs20.x"), Some(Family::Node { major: 20 }));
        assert_eq!(family("python3.8"), None);
        assert_eq!(family("cobol"), None);
        assert!(is_lambda_runtime("java21"));
        assert!(!is_lambda_runtime("python4.0"));
        assert_eq!(
            execution_env("nodejs22.x").as_deref(),
            Some("AWS_Lambda_nodejs22.x")
        );
        assert_eq!(execution_env("provided.al2"), None);
    }

    #[test]
    fn every_served_runtime_has_a_family() {
        for r in SERVED {
            assert!(family(r).is_some(), "{r}");
            assert!(!NOT_SERVED.contains(r), "{r}");
        }
    }
}
