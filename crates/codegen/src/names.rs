//! Rust names for spec names: the one place that decides how an
//! `operationId` becomes a method, module and type prefix.
//!
//! Real specs use ids such as `orgs/get-audit-log`, `key.get` or `header-arg`.
//! They map exactly as progenitor maps them (so the client method progenitor
//! generates and the names this generator adds always agree): every character
//! that cannot continue an identifier becomes a word break, then the case is
//! applied; a leading digit gets `_`, a keyword gets a trailing `_`.

use heck::{ToPascalCase, ToSnakeCase};

/// The snake-case name of an operation: the client method, the server module and trait method.
pub fn operation(op_id: &str) -> String {
    sanitize(op_id, ToSnakeCase::to_snake_case)
}

/// The PascalCase name of an operation: the prefix of its builder and of types named after it.
pub fn operation_type(op_id: &str) -> String {
    sanitize(op_id, ToPascalCase::to_pascal_case)
}

/// The snake-case name progenitor gives a parameter (its builder method and field).
pub fn parameter(name: &str) -> String {
    sanitize(name, ToSnakeCase::to_snake_case)
}

fn sanitize(input: &str, case: fn(&str) -> String) -> String {
    let out = match input {
        "+1" => "plus1".to_owned(),
        "-1" => "minus1".to_owned(),
        _ => case(
            &input
                .replace('\'', "")
                .replace(|c: char| !unicode_ident::is_xid_continue(c), "-"),
        ),
    };
    let out = match out.chars().next() {
        None => case("x"),
        Some(c) if unicode_ident::is_xid_start(c) => out,
        Some(_) => format!("_{out}"),
    };
    if typify::accept_as_ident(&out) {
        out
    } else {
        format!("{out}_")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_operation_ids_become_identifiers() {
        for (id, snake, pascal) in [
            ("listAuditEvents", "list_audit_events", "ListAuditEvents"),
            (
                "orgs/get-audit-log",
                "orgs_get_audit_log",
                "OrgsGetAuditLog",
            ),
            ("key.get", "key_get", "KeyGet"),
            ("header-arg", "header_arg", "HeaderArg"),
            ("2fa_status", "_2fa_status", "_2faStatus"),
            ("type", "type_", "Type"),
            ("", "x", "X"),
        ] {
            assert_eq!(operation(id), snake, "{id}");
            assert_eq!(operation_type(id), pascal, "{id}");
            assert!(syn::parse_str::<syn::Ident>(&operation(id)).is_ok(), "{id}");
        }
    }
}
