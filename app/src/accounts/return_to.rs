//! Coming back to where you were. A page that needs an account sends a
//! signed-out visitor to `/login?next=<that page>`; the log-in and sign-up
//! forms carry `next` along (through the second step and provider sign-ins
//! too) and, once signed in, go there — but only to a path on this site:
//! anything that could lead elsewhere is dropped for `/echoes`.

/// Where a sign-in goes when there is no (acceptable) `next`.
pub const HOME: &str = "/echoes";

/// The log-in page, asked to come back to `next`.
pub fn log_in_then(next: &str) -> String {
    format!("/login?next={}", crate::pages::query_escape(next))
}

/// `path` with `?next=…` added when there is somewhere to come back to.
pub fn with_next(path: &str, next: Option<&str>) -> String {
    match next.filter(|n| !n.is_empty()) {
        Some(next) => format!("{path}?next={}", crate::pages::query_escape(next)),
        None => path.to_owned(),
    }
}

/// A path on this site to come back to, or nothing: `/echoes?x` is kept;
/// `//evil`, `https://…`, `/\evil`, control characters and the same tricks
/// percent-encoded (`/%2F%2Fevil`, `/%5Cevil`, `%0d%0a…`) are not.
pub fn local_path(next: &str) -> Option<String> {
    let lower = next.to_ascii_lowercase();
    let encoded_trick = ["%2f", "%5c", "%0", "%1", "%7f"].iter().any(|t| lower.contains(t));
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 512
        && !encoded_trick
        && !next.chars().any(|c| c.is_control() || c == '\\');
    ok.then(|| next.to_owned())
}

/// Where to go after signing in, given the form's `next`.
pub fn destination(next: Option<&str>) -> String {
    next.and_then(local_path).unwrap_or_else(|| HOME.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_come_back() {
        assert_eq!(local_path("/echoes?emotion=calm").as_deref(), Some("/echoes?emotion=calm"));
        assert_eq!(local_path("/echoes/a%20b").as_deref(), Some("/echoes/a%20b"));
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "evil",
            "/a\nb",
            "/a\\b",
            "",
            "/%2F%2Fevil.example",
            "/%5cevil.example",
            "/%0d%0aSet-Cookie:x",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
            assert_eq!(destination(Some(bad)), HOME);
        }
    }

    #[test]
    fn the_log_in_link_carries_the_page_encoded() {
        assert_eq!(log_in_then("/echoes?emotion=calm"), "/login?next=%2Fechoes%3Femotion%3Dcalm");
        assert_eq!(with_next("/signup", Some("/upload")), "/signup?next=%2Fupload");
        assert_eq!(with_next("/signup", Some("")), "/signup");
    }
}
