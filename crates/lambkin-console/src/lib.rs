//! lambkin's web console as static files embedded in the binary: `index.html`, one stylesheet and plain
//! JavaScript modules (no build step, no CDN; the charts are SVG drawn by `charts.js`). The console's pages
//! read JSON from the server under `/console/api/…`; this crate only holds the files and knows nothing of
//! the service that serves them.

/// One embedded file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
    /// A strong validator of its bytes (`"…"`, quotes included), for `ETag` / `If-None-Match`.
    pub etag: &'static str,
}

/// FNV-1a, 64 bits: enough to tell versions of a file apart, computed at compile time.
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    h
}

/// `"` + 16 hex digits + `"`.
const fn etag_bytes(bytes: &[u8]) -> [u8; 18] {
    let h = fnv1a(bytes);
    let digits = b"0123456789abcdef";
    let mut out = [b'"'; 18];
    let mut i = 0;
    while i < 16 {
        out[1 + i] = digits[((h >> (60 - 4 * i)) & 0xf) as usize];
        i += 1;
    }
    out
}

macro_rules! assets {
    ($( $name:literal => $ctype:literal ),* $(,)?) => {
        /// Every embedded file: (path under `assets/`, content type, bytes, etag).
        const FILES: &[(&str, &str, &[u8], &[u8; 18])] = &[
            $( ($name, $ctype, include_bytes!(concat!("../assets/", $name)),
                &etag_bytes(include_bytes!(concat!("../assets/", $name)))) ),*
        ];
    };
}

assets! {
    "index.html" => "text/html; charset=utf-8",
    "console.css" => "text/css; charset=utf-8",
    "app.js" => "text/javascript; charset=utf-8",
    "api.js" => "text/javascript; charset=utf-8",
    "charts.js" => "text/javascript; charset=utf-8",
    "dom.js" => "text/javascript; charset=utf-8",
    "function.js" => "text/javascript; charset=utf-8",
    "favicon.svg" => "image/svg+xml",
}

/// The file at `path` (relative to the assets directory: `app.js`), if there is one.
pub fn asset(path: &str) -> Option<Asset> {
    FILES
        .iter()
        .find(|(name, ..)| *name == path)
        .map(|(_, content_type, bytes, etag)| Asset {
            content_type,
            bytes,
            // The digits and quotes are ASCII by construction.
            etag: std::str::from_utf8(etag.as_slice()).unwrap_or("\"0\""),
        })
}

/// The page every console route loads (`/console`, `/console/fn/NAME`): the modules route on the client.
pub fn index() -> Asset {
    // `index.html` is in the table above.
    asset("index.html").unwrap_or(Asset {
        content_type: "text/html; charset=utf-8",
        bytes: b"",
        etag: "\"0\"",
    })
}

/// Names of every embedded file.
pub fn names() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(name, ..)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_is_served_with_its_type_and_a_stable_etag() {
        for name in names() {
            let a = asset(name).expect("listed");
            assert!(!a.bytes.is_empty(), "{name} is empty");
            assert_eq!(a.etag.len(), 18, "{name}: {}", a.etag);
            assert_eq!(asset(name).map(|b| b.etag), Some(a.etag));
        }
        assert_eq!(
            asset("app.js").map(|a| a.content_type),
            Some("text/javascript; charset=utf-8")
        );
        assert!(asset("../Cargo.toml").is_none());
        assert!(asset("nope.js").is_none());
        assert_ne!(
            asset("app.js").map(|a| a.etag),
            asset("api.js").map(|a| a.etag)
        );
    }

    #[test]
    fn the_page_loads_only_embedded_modules() {
        let html = std::str::from_utf8(index().bytes).expect("utf-8");
        assert!(html.contains("/console/assets/app.js"));
        assert!(!html.contains("http://") && !html.contains("https://"));
        // Every module a script imports is embedded.
        for name in names().filter(|n| n.ends_with(".js")) {
            let text = std::str::from_utf8(asset(name).expect("listed").bytes).expect("utf-8");
            for line in text.lines().filter(|l| l.starts_with("import ")) {
                let from = line.split('"').nth(1).expect("a quoted module");
                let file = from.trim_start_matches("./");
                assert!(
                    asset(file).is_some(),
                    "{name} imports {from}, which is not embedded"
                );
            }
        }
    }
}
