//! Aligned text tables for people (`--json` is for scripts).

/// Renders rows under headers with columns padded to their widest cell.
pub fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                let pad = widths[i].saturating_sub(c.chars().count());
                s.push_str(c);
                s.push_str(&" ".repeat(pad + 2));
            }
        }
        s.trim_end().to_owned() + "\n"
    };
    let mut out = line(headers.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// Renders `key  value` lines with the values lined up (a summary of one thing).
pub fn pairs(items: &[(&str, String)]) -> String {
    let width = items
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (k, v) in items {
        let pad = width - k.chars().count();
        out.push_str(format!("{k}{}  {v}", " ".repeat(pad)).trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_line_up() {
        let t = super::render(
            &["NAME", "MEMORY"],
            &[
                vec!["a".into(), "128".into()],
                vec!["longer-name".into(), "1024".into()],
            ],
        );
        assert_eq!(
            t,
            "NAME         MEMORY\na            128\nlonger-name  1024\n"
        );
    }

    #[test]
    fn wide_headers_short_rows_and_unicode() {
        let t = super::render(
            &["NAME", "RUNTIME", "LAST MODIFIED"],
            &[
                vec!["ünï".into(), "".into(), "2026-11-24".into()],
                vec!["b".into(), "provided.al2023".into()],
            ],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "NAME  RUNTIME          LAST MODIFIED");
        assert_eq!(lines[1], "ünï                    2026-11-24");
        assert_eq!(lines[2], "b     provided.al2023");
        // Every column starts at the same character offset on every line.
        let col = lines[0].find("LAST").unwrap_or(0);
        assert_eq!(lines[1].chars().position(|c| c == '2'), Some(col));
    }

    #[test]
    fn pairs_line_up() {
        assert_eq!(
            super::pairs(&[("name", "f".into()), ("runtime", "provided.al2023".into())]),
            "name     f\nruntime  provided.al2023\n"
        );
    }
}
