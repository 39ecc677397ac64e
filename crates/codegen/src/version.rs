//! Crate versions and what a version bump allows: the one home of the rule
//! "may this bump break the API". `cargo xtask spec-diff` asks it twice: for
//! a spec change that breaks clients or servers ([`crate::diff`]), and for a
//! change to a generated crate's public Rust API (`xtask`, with the versions
//! of the crates' `Cargo.toml`). Any other place that needs the rule calls
//! [`may_break`] rather than comparing version numbers itself.
//!
//! The rule is Cargo's own: a dependency declared as `"1.4.0"` means
//! `^1.4.0`, so Cargo moves its users to any version that requirement
//! matches. A bump may break the API exactly when the new version is one
//! `^old` does not match: a new major from 1.0 on (`1.4.0` → `2.0.0`), a new
//! minor below it (`0.1.4` → `0.2.0`), a new patch below 0.1 (`0.0.1` →
//! `0.0.2`). Two refinements keep the rule from being cheated:
//!
//! * the new version must be higher: going back down allows nothing;
//! * pre-release and build labels are left out when matching: `1.5.0-beta.1`
//!   is judged as `1.5.0` (compatible with `1.4.0`), since its release will
//!   be, and `2.0.0-alpha.1` as `2.0.0`.

use semver::{Comparator, Op, Prerelease, Version, VersionReq};

/// What [`may_break`] asks of a bump, in words, for messages.
pub const RULE: &str = "a semver-incompatible crate version (a new major; below 1.0, a new minor; below 0.1, a new patch)";

/// Whether going from the crate version `old` to `new` may break the API:
/// `new` is higher and not matched by `^old` (see the module docs). A
/// version that is not semver allows nothing.
pub fn may_break(old: &str, new: &str) -> bool {
    let (Ok(old), Ok(new)) = (Version::parse(old), Version::parse(new)) else {
        return false;
    };
    new > old && !caret(&old).matches(&release(&new))
}

/// `^major.minor.patch` of a version, without its labels.
fn caret(v: &Version) -> VersionReq {
    VersionReq {
        comparators: vec![Comparator {
            op: Op::Caret,
            major: v.major,
            minor: Some(v.minor),
            patch: Some(v.patch),
            pre: Prerelease::EMPTY,
        }],
    }
}

/// The release a version leads to: its numbers, without pre-release or build labels.
fn release(v: &Version) -> Version {
    Version::new(v.major, v.minor, v.patch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bump_may_break_exactly_when_cargo_would_not_take_it_for_the_old_one() {
        for (old, new, breaks) in [
            // From 1.0 on: the major.
            ("1.4.0", "2.0.0", true),
            ("1.4.0", "1.5.0", false),
            ("1.4.0", "1.4.1", false),
            ("1.4.0", "1.4.0", false),
            ("1.9.9", "10.0.0", true),
            // Below 1.0: the minor.
            ("0.1.4", "0.2.0", true),
            ("0.1.4", "0.1.5", false),
            ("0.2.0", "1.0.0", true),
            // Below 0.1: the patch.
            ("0.0.1", "0.0.2", true),
            ("0.0.1", "0.1.0", true),
            // Down is never a way to break.
            ("2.0.0", "1.0.0", false),
            ("0.2.0", "0.1.9", false),
            ("0.0.2", "0.0.1", false),
            // Labels: judged by the release they lead to.
            ("1.4.0", "2.0.0-alpha.1", true),
            ("1.4.0", "1.5.0-beta.1", false),
            ("2.0.0-alpha.1", "2.0.0", false),
            ("2.0.0-alpha.1", "2.0.0-alpha.2", false),
            ("1.5.0-beta.1", "2.0.0", true),
            ("1.0.0+build.1", "2.0.0+build.2", true),
            ("1.0.0+build.1", "1.0.0+build.2", false),
            // Not semver: nothing is allowed.
            ("1", "2", false),
            ("v1.0.0", "v2.0.0", false),
            ("1.0.0", "", false),
            ("", "1.0.0", false),
        ] {
            assert_eq!(may_break(old, new), breaks, "{old} -> {new}");
        }
    }
}
