//! Repository references as typed on the command line: `[HOST[:PORT]/]NAME[:TAG]`, and the
//! server address they resolve to.

use anyhow::bail;

/// The server used when neither the reference nor `--server` names one.
pub const DEFAULT_SERVER: &str = "localhost:5000";

/// A parsed `[HOST[:PORT]/]NAME[:TAG]` reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The host part, if the first component names one (docker's rule: it contains `.` or `:`,
    /// or is `localhost`).
    pub server: Option<String>,
    /// The remote repository name, e.g. `ns/repo` or `repo` (the server maps it to `library/repo`).
    pub name: String,
    /// The tag, if one was given.
    pub tag: Option<String>,
}

impl Reference {
    /// Parses a reference with docker's host rule: `localhost:5000/foo:1.0` names host
    /// `localhost:5000`, repository `foo`, tag `1.0`; `ns/foo` has no host.
    pub fn parse(input: &str) -> anyhow::Result<Self> {
        let (rest, tag) = match input.rsplit_once(':') {
            Some((before, after)) if !after.contains('/') => (before, Some(after.to_owned())),
            _ => (input, None),
        };
        let (server, name) = match rest.split_once('/') {
            Some((first, remainder))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first.to_owned()), remainder.to_owned())
            }
            _ => (None, rest.to_owned()),
        };
        if name.is_empty() {
            bail!("{input:?} has no repository name (expected [HOST[:PORT]/]NAME[:TAG])");
        }
        let name_ok = name.split('/').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b))
        });
        if !name_ok || name.split('/').count() > 2 {
            bail!(
                "invalid repository name {name:?}: use NAME or NAMESPACE/NAME with lowercase \
                 letters, digits, '-', '_' and '.'"
            );
        }
        if let Some(tag) = &tag {
            if !is_valid_tag(tag) {
                bail!("invalid tag {tag:?}: tags match ^[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}$");
            }
        }
        Ok(Self { server, name, tag })
    }

    /// `NAME:TAG`, or `NAME` alone when no tag was given.
    pub fn display_name(&self) -> String {
        match &self.tag {
            Some(tag) => format!("{}:{tag}", self.name),
            None => self.name.clone(),
        }
    }
}

/// Whether `tag` matches docker's `^[\w][\w.-]{0,127}$`.
pub fn is_valid_tag(tag: &str) -> bool {
    let bytes = tag.as_bytes();
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    !bytes.is_empty()
        && bytes.len() <= 128
        && word(&bytes[0])
        && bytes[1..]
            .iter()
            .all(|b| word(b) || *b == b'.' || *b == b'-')
}

/// Where the Index (and, for a standalone server, the registry) lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAddr {
    /// `http` or `https`.
    pub scheme: &'static str,
    /// `host[:port]`, the key credentials are stored under.
    pub host: String,
}

impl ServerAddr {
    /// Resolves a server string (`localhost:5000`, `http://host:5000`, `https://host/v1/`).
    ///
    /// Plain http is used when the string says `http://`, when `insecure` is set, or when no
    /// scheme is given and the host is a loopback name (`localhost`, `127.x.x.x`, `[::1]`):
    /// docker ≥1.3.2 treats `127.0.0.0/8` as an insecure registry by default.
    pub fn parse(input: &str, insecure: bool) -> anyhow::Result<Self> {
        let (scheme, rest) = if let Some(rest) = input.strip_prefix("http://") {
            ("http", rest)
        } else if let Some(rest) = input.strip_prefix("https://") {
            (if insecure { "http" } else { "https" }, rest)
        } else {
            let host = input.split('/').next().unwrap_or_default();
            (
                if insecure || is_loopback(host) {
                    "http"
                } else {
                    "https"
                },
                input,
            )
        };
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '@') {
            bail!("invalid server address {input:?} (expected HOST[:PORT])");
        }
        Ok(Self {
            scheme,
            host: host.to_owned(),
        })
    }

    /// Chooses the server: the reference's host, else `--server`, else [`DEFAULT_SERVER`].
    pub fn choose(
        reference_host: Option<&str>,
        flag: Option<&str>,
        insecure: bool,
    ) -> anyhow::Result<Self> {
        Self::parse(reference_host.or(flag).unwrap_or(DEFAULT_SERVER), insecure)
    }

    /// The `/v1/` base URL, e.g. `http://localhost:5000/v1/`.
    pub fn base_url(&self) -> String {
        format!("{}://{}/v1/", self.scheme, self.host)
    }
}

/// Whether `host[:port]` names the loopback interface.
fn is_loopback(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    name.eq_ignore_ascii_case("localhost")
        || name == "::1"
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_host_rule() {
        let r = Reference::parse("localhost:5000/foo:1.0").unwrap();
        assert_eq!(r.server.as_deref(), Some("localhost:5000"));
        assert_eq!(r.name, "foo");
        assert_eq!(r.tag.as_deref(), Some("1.0"));
        let r = Reference::parse("ns/foo").unwrap();
        assert_eq!((r.server, r.name.as_str(), r.tag), (None, "ns/foo", None));
        let r = Reference::parse("registry.example.com/ns/foo").unwrap();
        assert_eq!(r.server.as_deref(), Some("registry.example.com"));
        assert_eq!(r.name, "ns/foo");
        let r = Reference::parse("localhost/foo").unwrap();
        assert_eq!(r.server.as_deref(), Some("localhost"));
        // "myregistry/repo never reaches a private host" (gotchas.md #20).
        assert_eq!(Reference::parse("myregistry/repo").unwrap().server, None);
    }

    #[test]
    fn rejects_bad_names_and_tags() {
        assert!(Reference::parse("Foo").is_err());
        assert!(Reference::parse("localhost:5000/").is_err());
        assert!(Reference::parse("foo:-bad").is_err());
        assert!(Reference::parse("a/b/c").is_err());
        assert!(is_valid_tag("latest") && is_valid_tag("1.0-rc_1"));
        assert!(!is_valid_tag("") && !is_valid_tag(&"a".repeat(129)));
    }

    #[test]
    fn server_addresses() {
        let s = ServerAddr::parse("localhost:5000", true).unwrap();
        assert_eq!(s.base_url(), "http://localhost:5000/v1/");
        let s = ServerAddr::parse("https://index.example.com/v1/", false).unwrap();
        assert_eq!((s.scheme, s.host.as_str()), ("https", "index.example.com"));
        assert_eq!(
            ServerAddr::parse("http://h:1", false).unwrap().scheme,
            "http"
        );
        assert!(ServerAddr::parse("", false).is_err());
        let chosen = ServerAddr::choose(None, None, false).unwrap();
        assert_eq!(chosen.host, DEFAULT_SERVER);
    }
}
