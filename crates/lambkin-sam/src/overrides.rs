//! `--parameter-overrides` as SAM's command line reads it: `Key1=Value1 Key2="a b"` and
//! `ParameterKey=Key1,ParameterValue=Value1`, separated by white space.

use crate::error::SamError;

/// Reads one `--parameter-overrides` string into `(key, value)` pairs, in order (a later pair for the same key
/// wins when they are collected into a map).
///
/// A value is either a run of characters up to the next white space, or quoted with `"` (or `'`), and in both a
/// backslash takes the next character as it is (`a\ b`, `"say \"hi\""`). Keys are letters and digits, as
/// CloudFormation's parameter names are.
pub fn parse_overrides(input: &str) -> Result<Vec<(String, String)>, SamError> {
    let mut reader = Reader {
        chars: input.chars().collect(),
        pos: 0,
    };
    let mut pairs = Vec::new();
    loop {
        reader.skip_space();
        if reader.done() {
            return Ok(pairs);
        }
        let long = reader.eat("ParameterKey=");
        let key = reader.key()?;
        if long {
            if !reader.eat(",ParameterValue=") {
                return Err(reader.error(&format!(
                    "expected ,ParameterValue= after ParameterKey={key}"
                )));
            }
        } else if !reader.eat("=") {
            return Err(reader.error(&format!("expected = after {key}")));
        }
        let value = reader.value()?;
        if !reader.done() && !reader.at_space() {
            return Err(reader.error("expected white space after a value"));
        }
        pairs.push((key, value));
    }
}

struct Reader {
    chars: Vec<char>,
    pos: usize,
}

impl Reader {
    fn done(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn at_space(&self) -> bool {
        self.peek().is_some_and(char::is_whitespace)
    }

    fn skip_space(&mut self) {
        while self.at_space() {
            self.pos += 1;
        }
    }

    fn eat(&mut self, s: &str) -> bool {
        let n = s.chars().count();
        let matches = self.chars.len() >= self.pos + n
            && self.chars[self.pos..self.pos + n]
                .iter()
                .copied()
                .eq(s.chars());
        if matches {
            self.pos += n;
        }
        matches
    }

    fn error(&self, message: &str) -> SamError {
        SamError::Overrides(format!("{message} (at character {})", self.pos + 1))
    }

    fn key(&mut self) -> Result<String, SamError> {
        let quote = match self.peek() {
            Some(q @ ('"' | '\'')) => {
                self.pos += 1;
                Some(q)
            }
            _ => None,
        };
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.pos += 1;
        }
        let key: String = self.chars[start..self.pos].iter().collect();
        if key.is_empty() {
            return Err(self.error("expected a parameter name (letters and digits)"));
        }
        if let Some(q) = quote {
            if self.peek() != Some(q) {
                return Err(self.error(&format!("expected {q} after the name {key}")));
            }
            self.pos += 1;
        }
        Ok(key)
    }

    fn value(&mut self) -> Result<String, SamError> {
        let mut out = String::new();
        if let Some(q @ ('"' | '\'')) = self.peek() {
            self.pos += 1;
            loop {
                match self.peek() {
                    None => return Err(self.error(&format!("unterminated {q}"))),
                    Some(c) if c == q => {
                        self.pos += 1;
                        return Ok(out);
                    }
                    Some('\\') if self.pos + 1 < self.chars.len() => {
                        out.push(self.chars[self.pos + 1]);
                        self.pos += 2;
                    }
                    Some(c) => {
                        out.push(c);
                        self.pos += 1;
                    }
                }
            }
        }
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                break;
            }
            if c == '\\' && self.pos + 1 < self.chars.len() {
                out.push(self.chars[self.pos + 1]);
                self.pos += 2;
            } else {
                out.push(c);
                self.pos += 1;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(s: &str) -> Vec<(String, String)> {
        parse_overrides(s).expect("overrides")
    }

    fn p(k: &str, v: &str) -> (String, String) {
        (k.to_owned(), v.to_owned())
    }

    #[test]
    fn short_and_long_forms() {
        assert_eq!(
            pairs("Stage=prod  Memory=512\tSubnets=a,b,c"),
            [
                p("Stage", "prod"),
                p("Memory", "512"),
                p("Subnets", "a,b,c")
            ]
        );
        assert_eq!(
            pairs("ParameterKey=Stage,ParameterValue=prod ParameterKey=Size,ParameterValue=1,2"),
            [p("Stage", "prod"), p("Size", "1,2")]
        );
        assert_eq!(
            pairs("A=x ParameterKey=B,ParameterValue=y"),
            [p("A", "x"), p("B", "y")]
        );
        assert_eq!(pairs(""), []);
        assert_eq!(pairs("  "), []);
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(
            pairs(r#"Greeting="hello world" Quote="say \"hi\"" Path=a\ b "Key"=v Empty="" Bare="#),
            [
                p("Greeting", "hello world"),
                p("Quote", "say \"hi\""),
                p("Path", "a b"),
                p("Key", "v"),
                p("Empty", ""),
                p("Bare", ""),
            ]
        );
        assert_eq!(pairs("A='it is'"), [p("A", "it is")]);
        assert_eq!(
            pairs("Url=https://x.example/?a=b"),
            [p("Url", "https://x.example/?a=b")]
        );
    }

    #[test]
    fn errors() {
        for bad in [
            "Stage",
            "=x",
            "A=\"open",
            "ParameterKey=A,Value=x",
            "A=\"x\"y",
            "my-key=1",
        ] {
            let err = parse_overrides(bad).expect_err(bad);
            assert!(matches!(err, SamError::Overrides(_)), "{bad}: {err}");
        }
        let err = parse_overrides("A=1 B").expect_err("missing =");
        assert_eq!(
            err.to_string(),
            "parameter overrides: expected = after B (at character 6)"
        );
    }
}
