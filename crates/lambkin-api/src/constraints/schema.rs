//! The shape of the constraint table (`model.rs`, generated): operations, their input members and where each
//! is read, and every member's shape with its constraints, as botocore's model states them. Patterns are
//! compiled once, on first use.

use std::sync::OnceLock;

/// Where a member is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Loc {
    /// A `{label}` of the request URI.
    Path,
    /// A query parameter.
    Query,
    /// A header.
    Header,
    /// A member of the JSON body.
    Body,
}

impl Loc {
    /// The dump's word for it.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Loc::Path => "Path",
            Loc::Query => "Query",
            Loc::Header => "Header",
            Loc::Body => "Body",
        }
    }
}

/// What the body of a request is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Payload {
    /// A JSON object of the body members.
    Json,
    /// Raw bytes (an invoke's event): never parsed.
    Raw,
    /// The JSON object of one structure member.
    Struct(&'static str),
}

/// One operation of the model.
#[derive(Debug)]
pub(crate) struct Op {
    /// botocore's operation name.
    pub name: &'static str,
    /// The HTTP method.
    pub method: &'static str,
    /// The request URI template without its query (`/2015-03-31/functions/{FunctionName}`).
    pub uri: &'static str,
    /// What the body is.
    pub payload: Payload,
    /// The input members, in the model's order.
    pub members: &'static [Member],
}

/// One member of an input or of a structure.
#[derive(Debug)]
pub(crate) struct Member {
    /// The model's member name (`FunctionName`); its message name is this with a lowercase first letter.
    pub name: &'static str,
    /// The name on the wire: the URI label, query parameter, header or JSON key.
    pub wire: &'static str,
    /// Where it is read.
    pub loc: Loc,
    /// Whether the model requires it.
    pub required: bool,
    /// Its shape.
    pub shape: &'static Shape,
}

/// A shape of the model.
#[derive(Debug)]
pub(crate) struct Shape {
    /// The model's shape name.
    pub name: &'static str,
    /// The model's type (`string`, `integer`, …).
    pub type_name: &'static str,
    /// Marked sensitive: messages leave its value out, as Lambda does.
    pub sensitive: bool,
    /// Its constraints.
    pub kind: Kind,
}

/// A shape's constraints.
#[derive(Debug)]
pub(crate) enum Kind {
    /// A string: length in UTF-16 units as Java counts it, a pattern the whole value must match, an enum.
    Str {
        min: Option<u64>,
        max: Option<u64>,
        pattern: Option<&'static Pattern>,
        enums: &'static [&'static str],
    },
    /// An integer or long.
    Int { min: Option<i64>, max: Option<i64> },
    /// A double.
    Double { min: Option<f64>, max: Option<f64> },
    /// Bytes (base64 in JSON).
    Blob { min: Option<u64>, max: Option<u64> },
    /// A list: its length, and its member's shape.
    List {
        min: Option<u64>,
        max: Option<u64>,
        member: &'static Shape,
    },
    /// A map: its number of entries, its keys' and values' shapes.
    Map {
        min: Option<u64>,
        max: Option<u64>,
        key: &'static Shape,
        value: &'static Shape,
    },
    /// A structure.
    Struct(&'static [Member]),
    /// Booleans, timestamps, documents: nothing to check.
    Other,
}

/// A pattern of the model, compiled on first use. Java's `matches()` semantics: the whole value must match;
/// `\d` and `\s` are ASCII classes.
#[derive(Debug)]
pub(crate) struct Pattern {
    /// The model's text (what messages quote).
    pub text: &'static str,
    compiled: OnceLock<Option<fancy_regex::Regex>>,
}

impl Pattern {
    /// A pattern, not compiled yet.
    pub(crate) const fn new(text: &'static str) -> Self {
        Self {
            text,
            compiled: OnceLock::new(),
        }
    }

    /// Whether the whole of `value` matches. A pattern that does not compile (none of the model's) or a
    /// match that gives up accepts the value: a constraint lambkin cannot check must not refuse requests.
    pub(crate) fn matches(&self, value: &str) -> bool {
        let re = self.compiled.get_or_init(|| {
            let source = format!("^(?:{})$", java_classes(self.text));
            match fancy_regex::Regex::new(&source) {
                Ok(re) => Some(re),
                Err(e) => {
                    tracing::warn!("constraint pattern {:?} does not compile: {e}", self.text);
                    None
                }
            }
        });
        re.as_ref()
            .is_none_or(|re| re.is_match(value).unwrap_or(true))
    }
}

/// `\d` and `\s` as Java reads them (ASCII), where Rust's would be Unicode classes.
fn java_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('d') => out.push_str(if in_class { "0-9" } else { "[0-9]" }),
                Some('s') => out.push_str(if in_class { "[:space:]" } else { "[[:space:]]" }),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // A `]` or `^]` right after the opening bracket is a literal.
                let rest = chars.as_str();
                if let Some(stripped) = rest.strip_prefix('^') {
                    out.push('^');
                    chars = stripped.chars();
                }
                if chars.as_str().starts_with(']') {
                    out.push(']');
                    chars.next();
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_classes_are_ascii() {
        assert_eq!(java_classes(r"\d{12}:[^\s]+"), r"[0-9]{12}:[^[:space:]]+");
        assert_eq!(java_classes(r"[\d\-]\\d"), r"[0-9\-]\\d");
        let p = Pattern::new(r"[^\s]+");
        assert!(p.matches("app.handler"));
        assert!(!p.matches("app handler"));
        assert!(p.matches("a\u{a0}b"), "Java's \\s is ASCII");
        let digits = Pattern::new(r"\d{12}");
        assert!(digits.matches("123456789012"));
        assert!(!digits.matches("١٢٣٤٥٦٧٨٩٠١٢"));
    }

    #[test]
    fn the_whole_value_must_match() {
        let p = Pattern::new("(?!^[0-9]+$)([a-zA-Z0-9-_]+)");
        assert!(p.matches("live"));
        assert!(!p.matches("2024"));
        assert!(!p.matches("live!"));
        let alt = Pattern::new("$|kafka://x|arn:.*");
        assert!(alt.matches(""));
        assert!(alt.matches("arn:aws:sqs"));
        assert!(!alt.matches("nope"));
    }
}
