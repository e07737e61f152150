//! Search: the `/v1/search` query and the Hub-shaped result body (index-api.md §3).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::{Deserialize, Serialize};

/// Characters kept literally when formatting a query value: RFC 3986 unreserved.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The query of `GET /v1/search?q=<term>&n=<page_size>&page=<page>`.
///
/// Values are kept as sent (`n`/`page` that are not decimal numbers are dropped); use
/// [`SearchQuery::page_size`] and [`SearchQuery::page`] for the Hub's clamped values
/// ("`n`: results per page, default 25, min 1, max 100; `page`: 1-based").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchQuery {
    /// The search term (`q`, form-decoded: `+` is a space). Empty when absent.
    pub q: String,
    /// The requested page size (`n`), if given as a number.
    pub n: Option<u32>,
    /// The requested 1-based page (`page`), if given as a number.
    pub page: Option<u32>,
}

impl SearchQuery {
    /// Default page size.
    pub const DEFAULT_PAGE_SIZE: u32 = 25;
    /// Largest page size.
    pub const MAX_PAGE_SIZE: u32 = 100;

    /// A query for `term` with default paging.
    pub fn new(term: &str) -> Self {
        Self {
            q: term.to_owned(),
            n: None,
            page: None,
        }
    }

    /// Parses a raw query string (`q=foo+bar&n=10`). The first occurrence of a key wins, as with
    /// Flask's `request.args.get`; unknown keys are ignored; never fails.
    pub fn parse(query: &str) -> Self {
        let mut out = Self::default();
        let (mut seen_q, mut seen_n, mut seen_page) = (false, false, false);
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match form_decode(k).as_str() {
                "q" if !seen_q => {
                    seen_q = true;
                    out.q = form_decode(v);
                }
                "n" if !seen_n => {
                    seen_n = true;
                    out.n = form_decode(v).parse().ok();
                }
                "page" if !seen_page => {
                    seen_page = true;
                    out.page = form_decode(v).parse().ok();
                }
                _ => {}
            }
        }
        out
    }

    /// Formats the query string (without `?`): `q=<term>` then `n`/`page` when set.
    pub fn to_query_string(&self) -> String {
        let mut s = format!("q={}", utf8_percent_encode(&self.q, QUERY_VALUE));
        if let Some(n) = self.n {
            s.push_str(&format!("&n={n}"));
        }
        if let Some(page) = self.page {
            s.push_str(&format!("&page={page}"));
        }
        s
    }

    /// The effective page size: `n` clamped to 1..=100, default 25.
    pub fn page_size(&self) -> u32 {
        self.n
            .map_or(Self::DEFAULT_PAGE_SIZE, |n| n.clamp(1, Self::MAX_PAGE_SIZE))
    }

    /// The effective 1-based page number (default and minimum 1).
    pub fn page(&self) -> u32 {
        self.page.unwrap_or(1).max(1)
    }
}

fn form_decode(s: &str) -> String {
    let spaced = s.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

/// One search hit, as the Hub sent it and docker 1.x decodes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResult {
    /// Repository name; official repositories without `library/` on the Hub.
    pub name: String,
    /// Description, `null` when unset.
    #[serde(default)]
    pub description: Option<String>,
    /// Star count.
    #[serde(default)]
    pub star_count: u64,
    /// Official (`library`) repository.
    #[serde(default)]
    pub is_official: bool,
    /// 2013–14 name of the automated-build flag.
    #[serde(default)]
    pub is_trusted: bool,
    /// Automated build.
    #[serde(default)]
    pub is_automated: bool,
}

/// The Hub's search answer body.
///
/// ```json
/// {"num_pages": 1, "num_results": 3, "page_size": 25, "page": 1, "query": "search_term",
///  "results": [{"name": "ubuntu", "description": "...", "star_count": 42,
///               "is_official": true, "is_trusted": false, "is_automated": false}]}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    /// Number of pages.
    #[serde(default)]
    pub num_pages: u32,
    /// Total number of hits over all pages.
    pub num_results: u64,
    /// Page size used.
    #[serde(default)]
    pub page_size: u32,
    /// The page returned (1-based).
    #[serde(default)]
    pub page: u32,
    /// The search term.
    pub query: String,
    /// The hits of this page.
    pub results: Vec<SearchResult>,
}

impl SearchResults {
    /// Builds one page of results from every hit: picks the page `query` asks for and fills in
    /// the counters.
    pub fn paginate(query: &SearchQuery, all: &[SearchResult]) -> Self {
        let page_size = query.page_size();
        let page = query.page();
        let total = all.len();
        let size = page_size as usize;
        let start = (page as usize - 1).saturating_mul(size);
        let results = all.iter().skip(start).take(size).cloned().collect();
        Self {
            num_pages: u32::try_from(total.div_ceil(size)).unwrap_or(u32::MAX),
            num_results: total as u64,
            page_size,
            page,
            query: query.q.clone(),
            results,
        }
    }

    /// The body with Python `json.dumps(sort_keys=True)` formatting.
    pub fn to_body(&self) -> bytes::Bytes {
        let value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        bytes::Bytes::from(crate::pyjson::dumps(&value))
    }

    /// Parses a search body as docker does (missing counters default to 0).
    pub fn parse(body: &[u8]) -> Result<Self, crate::ModelError> {
        serde_json::from_slice(body).map_err(|_| crate::ModelError::ErrorDecodingJson)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parse() {
        let q = SearchQuery::parse("q=foo+bar%21&n=500&page=0&q=ignored");
        assert_eq!(q.q, "foo bar!");
        assert_eq!((q.n, q.page), (Some(500), Some(0)));
        assert_eq!((q.page_size(), q.page()), (100, 1));
        let q = SearchQuery::parse("n=x");
        assert_eq!((q.q.as_str(), q.n, q.page_size()), ("", None, 25));
        assert_eq!(SearchQuery::parse(&q.to_query_string()), q);
    }

    #[test]
    fn mock_registry_body() {
        // tests.md L: docker's mock registry search answer.
        let body = br#"{"query":"fakequery","num_results":1,"results":[{"name":"fakeimage","star_count":42,"is_official":false,"is_trusted":false,"description":"Fake image"}]}"#;
        let r = SearchResults::parse(body).unwrap();
        assert_eq!(r.num_results, 1);
        assert_eq!(r.results[0].name, "fakeimage");
        assert_eq!(r.results[0].star_count, 42);
    }

    #[test]
    fn paginate_pages() {
        let hit = |n: &str| SearchResult {
            name: n.into(),
            description: None,
            star_count: 0,
            is_official: false,
            is_trusted: false,
            is_automated: false,
        };
        let all: Vec<_> = (0..5).map(|i| hit(&format!("r{i}"))).collect();
        let q = SearchQuery {
            q: "r".into(),
            n: Some(2),
            page: Some(3),
        };
        let page = SearchResults::paginate(&q, &all);
        assert_eq!((page.num_pages, page.num_results, page.page), (3, 5, 3));
        assert_eq!(page.results, vec![hit("r4")]);
        assert!(
            page.to_body()
                .starts_with(b"{\"num_pages\": 3, \"num_results\": 5")
        );
    }
}
