//! CloudWatch Logs' filter pattern language, as AWS documents it ("Filter pattern syntax for metric
//! filters, subscription filters, filter log events"): parsed once, matched against each message.
//!
//! - Unstructured: terms that must all appear (case-sensitive), `"quoted phrases"`, `?term` (at least one
//!   of the `?` terms), `-term` (none of these), `%regex%`; the empty pattern matches everything.
//! - JSON: `{ $.a.b[0] = "v" }` with `=`, `!=` (strings, `*` wildcards, `%regex%`, numbers), `<`, `>`,
//!   `<=`, `>=` (numbers), `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`, `&&`, `||`, parentheses, `[*]`.
//! - Space-delimited: `[ip, user, ..., status = 4*, bytes > 1000]`: the message's words (`"…"` and `[…]`
//!   group), `...` any number of them.

use regex::Regex;
use serde_json::Value;

/// A parsed filter pattern.
#[derive(Debug, Clone)]
pub enum FilterPattern {
    /// The empty pattern: every message.
    All,
    /// Terms of an unstructured pattern.
    Terms(Vec<Term>),
    /// A JSON pattern.
    Json(JsonExpr),
    /// A space-delimited pattern.
    Delimited(Vec<Field>),
}

/// One term of an unstructured pattern.
#[derive(Debug, Clone)]
pub struct Term {
    kind: TermKind,
    text: Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TermKind {
    Must,
    Any,
    Not,
}

/// Literal text or a regular expression.
#[derive(Debug, Clone)]
enum Text {
    Lit(String),
    Re(Regex),
}

impl Text {
    fn found_in(&self, s: &str) -> bool {
        match self {
            Text::Lit(l) => s.contains(l.as_str()),
            Text::Re(r) => r.is_match(s),
        }
    }
}

/// A JSON pattern's expression.
#[derive(Debug, Clone)]
pub enum JsonExpr {
    /// Both.
    And(Box<JsonExpr>, Box<JsonExpr>),
    /// Either.
    Or(Box<JsonExpr>, Box<JsonExpr>),
    /// A comparison of a selected value.
    Cmp(Selector, Cond),
}

/// `$.a.b[0]`: the path to a value.
#[derive(Debug, Clone)]
pub struct Selector(Vec<Step>);

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
    AnyIndex,
}

/// What a selected value (or a word) must be.
#[derive(Debug, Clone)]
pub enum Cond {
    /// `= value`.
    Eq(Operand),
    /// `!= value`.
    Ne(Operand),
    /// `<`, `>`, `<=`, `>=` a number.
    Num(NumOp, f64),
    /// `IS NULL`.
    IsNull,
    /// `IS TRUE` / `IS FALSE`.
    IsBool(bool),
    /// `NOT EXISTS`.
    NotExists,
    /// No condition (a space-delimited field that only names a word).
    Any,
}

/// A numeric comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumOp {
    /// `<`.
    Lt,
    /// `>`.
    Gt,
    /// `<=`.
    Le,
    /// `>=`.
    Ge,
}

/// The right side of `=` / `!=`.
#[derive(Debug, Clone)]
pub enum Operand {
    /// A number (compared numerically with numbers, as text with strings).
    Num(f64, String),
    /// A string, `*` matching any run of characters.
    Str(String),
    /// `%regex%`.
    Re(Regex),
}

/// A field of a space-delimited pattern.
#[derive(Debug, Clone)]
pub enum Field {
    /// `...`: any number of words.
    Ellipsis,
    /// A named word and its condition.
    Word(Cond),
}

/// The pattern could not be parsed (AWS: `InvalidParameterException` "Invalid filter pattern").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError;

type Res<T> = Result<T, PatternError>;

impl FilterPattern {
    /// Parses a filter pattern.
    pub fn parse(src: &str) -> Result<FilterPattern, PatternError> {
        let s = src.trim();
        if s.is_empty() {
            return Ok(FilterPattern::All);
        }
        if let Some(inner) = s.strip_prefix('{') {
            let inner = inner.strip_suffix('}').ok_or(PatternError)?;
            let mut p = Parser::new(inner);
            let e = p.or_expr()?;
            p.ws();
            if !p.done() {
                return Err(PatternError);
            }
            return Ok(FilterPattern::Json(e));
        }
        if let Some(inner) = s.strip_prefix('[') {
            let inner = inner.strip_suffix(']').ok_or(PatternError)?;
            return Ok(FilterPattern::Delimited(parse_fields(inner)?));
        }
        parse_terms(s).map(FilterPattern::Terms)
    }

    /// Whether a message matches.
    pub fn matches(&self, message: &str) -> bool {
        match self {
            FilterPattern::All => true,
            FilterPattern::Terms(terms) => {
                let mut any_seen = false;
                let mut any_hit = false;
                for t in terms {
                    let found = t.text.found_in(message);
                    match t.kind {
                        TermKind::Must if !found => return false,
                        TermKind::Not if found => return false,
                        TermKind::Any => {
                            any_seen = true;
                            any_hit |= found;
                        }
                        _ => {}
                    }
                }
                !any_seen || any_hit
            }
            FilterPattern::Json(e) => {
                let Ok(v) = serde_json::from_str::<Value>(message.trim()) else {
                    return false;
                };
                v.is_object() && eval(e, &v)
            }
            FilterPattern::Delimited(fields) => {
                let words = split_words(message);
                match_fields(fields, &words)
            }
        }
    }
}

fn parse_terms(s: &str) -> Res<Vec<Term>> {
    let mut p = Parser::new(s);
    let mut terms = Vec::new();
    loop {
        p.ws();
        if p.done() {
            break;
        }
        let kind = if p.eat("?") {
            TermKind::Any
        } else if p.peek() == Some('-') && p.peek_at(1).is_some_and(|c| !c.is_whitespace()) {
            p.bump();
            TermKind::Not
        } else {
            TermKind::Must
        };
        let text = match p.peek() {
            Some('"') => Text::Lit(p.quoted()?),
            Some('%') => Text::Re(p.regex()?),
            Some(_) => {
                let w = p.take_while(|c| !c.is_whitespace() && c != '"');
                if w.is_empty() {
                    return Err(PatternError);
                }
                Text::Lit(w)
            }
            None => return Err(PatternError),
        };
        terms.push(Term { kind, text });
    }
    Ok(terms)
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Parser<'a> {
    fn new(s: &'a str) -> Self {
        Self { s, i: 0 }
    }
    fn rest(&self) -> &'a str {
        &self.s[self.i..]
    }
    fn done(&self) -> bool {
        self.i >= self.s.len()
    }
    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }
    fn peek_at(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += c.len_utf8();
        Some(c)
    }
    fn ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }
    fn eat(&mut self, lit: &str) -> bool {
        if self.rest().starts_with(lit) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }
    /// A case-insensitive keyword followed by a non-word character.
    fn keyword(&mut self, kw: &str) -> bool {
        let r = self.rest();
        if r.len() >= kw.len()
            && r.is_char_boundary(kw.len())
            && r[..kw.len()].eq_ignore_ascii_case(kw)
            && !r[kw.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            self.i += kw.len();
            true
        } else {
            false
        }
    }
    fn take_while(&mut self, f: impl Fn(char) -> bool) -> String {
        let start = self.i;
        while self.peek().is_some_and(&f) {
            self.bump();
        }
        self.s[start..self.i].to_owned()
    }
    /// `"…"` with `\"` and `\\` escapes.
    fn quoted(&mut self) -> Res<String> {
        if self.bump() != Some('"') {
            return Err(PatternError);
        }
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(PatternError),
                Some('"') => return Ok(out),
                Some('\\') => match self.bump() {
                    Some(c) => out.push(c),
                    None => return Err(PatternError),
                },
                Some(c) => out.push(c),
            }
        }
    }
    /// `%regex%`.
    fn regex(&mut self) -> Res<Regex> {
        if self.bump() != Some('%') {
            return Err(PatternError);
        }
        let start = self.i;
        loop {
            match self.bump() {
                None => return Err(PatternError),
                Some('\\') => {
                    self.bump();
                }
                Some('%') => break,
                Some(_) => {}
            }
        }
        let body = &self.s[start..self.i - 1];
        if body.is_empty() {
            return Err(PatternError);
        }
        Regex::new(body).map_err(|_| PatternError)
    }

    fn or_expr(&mut self) -> Res<JsonExpr> {
        let mut left = self.and_expr()?;
        loop {
            self.ws();
            if self.eat("||") {
                let right = self.and_expr()?;
                left = JsonExpr::Or(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }
    fn and_expr(&mut self) -> Res<JsonExpr> {
        let mut left = self.unary()?;
        loop {
            self.ws();
            if self.eat("&&") {
                let right = self.unary()?;
                left = JsonExpr::And(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }
    fn unary(&mut self) -> Res<JsonExpr> {
        self.ws();
        if self.eat("(") {
            let e = self.or_expr()?;
            self.ws();
            if !self.eat(")") {
                return Err(PatternError);
            }
            return Ok(e);
        }
        let sel = self.selector()?;
        self.ws();
        let cond = self.condition(true)?;
        Ok(JsonExpr::Cmp(sel, cond))
    }
    fn selector(&mut self) -> Res<Selector> {
        if !self.eat("$") {
            return Err(PatternError);
        }
        let mut steps = Vec::new();
        loop {
            if self.eat(".") {
                let key = if self.peek() == Some('"') {
                    self.quoted()?
                } else {
                    self.take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '@' | '$'))
                };
                if key.is_empty() {
                    return Err(PatternError);
                }
                steps.push(Step::Key(key));
            } else if self.eat("[") {
                self.ws();
                if self.eat("*") {
                    steps.push(Step::AnyIndex);
                } else {
                    let n = self.take_while(|c| c.is_ascii_digit());
                    steps.push(Step::Index(n.parse().map_err(|_| PatternError)?));
                }
                self.ws();
                if !self.eat("]") {
                    return Err(PatternError);
                }
            } else {
                break;
            }
        }
        if steps.is_empty() {
            return Err(PatternError);
        }
        Ok(Selector(steps))
    }
    /// The condition after a selector (JSON) or a field name (space-delimited; `required` false: none).
    fn condition(&mut self, required: bool) -> Res<Cond> {
        if self.keyword("IS") {
            self.ws();
            return if self.keyword("NULL") {
                Ok(Cond::IsNull)
            } else if self.keyword("TRUE") {
                Ok(Cond::IsBool(true))
            } else if self.keyword("FALSE") {
                Ok(Cond::IsBool(false))
            } else {
                Err(PatternError)
            };
        }
        if self.keyword("NOT") {
            self.ws();
            return if self.keyword("EXISTS") {
                Ok(Cond::NotExists)
            } else {
                Err(PatternError)
            };
        }
        for (op, n) in [
            ("<=", NumOp::Le),
            (">=", NumOp::Ge),
            ("<", NumOp::Lt),
            (">", NumOp::Gt),
        ] {
            if self.eat(op) {
                self.ws();
                let Operand::Num(v, _) = self.operand()? else {
                    return Err(PatternError);
                };
                return Ok(Cond::Num(n, v));
            }
        }
        if self.eat("!=") {
            self.ws();
            return Ok(Cond::Ne(self.operand()?));
        }
        if self.eat("=") {
            self.ws();
            return Ok(Cond::Eq(self.operand()?));
        }
        if required {
            Err(PatternError)
        } else {
            Ok(Cond::Any)
        }
    }
    fn operand(&mut self) -> Res<Operand> {
        match self.peek() {
            Some('"') => Ok(Operand::Str(self.quoted()?)),
            Some('%') => Ok(Operand::Re(self.regex()?)),
            Some(_) => {
                let w = self.take_while(|c| {
                    !c.is_whitespace() && !matches!(c, ')' | '(' | '&' | '|' | ',' | '"')
                });
                if w.is_empty() {
                    return Err(PatternError);
                }
                Ok(match w.parse::<f64>() {
                    Ok(v) if v.is_finite() => Operand::Num(v, w),
                    _ => Operand::Str(w),
                })
            }
            None => Err(PatternError),
        }
    }
}

/// `*` matches any run of characters; everything else itself.
fn glob(pattern: &str, s: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == s;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !s.starts_with(first) || s.len() < first.len() + last.len() || !s.ends_with(last) {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

fn select<'v>(v: &'v Value, steps: &[Step], out: &mut Vec<&'v Value>) {
    let Some((step, rest)) = steps.split_first() else {
        out.push(v);
        return;
    };
    match (step, v) {
        (Step::Key(k), Value::Object(m)) => {
            if let Some(x) = m.get(k) {
                select(x, rest, out);
            }
        }
        (Step::Index(i), Value::Array(a)) => {
            if let Some(x) = a.get(*i) {
                select(x, rest, out);
            }
        }
        (Step::AnyIndex, Value::Array(a)) => {
            for x in a {
                select(x, rest, out);
            }
        }
        _ => {}
    }
}

fn eval(e: &JsonExpr, v: &Value) -> bool {
    match e {
        JsonExpr::And(a, b) => eval(a, v) && eval(b, v),
        JsonExpr::Or(a, b) => eval(a, v) || eval(b, v),
        JsonExpr::Cmp(sel, cond) => {
            let mut found = Vec::new();
            select(v, &sel.0, &mut found);
            if let Cond::NotExists = cond {
                return found.is_empty();
            }
            found.into_iter().any(|x| value_matches(cond, x))
        }
    }
}

/// The text a JSON value compares as.
fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn value_matches(cond: &Cond, v: &Value) -> bool {
    match cond {
        Cond::Eq(op) => operand_equals(op, v),
        Cond::Ne(op) => !v.is_null() && !operand_equals(op, v),
        Cond::Num(op, n) => v.as_f64().is_some_and(|x| num_cmp(*op, x, *n)),
        Cond::IsNull => v.is_null(),
        Cond::IsBool(b) => v.as_bool() == Some(*b),
        Cond::NotExists => false,
        Cond::Any => true,
    }
}

fn operand_equals(op: &Operand, v: &Value) -> bool {
    match op {
        Operand::Num(n, text) => match v {
            Value::Number(x) => x.as_f64() == Some(*n),
            Value::String(s) => s == text,
            _ => false,
        },
        Operand::Str(p) => as_text(v).is_some_and(|s| glob(p, &s)),
        Operand::Re(r) => as_text(v).is_some_and(|s| r.is_match(&s)),
    }
}

fn num_cmp(op: NumOp, x: f64, n: f64) -> bool {
    match op {
        NumOp::Lt => x < n,
        NumOp::Gt => x > n,
        NumOp::Le => x <= n,
        NumOp::Ge => x >= n,
    }
}

fn parse_fields(inner: &str) -> Res<Vec<Field>> {
    let mut fields = Vec::new();
    for raw in split_top_commas(inner)? {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(PatternError);
        }
        if raw == "..." {
            fields.push(Field::Ellipsis);
            continue;
        }
        let mut p = Parser::new(raw);
        let name = p.take_while(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '$');
        if name.is_empty() {
            return Err(PatternError);
        }
        p.ws();
        let cond = p.condition(false)?;
        p.ws();
        if !p.done() {
            return Err(PatternError);
        }
        fields.push(Field::Word(cond));
    }
    Ok(fields)
}

/// Splits on commas outside quotes and `%…%`.
fn split_top_commas(s: &str) -> Res<Vec<&str>> {
    let mut out = Vec::new();
    let (mut start, mut quote, mut re) = (0, false, false);
    let mut esc = false;
    for (i, c) in s.char_indices() {
        if esc {
            esc = false;
            continue;
        }
        match c {
            '\\' if quote => esc = true,
            '"' if !re => quote = !quote,
            '%' if !quote => re = !re,
            ',' if !quote && !re => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if quote || re {
        return Err(PatternError);
    }
    out.push(&s[start..]);
    Ok(out)
}

/// A message's words: split at spaces, `"…"` and `[…]` kept together (without their quotes or brackets).
fn split_words(msg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = msg.trim().chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut w = String::new();
        if c == '"' || c == '[' {
            let close = if c == '"' { '"' } else { ']' };
            chars.next();
            for d in chars.by_ref() {
                if d == close {
                    break;
                }
                w.push(d);
            }
        } else {
            while let Some(&d) = chars.peek() {
                if d.is_whitespace() {
                    break;
                }
                w.push(d);
                chars.next();
            }
        }
        out.push(w);
    }
    out
}

fn word_matches(cond: &Cond, w: &str) -> bool {
    match cond {
        Cond::Any => true,
        Cond::Eq(op) => word_equals(op, w),
        Cond::Ne(op) => !word_equals(op, w),
        Cond::Num(op, n) => w.parse::<f64>().is_ok_and(|x| num_cmp(*op, x, *n)),
        Cond::IsNull | Cond::IsBool(_) | Cond::NotExists => false,
    }
}

fn word_equals(op: &Operand, w: &str) -> bool {
    match op {
        Operand::Num(n, text) => w == text || w.parse::<f64>().is_ok_and(|x| x == *n),
        Operand::Str(p) => glob(p, w),
        Operand::Re(r) => r.is_match(w),
    }
}

fn match_fields(fields: &[Field], words: &[String]) -> bool {
    match fields.split_first() {
        None => words.is_empty(),
        Some((Field::Ellipsis, rest)) => (0..=words.len()).any(|k| match_fields(rest, &words[k..])),
        Some((Field::Word(cond), rest)) => match words.split_first() {
            Some((w, more)) => word_matches(cond, w) && match_fields(rest, more),
            None => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, msg: &str) -> bool {
        FilterPattern::parse(p)
            .unwrap_or_else(|_| panic!("{p}"))
            .matches(msg)
    }

    #[test]
    fn terms_phrases_any_and_exclusions() {
        assert!(m("", "anything"));
        assert!(m("ERROR", "an ERROR here"));
        assert!(!m("ERROR", "an error here"), "case-sensitive");
        assert!(m("ERROR timeout", "timeout: ERROR"));
        assert!(!m("ERROR timeout", "ERROR only"));
        assert!(m("\"Failed to process\"", "x Failed to process y"));
        assert!(!m("\"Failed to process\"", "Failed process to"));
        assert!(m("?ERROR ?WARN", "WARN: disk"));
        assert!(!m("?ERROR ?WARN", "INFO: fine"));
        assert!(m("ERROR -Exiting", "ERROR: bad"));
        assert!(!m("ERROR -Exiting", "ERROR: Exiting now"));
        assert!(m("%req-[0-9]+%", "got req-42 ok"));
        assert!(!m("%req-[0-9]+%", "got req-x ok"));
        assert!(m("\"say \\\"hi\\\"\"", "they say \"hi\""));
    }

    #[test]
    fn json_patterns() {
        let msg = r#"{"level":"ERROR","latency":72.5,"user":{"id":7,"name":"ann"},"tags":["a","b"],"gone":null,"ok":true}"#;
        assert!(m(r#"{ $.level = "ERROR" }"#, msg));
        assert!(m("{ $.level = ERROR }", msg));
        assert!(m(r#"{ $.level = "ERR*" }"#, msg));
        assert!(!m(r#"{ $.level = "WARN" }"#, msg));
        assert!(m(r#"{ $.level != "WARN" }"#, msg));
        assert!(m("{ $.latency > 50 }", msg));
        assert!(!m("{ $.latency < 50 }", msg));
        assert!(m("{ $.latency >= 72.5 && $.user.id = 7 }", msg));
        assert!(m("{ ($.latency < 10) || ($.user.name = ann) }", msg));
        assert!(m("{ $.tags[1] = b }", msg));
        assert!(m("{ $.tags[*] = a }", msg));
        assert!(!m("{ $.tags[5] = a }", msg));
        assert!(m("{ $.gone IS NULL }", msg));
        assert!(m("{ $.ok IS TRUE }", msg));
        assert!(m("{ $.missing NOT EXISTS }", msg));
        assert!(!m("{ $.level NOT EXISTS }", msg));
        assert!(m("{ $.user.name = %^a.n$% }", msg));
        assert!(!m(r#"{ $.level = "ERROR" }"#, "not json ERROR"));
    }

    #[test]
    fn space_delimited_patterns() {
        let line =
            r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#;
        assert!(m(
            "[ip, user, username, timestamp, request, status_code, bytes]",
            line
        ));
        assert!(m(
            "[ip, user, username, timestamp, request = \"*html*\", status_code = 4*, bytes]",
            line
        ));
        assert!(m("[..., status_code = 404, bytes > 1000]", line));
        assert!(!m("[..., status_code = 200, bytes]", line));
        assert!(!m("[ip, user]", line), "the count of words must agree");
        assert!(m("[ip = 127.0.0.1, ...]", line));
    }

    #[test]
    fn malformed_patterns() {
        for p in [
            "\"unterminated",
            "{ $.a = }",
            "{ $.a = 1",
            "{ a = 1 }",
            "{ $.a > x }",
            "{ $.a = 1 && }",
            "{ ($.a = 1 }",
            "[a, b",
            "[a, , b]",
            "%unterminated",
            "%(%",
            "{ $.a IS MAYBE }",
        ] {
            assert!(FilterPattern::parse(p).is_err(), "{p}");
        }
    }

    #[test]
    fn globs() {
        assert!(glob("a*c", "abbbc"));
        assert!(glob("*", ""));
        assert!(glob("ab*", "ab"));
        assert!(!glob("a*c*d", "acx"));
        assert!(!glob("abc*bc", "abc"));
    }
}
