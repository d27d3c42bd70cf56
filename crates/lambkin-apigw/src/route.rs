//! Routes matched as API Gateway matches them: of the routes whose method is the request's (or `ANY`), the one
//! whose path is most specific, segment by segment from the left — an exact segment beats a `{param}`, which
//! beats a greedy `{proxy+}` — and, between two routes of the same path, the one naming the method beats
//! `ANY`. An HTTP API's `$default` route takes what nothing else does.
//!
//! Literal segments are compared with the request's percent-decoded segments (a `%2F` stays inside its
//! segment); path parameters are percent-decoded. A trailing slash is ignored for matching and kept in a greedy
//! parameter. `+` is not a space in a path.

use std::collections::BTreeMap;

use crate::request::decode;

use crate::config::{ApiKind, RouteConfig};

/// The route key of an HTTP API's catch-all route.
pub const DEFAULT_ROUTE: &str = "$default";

/// Methods a route may name.
const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY",
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    Greedy(String),
}

impl Segment {
    /// Lower is more specific.
    fn rank(&self) -> u8 {
        match self {
            Segment::Literal(_) => 0,
            Segment::Param(_) => 1,
            Segment::Greedy(_) => 2,
        }
    }
}

#[derive(Debug, Clone)]
struct Template {
    /// `None` for `ANY`.
    method: Option<String>,
    segments: Vec<Segment>,
}

impl Template {
    /// How specific each segment is (lower: more specific), compared segment by segment.
    fn ranks(&self) -> impl Iterator<Item = u8> + '_ {
        self.segments.iter().map(Segment::rank)
    }
}

/// An API's routes, checked and ready to match.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    /// Parallel to the configuration's routes; `None` for `$default`.
    templates: Vec<Option<Template>>,
    default: Option<usize>,
}

/// A request's path as matched: its raw segments (a trailing slash noted, not a segment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathSegments<'a> {
    raw: Vec<&'a str>,
    trailing_slash: bool,
}

impl<'a> PathSegments<'a> {
    /// `None` for a path that does not start with `/`.
    pub(crate) fn parse(path: &'a str) -> Option<Self> {
        let rest = path.strip_prefix('/')?;
        if rest.is_empty() {
            return Some(Self {
                raw: Vec::new(),
                trailing_slash: false,
            });
        }
        let mut raw: Vec<&str> = rest.split('/').collect();
        let trailing_slash = raw.last() == Some(&"");
        if trailing_slash {
            raw.pop();
        }
        Some(Self {
            raw,
            trailing_slash,
        })
    }
}

/// The route a request matched and its path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RouteMatch {
    /// Index into the configuration's routes.
    pub route: usize,
    /// Decoded path parameters (empty for none).
    pub path_parameters: BTreeMap<String, String>,
}

impl Table {
    /// Checks the routes: paths, methods, parameters, duplicates, `$default` only for HTTP APIs.
    pub(crate) fn new(kind: ApiKind, routes: &[RouteConfig]) -> Result<Self, String> {
        let mut templates = Vec::with_capacity(routes.len());
        let mut default = None;
        let mut seen: Vec<(String, String)> = Vec::new();
        for (i, r) in routes.iter().enumerate() {
            let method = r.method.to_ascii_uppercase();
            if !METHODS.contains(&method.as_str()) {
                return Err(format!(
                    "route {} {}: unknown method {:?}",
                    r.method, r.path, r.method
                ));
            }
            let key = (method.clone(), r.path.clone());
            if seen.contains(&key) {
                return Err(format!("route {} {} is declared twice", key.0, key.1));
            }
            seen.push(key);
            if r.path == DEFAULT_ROUTE {
                if kind != ApiKind::Http {
                    return Err("$default routes belong to HTTP APIs only".to_owned());
                }
                default = Some(i);
                templates.push(None);
                continue;
            }
            let segments = template_segments(&r.path)
                .map_err(|e| format!("route {method} {}: {e}", r.path))?;
            templates.push(Some(Template {
                method: (method != "ANY").then_some(method),
                segments,
            }));
        }
        Ok(Self { templates, default })
    }

    /// The best route for `method` and `path`, without the `$default` route.
    pub(crate) fn find(&self, method: &str, path: &PathSegments<'_>) -> Option<RouteMatch> {
        let mut best: Option<(&Template, bool, RouteMatch)> = None;
        for (i, t) in self.templates.iter().enumerate() {
            let Some(t) = t else { continue };
            let any = match &t.method {
                None => true,
                Some(m) if m == method => false,
                Some(_) => continue,
            };
            let Some(params) = matches(&t.segments, path) else {
                continue;
            };
            // The most specific segment by segment, then a method over `ANY`.
            let better = match &best {
                None => true,
                Some((b, b_any, _)) => t.ranks().cmp(b.ranks()).then(any.cmp(b_any)).is_lt(),
            };
            if better {
                best = Some((
                    t,
                    any,
                    RouteMatch {
                        route: i,
                        path_parameters: params,
                    },
                ));
            }
        }
        best.map(|(_, _, m)| m)
    }

    /// The `$default` route, if the API has one.
    pub(crate) fn default_route(&self) -> Option<usize> {
        self.default
    }

    /// The methods of the routes whose path matches (`ANY` as it is written), in the configuration's order.
    pub(crate) fn methods_of_path(
        &self,
        routes: &[RouteConfig],
        path: &PathSegments<'_>,
    ) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (t, r) in self.templates.iter().zip(routes) {
            let Some(t) = t else { continue };
            if matches(&t.segments, path).is_some() {
                let m = r.method.to_ascii_uppercase();
                if !out.contains(&m) {
                    out.push(m);
                }
            }
        }
        out
    }

    /// Whether a route names `OPTIONS` itself for this path (then it answers preflights, not API Gateway).
    pub(crate) fn has_options_route(&self, path: &PathSegments<'_>) -> bool {
        self.templates
            .iter()
            .flatten()
            .any(|t| t.method.as_deref() == Some("OPTIONS") && matches(&t.segments, path).is_some())
    }
}

fn template_segments(path: &str) -> Result<Vec<Segment>, String> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err("a path starts with /".to_owned());
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() {
        return Ok(Vec::new());
    }
    let parts: Vec<&str> = rest.split('/').collect();
    let mut out = Vec::with_capacity(parts.len());
    let mut names: Vec<&str> = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() {
            return Err("empty path segment".to_owned());
        }
        let seg = match p.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(inner) => {
                let (name, greedy) = match inner.strip_suffix('+') {
                    Some(n) => (n, true),
                    None => (inner, false),
                };
                if name.is_empty() || name.contains(['{', '}', '+']) {
                    return Err(format!("bad path parameter {p:?}"));
                }
                if names.contains(&name) {
                    return Err(format!("path parameter {name:?} appears twice"));
                }
                names.push(name);
                if greedy {
                    if i + 1 != parts.len() {
                        return Err(format!("greedy parameter {p:?} must be the last segment"));
                    }
                    Segment::Greedy(name.to_owned())
                } else {
                    Segment::Param(name.to_owned())
                }
            }
            None if p.contains(['{', '}']) => {
                return Err(format!("a path parameter is a whole segment, found {p:?}"))
            }
            None => Segment::Literal((*p).to_owned()),
        };
        out.push(seg);
    }
    Ok(out)
}

fn matches(template: &[Segment], path: &PathSegments<'_>) -> Option<BTreeMap<String, String>> {
    let mut params = BTreeMap::new();
    for (i, seg) in template.iter().enumerate() {
        match seg {
            Segment::Greedy(name) => {
                if i >= path.raw.len() {
                    return None;
                }
                let mut rest = path.raw[i..].join("/");
                if path.trailing_slash {
                    rest.push('/');
                }
                params.insert(name.clone(), decode(&rest));
                return Some(params);
            }
            Segment::Literal(lit) => {
                let got = path.raw.get(i)?;
                if decode(got) != *lit {
                    return None;
                }
            }
            Segment::Param(name) => {
                let got = path.raw.get(i)?;
                if got.is_empty() {
                    return None;
                }
                params.insert(name.clone(), decode(got));
            }
        }
    }
    (template.len() == path.raw.len()).then_some(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PayloadFormat;

    fn route(method: &str, path: &str) -> RouteConfig {
        RouteConfig {
            method: method.to_owned(),
            path: path.to_owned(),
            function: format!("{method} {path}"),
            payload_format: PayloadFormat::V1,
            authorizer: None,
            timeout_ms: None,
        }
    }

    fn table(kind: ApiKind, routes: &[(&str, &str)]) -> (Vec<RouteConfig>, Table) {
        let rs: Vec<RouteConfig> = routes.iter().map(|(m, p)| route(m, p)).collect();
        let t = Table::new(kind, &rs).expect("table");
        (rs, t)
    }

    /// The route a request picks, as `METHOD path`, and its parameters.
    fn pick(
        rs: &[RouteConfig],
        t: &Table,
        method: &str,
        path: &str,
    ) -> Option<(String, BTreeMap<String, String>)> {
        let segs = PathSegments::parse(path).expect("path");
        t.find(method, &segs)
            .map(|m| (rs[m.route].function.clone(), m.path_parameters))
    }

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn exact_beats_param_beats_greedy() {
        let (rs, t) = table(
            ApiKind::Rest,
            &[
                ("GET", "/{proxy+}"),
                ("GET", "/pets/{id}"),
                ("GET", "/pets/dog"),
                ("GET", "/pets/{id}/toys/{proxy+}"),
            ],
        );
        assert_eq!(
            pick(&rs, &t, "GET", "/pets/dog"),
            Some(("GET /pets/dog".into(), params(&[])))
        );
        assert_eq!(
            pick(&rs, &t, "GET", "/pets/cat"),
            Some(("GET /pets/{id}".into(), params(&[("id", "cat")])))
        );
        assert_eq!(
            pick(&rs, &t, "GET", "/pets/cat/toys/ball/red"),
            Some((
                "GET /pets/{id}/toys/{proxy+}".into(),
                params(&[("id", "cat"), ("proxy", "ball/red")])
            ))
        );
        assert_eq!(
            pick(&rs, &t, "GET", "/pets/cat/food"),
            Some((
                "GET /{proxy+}".into(),
                params(&[("proxy", "pets/cat/food")])
            ))
        );
    }

    #[test]
    fn leftmost_segment_decides() {
        let (rs, t) = table(ApiKind::Http, &[("GET", "/{a}/b"), ("GET", "/x/{c}")]);
        assert_eq!(
            pick(&rs, &t, "GET", "/x/b"),
            Some(("GET /x/{c}".into(), params(&[("c", "b")])))
        );
    }

    #[test]
    fn method_beats_any_on_the_same_path_but_not_a_more_specific_path() {
        let (rs, t) = table(
            ApiKind::Rest,
            &[
                ("ANY", "/items"),
                ("GET", "/items"),
                ("GET", "/{proxy+}"),
                ("ANY", "/{proxy+}"),
            ],
        );
        assert_eq!(
            pick(&rs, &t, "GET", "/items").map(|p| p.0),
            Some("GET /items".into())
        );
        assert_eq!(
            pick(&rs, &t, "POST", "/items").map(|p| p.0),
            Some("ANY /items".into())
        );
        assert_eq!(
            pick(&rs, &t, "GET", "/other").map(|p| p.0),
            Some("GET /{proxy+}".into())
        );
        assert_eq!(
            pick(&rs, &t, "DELETE", "/other").map(|p| p.0),
            Some("ANY /{proxy+}".into())
        );
        // A route of another method is not a candidate: the greedy route of the request's method is.
        let (rs, t) = table(ApiKind::Http, &[("POST", "/items"), ("GET", "/{proxy+}")]);
        assert_eq!(
            pick(&rs, &t, "GET", "/items").map(|p| p.0),
            Some("GET /{proxy+}".into())
        );
    }

    #[test]
    fn greedy_needs_a_segment_and_keeps_the_rest() {
        let (rs, t) = table(ApiKind::Rest, &[("ANY", "/{proxy+}"), ("GET", "/")]);
        assert_eq!(pick(&rs, &t, "GET", "/").map(|p| p.0), Some("GET /".into()));
        assert_eq!(pick(&rs, &t, "POST", "/"), None);
        assert_eq!(
            pick(&rs, &t, "POST", "/a/b/"),
            Some(("ANY /{proxy+}".into(), params(&[("proxy", "a/b/")])))
        );
        assert_eq!(
            pick(&rs, &t, "POST", "/a%20b/c%2Fd"),
            Some(("ANY /{proxy+}".into(), params(&[("proxy", "a b/c/d")])))
        );
    }

    #[test]
    fn segments_are_decoded_and_trailing_slash_ignored() {
        let (rs, t) = table(ApiKind::Rest, &[("GET", "/files/{name}"), ("GET", "/a b")]);
        assert_eq!(
            pick(&rs, &t, "GET", "/files/x%2Fy.txt"),
            Some(("GET /files/{name}".into(), params(&[("name", "x/y.txt")])))
        );
        assert_eq!(
            pick(&rs, &t, "GET", "/a%20b").map(|p| p.0),
            Some("GET /a b".into())
        );
        assert_eq!(
            pick(&rs, &t, "GET", "/files/x/").map(|p| p.0),
            Some("GET /files/{name}".into())
        );
        assert_eq!(pick(&rs, &t, "GET", "/files/"), None);
        assert_eq!(pick(&rs, &t, "GET", "/files//"), None);
        assert_eq!(pick(&rs, &t, "GET", "/Files/x"), None);
    }

    #[test]
    fn default_route_is_kept_aside() {
        let (rs, t) = table(ApiKind::Http, &[("GET", "/a"), ("ANY", "$default")]);
        assert_eq!(t.default_route(), Some(1));
        assert_eq!(pick(&rs, &t, "GET", "/b"), None);
        assert!(Table::new(ApiKind::Rest, &[route("ANY", "$default")]).is_err());
    }

    #[test]
    fn bad_routes_are_refused() {
        for (m, p) in [
            ("GET", "items"),
            ("GET", "/{proxy+}/x"),
            ("GET", "/a/{}"),
            ("GET", "/a/{id}.json"),
            ("GET", "/{id}/{id}"),
            ("GET", "/a//b"),
            ("FETCH", "/a"),
        ] {
            assert!(
                Table::new(ApiKind::Rest, &[route(m, p)]).is_err(),
                "{m} {p}"
            );
        }
        assert!(Table::new(ApiKind::Rest, &[route("GET", "/a"), route("get", "/a")]).is_err());
    }

    #[test]
    fn methods_of_a_path() {
        let (rs, t) = table(
            ApiKind::Rest,
            &[
                ("GET", "/a"),
                ("POST", "/a"),
                ("ANY", "/{p+}"),
                ("OPTIONS", "/b"),
            ],
        );
        let a = PathSegments::parse("/a").expect("path");
        assert_eq!(t.methods_of_path(&rs, &a), vec!["GET", "POST", "ANY"]);
        assert!(!t.has_options_route(&a));
        assert!(t.has_options_route(&PathSegments::parse("/b").expect("path")));
    }
}
