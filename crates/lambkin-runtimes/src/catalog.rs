//! Lambda's runtime identifiers and their lifecycle: every member of the API's `Runtime` enumeration (botocore's
//! `lambda` model), its deprecation, block-function-create and block-function-update dates (AWS's "Lambda
//! runtimes" page), which ones lambkin serves, and what to use instead where it cannot.
//!
//! The dates decide what CreateFunction and UpdateFunctionConfiguration accept, as on Lambda: a runtime is
//! refused for new functions from its block-create date and for updates from its block-update date.

use std::fmt;

/// A calendar day (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day {
    /// The year.
    pub year: i32,
    /// The month, 1–12.
    pub month: u8,
    /// The day of the month, 1–31.
    pub day: u8,
}

impl Day {
    /// A day from its parts.
    pub const fn new(year: i32, month: u8, day: u8) -> Self {
        Self { year, month, day }
    }

    /// Today in UTC.
    pub fn today() -> Self {
        let d = time::OffsetDateTime::now_utc().date();
        Self::new(d.year(), u8::from(d.month()), d.day())
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One of Lambda's runtime identifiers and its lifecycle dates (`None`: none announced).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Runtime {
    /// The identifier (`python3.12`).
    pub id: &'static str,
    /// When Lambda deprecates (deprecated) it.
    pub deprecated: Option<Day>,
    /// From this day CreateFunction refuses it.
    pub block_create: Option<Day>,
    /// From this day UpdateFunctionConfiguration (and code updates of its functions) refuse it.
    pub block_update: Option<Day>,
}

impl Runtime {
    /// Whether CreateFunction accepts it on `day`.
    pub fn creatable(&self, day: Day) -> bool {
        self.block_create.is_none_or(|b| day < b)
    }

    /// Whether functions may be updated to (or on) it on `day`.
    pub fn updatable(&self, day: Day) -> bool {
        self.block_update.is_none_or(|b| day < b)
    }

    /// Whether it is deprecated on `day`.
    pub fn is_deprecated(&self, day: Day) -> bool {
        self.deprecated.is_some_and(|d| day >= d)
    }
}

const fn rt(id: &'static str, dates: Option<[Day; 3]>) -> Runtime {
    match dates {
        Some([deprecated, block_create, block_update]) => Runtime {
            id,
            deprecated: Some(deprecated),
            block_create: Some(block_create),
            block_update: Some(block_update),
        },
        None => Runtime {
            id,
            deprecated: None,
            block_create: None,
            block_update: None,
        },
    }
}

/// Deprecation, block-create, block-update.
const fn dates(d: (i32, u8, u8), c: (i32, u8, u8), u: (i32, u8, u8)) -> Option<[Day; 3]> {
    Some([
        Day::new(d.0, d.1, d.2),
        Day::new(c.0, c.1, c.2),
        Day::new(u.0, u.1, u.2),
    ])
}

/// Every member of botocore's `Runtime` enumeration (botocore 1.44), in its order, with the dates of AWS's
/// "Lambda runtimes" page (supported and deprecated runtime tables, as of mid-2026). Members the page does not
/// list yet (announced in the model ahead of launch) have no dates.
pub const ALL: &[Runtime] = &[
    rt(
        "nodejs",
        dates((2016, 8, 30), (2016, 9, 30), (2016, 10, 31)),
    ),
    rt("nodejs4.3", dates((2020, 3, 5), (2020, 2, 3), (2020, 3, 5))),
    rt(
        "nodejs6.10",
        dates((2019, 8, 12), (2019, 7, 12), (2019, 8, 12)),
    ),
    rt(
        "nodejs8.10",
        dates((2020, 3, 6), (2020, 2, 4), (2020, 3, 6)),
    ),
    rt(
        "nodejs10.x",
        dates((2021, 7, 30), (2021, 7, 30), (2022, 2, 14)),
    ),
    rt(
        "nodejs12.x",
        dates((2023, 3, 31), (2023, 3, 31), (2023, 4, 30)),
    ),
    rt(
        "nodejs14.x",
        dates((2023, 12, 4), (2024, 1, 9), (2027, 3, 3)),
    ),
    rt(
        "nodejs16.x",
        dates((2024, 6, 12), (2027, 2, 1), (2027, 3, 3)),
    ),
    rt(
        "nodejs18.x",
        dates((2025, 9, 1), (2027, 2, 1), (2027, 3, 3)),
    ),
    rt(
        "nodejs20.x",
        dates((2026, 4, 30), (2027, 2, 1), (2027, 3, 3)),
    ),
    rt(
        "nodejs22.x",
        dates((2027, 4, 30), (2027, 6, 1), (2027, 7, 1)),
    ),
    rt(
        "nodejs24.x",
        dates((2028, 4, 30), (2028, 6, 1), (2028, 7, 1)),
    ),
    rt("java8", dates((2024, 1, 8), (2024, 2, 8), (2027, 3, 3))),
    rt(
        "java8.al2",
        dates((2027, 6, 30), (2027, 7, 31), (2027, 8, 31)),
    ),
    rt("java11", dates((2027, 6, 30), (2027, 7, 31), (2027, 8, 31))),
    rt("java17", dates((2027, 6, 30), (2027, 7, 31), (2027, 8, 31))),
    rt("java21", dates((2029, 6, 30), (2029, 7, 31), (2029, 8, 31))),
    rt("java25", dates((2029, 6, 30), (2029, 7, 31), (2029, 8, 31))),
    rt(
        "python2.7",
        dates((2021, 7, 15), (2021, 7, 15), (2022, 5, 30)),
    ),
    rt(
        "python3.6",
        dates((2022, 7, 18), (2022, 7, 18), (2022, 8, 29)),
    ),
    rt(
        "python3.7",
        dates((2023, 12, 4), (2024, 1, 9), (2027, 3, 3)),
    ),
    rt(
        "python3.8",
        dates((2024, 10, 14), (2027, 2, 1), (2027, 3, 3)),
    ),
    rt(
        "python3.9",
        dates((2025, 12, 15), (2027, 2, 1), (2027, 3, 3)),
    ),
    rt(
        "python3.10",
        dates((2026, 10, 31), (2027, 2, 1), (2027, 3, 3)),
    ),
    rt(
        "python3.11",
        dates((2027, 6, 30), (2027, 7, 31), (2027, 8, 31)),
    ),
    rt(
        "python3.12",
        dates((2028, 10, 31), (2028, 11, 30), (2029, 1, 10)),
    ),
    rt(
        "python3.13",
        dates((2029, 6, 30), (2029, 7, 31), (2029, 8, 31)),
    ),
    rt(
        "python3.14",
        dates((2029, 6, 30), (2029, 7, 31), (2029, 8, 31)),
    ),
    rt(
        "dotnetcore1.0",
        dates((2019, 6, 27), (2019, 6, 30), (2019, 7, 30)),
    ),
    rt(
        "dotnetcore2.0",
        dates((2019, 5, 30), (2019, 4, 30), (2019, 5, 30)),
    ),
    rt(
        "dotnetcore2.1",
        dates((2022, 1, 5), (2022, 1, 5), (2022, 4, 13)),
    ),
    rt(
        "dotnetcore3.1",
        dates((2023, 4, 3), (2023, 4, 3), (2023, 5, 3)),
    ),
    rt("dotnet6", dates((2024, 12, 20), (2027, 2, 1), (2027, 3, 3))),
    rt("dotnet8", dates((2026, 11, 10), (2027, 2, 1), (2027, 3, 3))),
    rt(
        "dotnet10",
        dates((2028, 11, 14), (2028, 12, 14), (2029, 1, 15)),
    ),
    rt(
        "nodejs4.3-edge",
        dates((2020, 3, 5), (2019, 3, 31), (2019, 4, 30)),
    ),
    rt("go1.x", dates((2024, 1, 8), (2024, 2, 8), (2027, 3, 3))),
    rt(
        "ruby2.5",
        dates((2021, 7, 30), (2021, 7, 30), (2022, 3, 31)),
    ),
    rt("ruby2.7", dates((2023, 12, 7), (2024, 1, 9), (2027, 3, 3))),
    rt("ruby3.2", dates((2026, 3, 31), (2027, 2, 1), (2027, 3, 3))),
    rt(
        "ruby3.3",
        dates((2027, 3, 31), (2027, 4, 30), (2027, 5, 31)),
    ),
    rt(
        "ruby3.4",
        dates((2028, 3, 31), (2028, 4, 30), (2028, 5, 31)),
    ),
    rt(
        "ruby4.0",
        dates((2029, 3, 31), (2029, 4, 30), (2029, 5, 31)),
    ),
    rt("provided", dates((2024, 1, 8), (2024, 2, 8), (2027, 3, 3))),
    rt(
        "provided.al2",
        dates((2026, 7, 31), (2027, 2, 1), (2027, 3, 3)),
    ),
    rt(
        "provided.al2023",
        dates((2029, 6, 30), (2029, 7, 31), (2029, 8, 31)),
    ),
    rt("nodejs26.x", None),
    rt("python3.15", None),
    rt("java8.al2023", None),
    rt("java11.al2023", None),
    rt("java17.al2023", None),
    rt("custom", None),
];

/// The order in which Lambda lists the runtimes it accepts in its enumeration error (captured from AWS in
/// LocalStack's snapshot of `Value … at 'runtime' failed to satisfy constraint`); runtimes launched since
/// follow in catalog order.
const ENUM_ORDER: &[&str] = &[
    "nodejs20.x",
    "python3.14",
    "provided.al2023",
    "python3.12",
    "python3.13",
    "nodejs24.x",
    "nodejs22.x",
    "java25",
    "python3.10",
    "python3.11",
    "java21",
    "ruby3.3",
    "ruby3.4",
    "ruby3.2",
    "python3.8",
    "python3.9",
    "java17",
    "nodejs16.x",
    "dotnet10",
    "dotnet8",
    "java11",
    "dotnet6",
    "nodejs18.x",
    "provided.al2",
    "java8.al2",
];

/// The catalog entry of `id`, if it is one of Lambda's runtime identifiers.
pub fn lookup(id: &str) -> Option<&'static Runtime> {
    ALL.iter().find(|r| r.id == id)
}

/// Whether `runtime` is one of Lambda's runtime identifiers (served here or not).
pub fn is_lambda_runtime(runtime: &str) -> bool {
    lookup(runtime).is_some()
}

/// The runtimes CreateFunction accepts on `day`, in the order Lambda lists them.
pub fn creatable_on(day: Day) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = ENUM_ORDER
        .iter()
        .copied()
        .filter(|id| lookup(id).is_some_and(|r| r.creatable(day)))
        .collect();
    out.extend(
        ALL.iter()
            .filter(|r| r.creatable(day) && r.block_create.is_some() && !ENUM_ORDER.contains(&r.id))
            .map(|r| r.id),
    );
    out
}

/// Lambda's answer (`InvalidParameterValueException`) to a value that is no runtime identifier.
pub fn unknown_message(value: &str, day: Day) -> String {
    format!(
        "Value {value} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [{}] or be a valid ARN",
        creatable_on(day).join(", ")
    )
}

/// Lambda's answer (`InvalidParameterValueException`) to a runtime past its block date.
pub fn blocked_message(id: &str) -> String {
    format!(
        "The runtime parameter of {id} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions."
    )
}

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

/// Why lambkin cannot run a valid Lambda runtime it does not serve, and what to use instead (the
/// `StateReason` of its functions). `None` for served runtimes.
pub fn not_served_reason(runtime: &str) -> Option<String> {
    if family(runtime).is_some() {
        return None;
    }
    let instead = if runtime.starts_with("java") {
        "lambkin has no Java runtime: build the function for provided.al2023 with a custom runtime (for example a GraalVM native image with the aws-lambda-java-runtime-interface-client), or run it on AWS Lambda"
    } else if runtime.starts_with("dotnet") {
        "lambkin has no .NET runtime: publish the function as a native AOT executable named bootstrap for provided.al2023 (Amazon.Lambda.RuntimeSupport), or run it on AWS Lambda"
    } else if runtime.starts_with("ruby") {
        "lambkin has no Ruby runtime: run the function on provided.al2023 with a bootstrap that starts the aws_lambda_ric gem, or run it on AWS Lambda"
    } else if runtime == "go1.x" {
        "lambkin does not run go1.x: build the function as a bootstrap executable for provided.al2023"
    } else if runtime == "custom" {
        "lambkin has no customer-managed runtimes: use provided.al2023 with the runtime's bootstrap in the code or a layer"
    } else if let Some(v) = runtime.strip_prefix("python") {
        return Some(format!(
            "lambkin does not serve python{v} (it serves {}): use a served Python runtime",
            served_of("python")
        ));
    } else if runtime.starts_with("nodejs") {
        return Some(format!(
            "lambkin does not serve {runtime} (it serves {}): use a served Node.js runtime",
            served_of("nodejs")
        ));
    } else {
        "lambkin cannot run this runtime: use provided.al2023 with a bootstrap"
    };
    Some(format!("{instead}."))
}

fn served_of(prefix: &str) -> String {
    SERVED
        .iter()
        .filter(|r| r.starts_with(prefix))
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
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

    const TODAY: Day = Day::new(2026, 12, 6);

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
    fn every_served_runtime_is_a_lambda_runtime_with_a_family() {
        for r in SERVED {
            assert!(family(r).is_some(), "{r}");
            assert!(is_lambda_runtime(r), "{r}");
            assert!(not_served_reason(r).is_none(), "{r}");
        }
        for r in ALL.iter().filter(|r| family(r.id).is_none()) {
            assert!(not_served_reason(r.id).is_some(), "{}", r.id);
        }
    }

    #[test]
    fn the_catalog_is_botocores_enumeration() {
        let ids: Vec<&str> = ALL.iter().map(|r| r.id).collect();
        let unique: std::collections::HashSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len());
        assert_eq!(ids.len(), 52);
        for id in ENUM_ORDER {
            assert!(lookup(id).is_some(), "{id}");
        }
    }

    #[test]
    fn dates_decide_create_and_update() {
        let at = |id: &str| *lookup(id).unwrap();
        // Blocked for create and update long ago.
        assert!(!at("python3.6").creatable(TODAY) && !at("python3.6").updatable(TODAY));
        // Create blocked since 2024-01-09, updates allowed until 2027-03-03.
        assert!(!at("python3.7").creatable(TODAY) && at("python3.7").updatable(TODAY));
        // Deprecated, still creatable until 2027-02-01.
        assert!(at("python3.9").is_deprecated(TODAY) && at("python3.9").creatable(TODAY));
        let feb = Day::new(2027, 2, 1);
        assert!(!at("python3.9").creatable(feb) && at("python3.9").updatable(feb));
        assert!(!at("python3.9").updatable(Day::new(2027, 3, 3)));
        assert!(at("python3.9").creatable(Day::new(2027, 1, 31)));
        assert!(at("python3.14").creatable(TODAY) && !at("python3.14").is_deprecated(TODAY));
        assert!(at("nodejs26.x").creatable(TODAY) && at("nodejs26.x").updatable(TODAY));
        assert!(Day::new(2026, 12, 6) < Day::new(2027, 1, 1));
        assert_eq!(Day::new(2027, 2, 1).to_string(), "2027-02-01");
    }

    #[test]
    fn lambdas_messages() {
        assert_eq!(
            blocked_message("python3.7"),
            "The runtime parameter of python3.7 is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions."
        );
        let msg = unknown_message("python9.9", TODAY);
        assert!(msg.starts_with("Value python9.9 at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [nodejs20.x, python3.14, provided.al2023, "), "{msg}");
        assert!(msg.ends_with(", ruby4.0] or be a valid ARN"), "{msg}");
        assert!(
            !msg.contains("python3.7") && !msg.contains("go1.x"),
            "{msg}"
        );
        // After 2027-02-01 the AL2-era runtimes leave the list.
        let later = creatable_on(Day::new(2027, 2, 1));
        assert!(!later.contains(&"python3.9") && later.contains(&"python3.11"));
    }

    #[test]
    fn unservable_runtimes_say_what_to_use() {
        let java = not_served_reason("java21").unwrap();
        assert!(java.contains("provided.al2023"), "{java}");
        let py = not_served_reason("python3.8").unwrap();
        assert!(py.contains("python3.14"), "{py}");
    }
}
