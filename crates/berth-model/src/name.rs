//! Namespaces and repository names.
//!
//! Two levels of validation, on purpose:
//!
//! * **Parsing** ([`Namespace::parse`], [`RepoName::parse`]) is lenient, like docker-registry's
//!   Flask routes: any non-empty component without `/` (after percent-decoding) is accepted, so
//!   the registry test suite's `foo/<5 random>%$_-test` and 3-character namespaces route. On top
//!   of docker-registry, components are limited to 255 bytes and may not be `.`, `..` or contain
//!   ASCII control characters, so that adapters can map them to storage safely (docker-registry
//!   escaped such names; docker clients never produce them).
//! * **Naming rules** ([`RepoName::validate`] with a [`NamingRules`]) are the stricter Hub and
//!   docker-client grammars, used by the Index when it creates users and repositories.

use std::fmt;

use crate::ModelError;

/// Maximum length in bytes of a namespace or repository component.
pub const MAX_COMPONENT_LEN: usize = 255;

/// The namespace assumed when a repository path has a single component.
pub const LIBRARY: &str = "library";

/// A repository namespace (the part before the first `/`).
///
/// ```text
/// namespace ::= 1*255 bytes, no "/", no ASCII control, not "." or ".."   ; lenient (routes)
/// ```
///
/// See [`NamingRules`] for the stricter Hub/docker grammars.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Namespace(String);

impl Namespace {
    /// Parses a namespace leniently; errors with [`ModelError::InvalidNamespace`].
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        check_component(s).map_err(|position| ModelError::InvalidNamespace { position })?;
        Ok(Self(s.to_owned()))
    }

    /// The `library` namespace of official repositories.
    pub fn library() -> Self {
        Self(LIBRARY.to_owned())
    }

    /// Whether this is the `library` namespace.
    pub fn is_library(&self) -> bool {
        self.0 == LIBRARY
    }

    /// The namespace as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Checks the namespace against a naming rule; errors with [`ModelError::InvalidNamespace`].
    pub fn validate(&self, rules: NamingRules) -> Result<(), ModelError> {
        let s = self.0.as_bytes();
        let err = |position| Err(ModelError::InvalidNamespace { position });
        match rules {
            NamingRules::Hub => {
                if let Some(i) = s.iter().position(|&b| !is_lower_word(b)) {
                    return err(i);
                }
                if !(4..=30).contains(&s.len()) {
                    return err(s.len().min(30));
                }
            }
            NamingRules::Docker16 => {
                if let Some(i) = s.iter().position(|&b| !(is_lower_word(b) || b == b'-')) {
                    return err(i);
                }
                if !(2..=255).contains(&s.len()) {
                    return err(s.len().min(255));
                }
                if s.first() == Some(&b'-') {
                    return err(0);
                }
                if s.last() == Some(&b'-') {
                    return err(s.len() - 1);
                }
                if let Some(i) = s.windows(2).position(|w| w == b"--") {
                    return err(i + 1);
                }
            }
        }
        Ok(())
    }
}

/// The stricter naming grammars used when an Index creates users and repositories.
///
/// ```text
/// Hub       namespace ::= [a-z0-9_]{4,30}                (Hub username rule, docker ≤1.4)
///           name      ::= [a-zA-Z0-9-_.]{1,255}           (Hub spec)
/// Docker16  namespace ::= [a-z0-9-_]{2,255}, no leading/trailing "-", no "--"
///           name      ::= [a-z0-9-_.]{1,255}, and a library name is not 64 hex
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NamingRules {
    /// The Hub / docker ≤1.4 rules (namespaces are usernames).
    Hub,
    /// The relaxed docker 1.6 rules.
    Docker16,
}

/// A repository name: namespace plus repository.
///
/// ```text
/// repo-path ::= namespace "/" name | name        ; single component ⇒ namespace "library"
/// name      ::= 1*255 bytes, no "/", no ASCII control, not "." or ".."
/// ```
///
/// "The server splits it on the **first** `/`: `ns/repo` → namespace `ns`, repository `repo`; a
/// single component `repo` → namespace **`library`**." `Display` always shows `ns/name`
/// (`library/busybox`); whether the namespace was written is not kept, because the two forms
/// address the same repository.
///
/// ```
/// use berth_model::RepoName;
/// let r = RepoName::parse("busybox")?;
/// assert_eq!(r.to_string(), "library/busybox");
/// assert_eq!(r.local_name(), "busybox");
/// let r = RepoName::parse("foo/abcde%$_-test")?;
/// assert_eq!((r.namespace().as_str(), r.name()), ("foo", "abcde%$_-test"));
/// # Ok::<(), berth_model::ModelError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepoName {
    namespace: Namespace,
    name: String,
}

impl RepoName {
    /// Parses `ns/name` or `name` (⇒ `library/name`), leniently.
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        match s.split_once('/') {
            Some((ns, name)) => {
                let namespace = Namespace::parse(ns)?;
                Self::new(namespace, name).map_err(|e| shift(e, ns.len() + 1))
            }
            None => Self::new(Namespace::library(), s),
        }
    }

    /// Builds a repository name from its parts; errors with
    /// [`ModelError::InvalidRepositoryName`].
    pub fn new(namespace: Namespace, name: &str) -> Result<Self, ModelError> {
        check_component(name).map_err(|position| ModelError::InvalidRepositoryName { position })?;
        Ok(Self {
            namespace,
            name: name.to_owned(),
        })
    }

    /// The namespace (`library` for official repositories).
    pub fn namespace(&self) -> &Namespace {
        &self.namespace
    }

    /// The repository part (after the first `/`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name as docker shows it locally: `name` for `library/name`, else `ns/name`.
    pub fn local_name(&self) -> String {
        if self.namespace.is_library() {
            self.name.clone()
        } else {
            self.to_string()
        }
    }

    /// The full `ns/name` text (same as `Display`).
    pub fn as_string(&self) -> String {
        self.to_string()
    }

    /// Checks both parts against a naming rule (see [`NamingRules`]).
    pub fn validate(&self, rules: NamingRules) -> Result<(), ModelError> {
        self.namespace.validate(rules)?;
        let s = self.name.as_bytes();
        let offset = self.namespace.as_str().len() + 1;
        let err = |position: usize| {
            Err(ModelError::InvalidRepositoryName {
                position: offset + position,
            })
        };
        let allowed = |b: u8| match rules {
            NamingRules::Hub => b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'),
            NamingRules::Docker16 => is_lower_word(b) || matches!(b, b'-' | b'.'),
        };
        if let Some(i) = s.iter().position(|&b| !allowed(b)) {
            return err(i);
        }
        // "A single-component name may not be a 64-hex string" (docker 1.6).
        if rules == NamingRules::Docker16
            && self.namespace.is_library()
            && s.len() == 64
            && s.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return err(0);
        }
        Ok(())
    }
}

fn shift(e: ModelError, by: usize) -> ModelError {
    match e {
        ModelError::InvalidRepositoryName { position } => ModelError::InvalidRepositoryName {
            position: position + by,
        },
        other => other,
    }
}

fn is_lower_word(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'
}

/// Lenient component check; returns the offending position.
fn check_component(s: &str) -> Result<(), usize> {
    if s.is_empty() || s == "." || s == ".." {
        return Err(0);
    }
    if let Some(i) = s.bytes().position(|b| b == b'/' || b.is_ascii_control()) {
        return Err(i);
    }
    if s.len() > MAX_COMPONENT_LEN {
        return Err(MAX_COMPONENT_LEN);
    }
    Ok(())
}

impl fmt::Debug for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Namespace({})", self.0)
    }
}

crate::newtype::string_newtype!(Namespace);

impl fmt::Display for RepoName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace.as_str(), self.name)
    }
}

impl fmt::Debug for RepoName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RepoName({}/{})", self.namespace.as_str(), self.name)
    }
}

impl std::str::FromStr for RepoName {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for RepoName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for RepoName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_parse() {
        let r = RepoName::parse("test/abc").unwrap();
        assert_eq!(r.to_string(), "test/abc");
        assert_eq!(RepoName::parse("foo").unwrap().to_string(), "library/foo");
        for bad in ["", "/x", "x/", "a/b/c", "..", "a/.", "a\u{0}b"] {
            assert!(RepoName::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            RepoName::parse("ns/a/b"),
            Err(ModelError::InvalidRepositoryName { position: 4 })
        );
    }

    #[test]
    fn hub_rules() {
        let ok = RepoName::parse("test_user/My-Repo.1").unwrap();
        assert_eq!(ok.validate(NamingRules::Hub), Ok(()));
        let short = RepoName::parse("foo/bar").unwrap();
        assert_eq!(
            short.validate(NamingRules::Hub),
            Err(ModelError::InvalidNamespace { position: 3 })
        );
        assert_eq!(short.validate(NamingRules::Docker16), Ok(()));
        let special = RepoName::parse("test/abcde%$_-test").unwrap();
        assert_eq!(
            special.validate(NamingRules::Hub),
            Err(ModelError::InvalidRepositoryName { position: 10 })
        );
    }

    #[test]
    fn docker16_rules() {
        let check = |s: &str| RepoName::parse(s).unwrap().validate(NamingRules::Docker16);
        assert!(check("a-b/x").is_ok());
        assert!(check("-ab/x").is_err());
        assert!(check("ab-/x").is_err());
        assert!(check("a--b/x").is_err());
        assert!(check("a/x").is_err());
        assert!(check("ab/Upper").is_err());
        let hex = "511136ea3c5a64f264b78b5433614aec563103b4d4702f3ba7d4d2698e22c158";
        assert!(check(hex).is_err());
        assert!(check(&format!("someone/{hex}")).is_ok());
    }
}
