//! `X-Docker-Endpoints`: the registries an Index hands out.
//!
//! "Comma-separated list of `host[:port]`, no scheme"; the client "uses the **index's scheme**
//! and appends `/v1/`". Docker splits every header value on `,` and trims whitespace
//! (`strings.TrimSpace`); docker ≤0.10 did not split, so a single endpoint is the safest answer.

/// Maximum number of endpoints kept by [`parse_endpoints`] (bounded memory on hostile input).
pub const MAX_ENDPOINTS: usize = 64;

/// Parses every value of the `X-Docker-Endpoints` header(s): splits on `,`, trims ASCII
/// whitespace, drops empty elements (docker kept them and built `https:///v1/`), keeps order
/// and duplicates, and stops after [`MAX_ENDPOINTS`].
///
/// ```
/// // tests.md L: docker's mock registry sets `"<host> \t,  test.example.com "`.
/// let eps = berth_model::parse_endpoints(["127.0.0.1:5000 \t,  test.example.com "]);
/// assert_eq!(eps, ["127.0.0.1:5000", "test.example.com"]);
/// ```
pub fn parse_endpoints<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    values
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(|e| e.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b'))
        .filter(|e| !e.is_empty())
        .take(MAX_ENDPOINTS)
        .map(str::to_owned)
        .collect()
}

/// Formats endpoints as one header value, joined with `,`.
pub fn format_endpoints<S: AsRef<str>>(endpoints: &[S]) -> String {
    endpoints
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(",")
}

/// Builds the base URLs a docker client derives from the endpoints:
/// `<index scheme>://<endpoint>/v1/`.
///
/// ```
/// let urls = berth_model::endpoint_urls(&["registry-1.docker.io"], "https");
/// assert_eq!(urls, ["https://registry-1.docker.io/v1/"]);
/// ```
pub fn endpoint_urls<S: AsRef<str>>(endpoints: &[S], index_scheme: &str) -> Vec<String> {
    endpoints
        .iter()
        .map(|e| format!("{index_scheme}://{}/v1/", e.as_ref()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiple_values_and_blanks() {
        let eps = parse_endpoints(["a:1, b", " ,", "c"]);
        assert_eq!(eps, ["a:1", "b", "c"]);
        assert_eq!(format_endpoints(&eps), "a:1,b,c");
        assert_eq!(parse_endpoints([format_endpoints(&eps).as_str()]), eps);
        assert_eq!(parse_endpoints([",".repeat(1000).as_str()]).len(), 0);
        assert_eq!(
            parse_endpoints(["a,".repeat(1000).as_str()]).len(),
            MAX_ENDPOINTS
        );
    }
}
