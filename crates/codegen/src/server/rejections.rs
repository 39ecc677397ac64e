//! How the stub answers a request it refuses (bad input, no or bad
//! credentials): the spec's `x-server` template for that problem, else the
//! documented error envelope with its message field filled, else an RFC 9457
//! problem. Each answer maps onto a documented status at generation time, and
//! a generated test checks that each template decodes as that status's body.

use std::path::Path;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use super::responses::{Body, Status};
use crate::error::SpecError;
use crate::model::{Api, EnvelopeField, Operation, ResponseBody, StatusKey};

/// How one kind of rejection is answered.
#[derive(Clone)]
enum Rejection {
    /// A template filled and decoded as a documented status's body (`x-server`,
    /// or a documented envelope with a message field).
    Documented {
        status: u16,
        template: Value,
        /// From `x-server` (else built from the documented envelope).
        declared: bool,
    },
    /// An RFC 9457 problem body at a status the operation may not document
    /// (the spec says nothing about its envelope).
    Problem { status: u16, template: Value },
}

/// One kind of rejection: what it is called in `x-server`, in the notes and in the module.
struct Kind {
    /// `validation-error`, ...
    what: &'static str,
    /// How the notes call it.
    note: &'static str,
    /// The function of the operation's module.
    function: &'static str,
}

const VALIDATION: Kind = Kind {
    what: "validation-error",
    note: "invalid input",
    function: "reject",
};
const UNAUTHENTICATED: Kind = Kind {
    what: "unauthenticated",
    note: "missing credentials",
    function: "unauthenticated",
};
const INVALID_CREDENTIALS: Kind = Kind {
    what: "invalid-credentials",
    note: "refused credentials",
    function: "invalid_credentials",
};

const MALFORMED_CREDENTIALS: Kind = Kind {
    what: "malformed-credentials",
    note: "malformed credentials",
    function: "malformed_credentials",
};

/// Rejections the spec does not describe, by operation, for the notes.
#[derive(Default)]
pub(super) struct Defaulted {
    documented: Vec<String>,
    problem: Vec<String>,
}

impl Defaulted {
    fn add(&mut self, op: &Operation, kind: &Kind, rejection: &Rejection) {
        let entry = format!("{} ({})", op.id, kind.note);
        match rejection {
            Rejection::Documented { declared: true, .. } => {}
            Rejection::Documented { .. } => self.documented.push(entry),
            Rejection::Problem { .. } => self.problem.push(entry),
        }
    }

    /// The note for `cargo xtask lint`, when any rejection was defaulted.
    pub fn note(&self, file: &Path) -> Option<SpecError> {
        if self.documented.is_empty() && self.problem.is_empty() {
            return None;
        }
        let mut message =
            "no `x-server` entry describes how the service rejects requests; the stub answers"
                .to_owned();
        if !self.documented.is_empty() {
            message.push_str(&format!(
                " with the documented error envelope's message field in {}",
                self.documented.join(", ")
            ));
        }
        if !self.problem.is_empty() {
            if !self.documented.is_empty() {
                message.push_str(", and");
            }
            message.push_str(&format!(
                " with an RFC 9457 problem body (400 or 401) in {}",
                self.problem.join(", ")
            ));
        }
        Some(SpecError::at(file, "", message))
    }
}

/// The rejections of one operation.
pub(super) struct Answers<'a> {
    pub file: &'a Path,
    pub api: &'a Api,
    pub op: &'a Operation,
    pub statuses: &'a [Status<'a>],
}

impl Answers<'_> {
    /// The rejection functions of the operation's module (their template
    /// tests and notes go to `parts`).
    pub fn functions(
        &self,
        validates: bool,
        authenticated: bool,
        parts: &mut super::Parts,
    ) -> Result<Vec<TokenStream>, SpecError> {
        let declared = &self.api.rejections;
        let mut kinds = Vec::new();
        if validates {
            let validation = self.rejection(declared.validation.as_ref(), 400, "{summary}");
            kinds.push((&VALIDATION, validation));
        }
        if authenticated {
            let unauthenticated =
                self.rejection(declared.unauthenticated.as_ref(), 401, "{message}");
            kinds.push((&UNAUTHENTICATED, unauthenticated));
            if let Some(declared) = &declared.invalid_credentials {
                let invalid = self.rejection(Some(declared), 401, "{message}");
                kinds.push((&INVALID_CREDENTIALS, invalid));
            }
            if let Some(declared) = &declared.malformed_credentials {
                let malformed = self.rejection(Some(declared), 400, "{message}");
                kinds.push((&MALFORMED_CREDENTIALS, malformed));
            }
        }
        let mut functions = Vec::new();
        for (kind, rejection) in &kinds {
            parts.defaulted.add(self.op, kind, rejection);
            functions.push(self.function(kind, rejection)?);
            let test = self.template_test(kind, rejection);
            parts
                .template_tests
                .extend(test.map(|t| (self.op.feature.clone(), t)));
        }
        if authenticated && declared.invalid_credentials.is_none() {
            functions.push(quote! {
                /// Refused credentials are answered as missing ones (the spec has no `x-server.invalid-credentials` entry).
                pub fn invalid_credentials(issues: &[::api_support::server::Issue], message: &str, headers: &::axum::http::HeaderMap) -> ::axum::response::Response {
                    unauthenticated(issues, message, headers)
                }
            });
        }
        Ok(functions)
    }

    /// The rejection of one kind: the spec's `x-server` entry when there is
    /// one; else a documented envelope at `status` that has a message field;
    /// else an RFC 9457 problem at `status`.
    fn rejection(&self, declared: Option<&(u16, Value)>, status: u16, text: &str) -> Rejection {
        if let Some((status, template)) = declared {
            return Rejection::Documented {
                status: *status,
                template: template.clone(),
                declared: true,
            };
        }
        if let Some(template) = self.envelope_template(status, text) {
            return Rejection::Documented {
                status,
                template,
                declared: false,
            };
        }
        let title = reason(status);
        Rejection::Problem {
            status,
            template: serde_json::json!({"type": "about:blank", "title": title, "status": status, "detail": text}),
        }
    }

    /// The documented envelope at `status`, its message field set to `text`.
    fn envelope_template(&self, status: u16, text: &str) -> Option<Value> {
        let target = documented_target(self.statuses, status)?;
        let Some(ResponseBody::Json {
            envelope: Some(envelope),
            ..
        }) = target.model
        else {
            return None;
        };
        let mut body = serde_json::Map::new();
        body.insert(envelope.message_field.clone(), Value::from(text));
        for (name, field) in &envelope.required {
            let value = match field {
                EnvelopeField::Reason => Value::from(reason(status)),
                EnvelopeField::Status => Value::from(status),
            };
            body.insert(name.clone(), value);
        }
        Some(Value::Object(body))
    }

    /// The variant a rejection status maps to, or an error naming the operation.
    fn target(&self, status: u16, what: &str) -> Result<&Status<'_>, SpecError> {
        documented_target(self.statuses, status).ok_or_else(|| {
            SpecError::at(
                self.file,
                format!("{}/responses", self.op.pointer),
                format!(
                    "`x-server.{what}` answers with status {status}, which `{}` does not document with a JSON body",
                    self.op.id
                ),
            )
        })
    }

    /// A rejection function of the operation's module (`reject`, `unauthenticated`, ...).
    fn function(&self, kind: &Kind, rejection: &Rejection) -> Result<TokenStream, SpecError> {
        let f = format_ident!("{}", kind.function);
        let signature = quote! {
            pub fn #f(issues: &[::api_support::server::Issue], message: &str, headers: &::axum::http::HeaderMap) -> ::axum::response::Response
        };
        let (status, template, declared) = match rejection {
            Rejection::Documented {
                status,
                template,
                declared,
            } => (*status, template, *declared),
            Rejection::Problem { status, template } => {
                let template = json_literal(template);
                return Ok(quote! {
                    /// An RFC 9457 problem (`application/problem+json`): the spec does not describe the service's own error body.
                    #signature {
                        ::api_support::server::problem(#template, #status, issues, message, headers)
                    }
                });
            }
        };
        let doc = if declared {
            " The service's own answer to this problem (the spec's `x-server` template), as a documented variant."
        } else {
            " The documented error body at this status, its message field filled (the spec has no `x-server` entry for this problem)."
        };
        let target = self.target(status, kind.what)?;
        let body_ty = target.body.as_ref().map(Body::ty);
        let v = &target.variant;
        let construct = if target.fixed.is_some() {
            quote! { Response::#v(body) }
        } else {
            quote! { Response::#v(::api_support::server::status(#status), body) }
        };
        let template = json_literal(template);
        Ok(quote! {
            #[doc = #doc]
            #signature {
                match ::api_support::server::answer::<#body_ty>(#template, issues, message, headers) {
                    Ok(body) => #construct.into_response(),
                    // Unreachable while the generated template tests pass; never a panic.
                    Err(filled) => (::api_support::server::status(#status), ::axum::Json(filled)).into_response(),
                }
            }
        })
    }

    /// A generated test that the rejection function answers its status with
    /// a body of that status's documented type (it would not if the template
    /// did not fit: the function then sends the filled template as it is).
    fn template_test(&self, kind: &Kind, rejection: &Rejection) -> Option<TokenStream> {
        let Rejection::Documented { status, .. } = rejection else {
            return None;
        };
        let body_ty = documented_target(self.statuses, *status)?
            .body
            .as_ref()?
            .ty();
        let module: Ident = format_ident!("{}", self.op.name);
        let test = format_ident!(
            "{module}_{}_is_a_documented_answer",
            kind.what.replace('-', "_")
        );
        let message = format!(
            "the x-server {} template does not fit its status's schema: {{}}",
            kind.what
        );
        let reject = format_ident!("{}", kind.function);
        Some(quote! {
            #[::tokio::test]
            async fn #test() {
                let issues = [::api_support::server::Issue {
                    location: ::api_support::server::In::Query,
                    name: "limit".into(),
                    kind: "int_parsing",
                    message: "Input should be a valid integer".into(),
                    input: "x".into(),
                }];
                let response = super::#module::#reject(&issues, "", &::axum::http::HeaderMap::new());
                assert_eq!(response.status().as_u16(), #status);
                let body = ::axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("a body in memory");
                let typed = ::serde_json::from_slice::<#body_ty>(&body);
                assert!(typed.is_ok(), #message, String::from_utf8_lossy(body.as_ref()));
            }
        })
    }
}

/// The documented status a rejection at `status` maps to: the exact code, its
/// range, or `default`, with a JSON body.
fn documented_target<'s, 'a>(statuses: &'s [Status<'a>], status: u16) -> Option<&'s Status<'a>> {
    let class = u8::try_from(status / 100).ok()?;
    let find = |key: StatusKey| statuses.iter().find(|s| s.status == key);
    find(StatusKey::Code(status))
        .or_else(|| find(StatusKey::Range(class)))
        .or_else(|| find(StatusKey::Default))
        .filter(|s| matches!(s.body, Some(Body::Json(..))))
}

/// A status's reason phrase (`Bad Request`), or `Error`.
fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}

/// A JSON value as a raw string literal (`r#"{"detail": "{summary}"}"#`), so a
/// template reads as the JSON it is in the generated code.
fn json_literal(value: &Value) -> proc_macro2::Literal {
    let text = value.to_string();
    crate::tokens::raw_string(&text)
        .parse()
        .unwrap_or_else(|_| proc_macro2::Literal::string(&text))
}
