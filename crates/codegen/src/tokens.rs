//! Helpers for generated Rust source. Edits of generated token streams are
//! made on the tokens themselves, one walk over the trees, rather than by
//! printing the code as text, replacing and lexing it back: the text of a
//! big spec's code is hundreds of megabytes, and two copies of it (the text
//! and the tokens lexed from it) cost more than the rest of the edit.

use proc_macro2::{Delimiter, Group, Ident, Literal, TokenStream, TokenTree};

/// `tokens` with `edit` applied to the trees of every stream in it, from the
/// innermost out: each group's own stream is edited before the stream that
/// holds the group.
pub fn edit_streams(
    tokens: TokenStream,
    edit: &mut impl FnMut(Vec<TokenTree>) -> Vec<TokenTree>,
) -> TokenStream {
    let trees = tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Group(group) => {
                let mut edited = Group::new(group.delimiter(), edit_streams(group.stream(), edit));
                edited.set_span(group.span());
                TokenTree::Group(edited)
            }
            other => other,
        })
        .collect();
    edit(trees).into_iter().collect()
}

/// Whether a tree is the identifier `name`.
pub fn is_ident(tree: &TokenTree, name: &str) -> bool {
    matches!(tree, TokenTree::Ident(ident) if ident == name)
}

/// Whether a tree is the punctuation `c`.
pub fn is_punct(tree: &TokenTree, c: char) -> bool {
    matches!(tree, TokenTree::Punct(p) if p.as_char() == c)
}

/// Whether a tree is a group in parentheses whose stream starts with the
/// trees that `starts` accepts, one each.
pub fn parenthesised_starting(tree: &TokenTree, starts: &[&dyn Fn(&TokenTree) -> bool]) -> bool {
    let TokenTree::Group(group) = tree else {
        return false;
    };
    let mut trees = group.stream().into_iter();
    group.delimiter() == Delimiter::Parenthesis
        && starts
            .iter()
            .all(|accepts| trees.next().is_some_and(|tree| accepts(&tree)))
}

/// A group like `group` with `prefix` before its stream.
pub fn prefixed(group: &Group, prefix: TokenStream) -> TokenTree {
    let mut stream = prefix;
    stream.extend(group.stream());
    let mut edited = Group::new(group.delimiter(), stream);
    edited.set_span(group.span());
    TokenTree::Group(edited)
}

/// The body of a module, when three trees are `mod`, a name and a braced
/// body (the end of a module item).
pub fn module_body(trees: &[TokenTree]) -> Option<&Group> {
    match trees {
        [keyword, TokenTree::Ident(_), TokenTree::Group(body)]
            if is_ident(keyword, "mod") && body.delimiter() == Delimiter::Brace =>
        {
            Some(body)
        }
        _ => None,
    }
}

/// A string literal's tokens as printed (`"a\"b"`), the key under which
/// literals are compared.
pub fn string_literal_text(value: &str) -> String {
    Literal::string(value).to_string()
}

/// `text` as a raw string literal's source (`r#"{"a": 1}"#`), with as many
/// `#` as it takes that no `"#..` inside the text ends it early.
pub fn raw_string(text: &str) -> String {
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
}

/// An identifier, for trees built here.
pub fn ident(name: &str) -> TokenTree {
    TokenTree::Ident(Ident::new(name, proc_macro2::Span::call_site()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn every_stream_is_edited_innermost_first() {
        let mut seen = Vec::new();
        let edited = edit_streams(quote! { a (b [c]) d }, &mut |trees| {
            seen.push(
                trees
                    .iter()
                    .map(|t| match t {
                        TokenTree::Group(_) => "()".to_string(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            trees
                .into_iter()
                .map(|t| if is_ident(&t, "c") { ident("z") } else { t })
                .collect()
        });
        assert_eq!(edited.to_string(), "a (b [z]) d");
        assert_eq!(seen, ["c", "b ()", "a () d"]);
    }

    #[test]
    fn groups_are_recognised_by_their_first_trees() {
        let tree = quote! { (default, skip) }.into_iter().next().unwrap();
        let default = |t: &TokenTree| is_ident(t, "default");
        let comma = |t: &TokenTree| is_punct(t, ',');
        assert!(parenthesised_starting(&tree, &[&default, &comma]));
        assert!(!parenthesised_starting(&tree, &[&comma]));
        let bracketed = quote! { [default] }.into_iter().next().unwrap();
        assert!(!parenthesised_starting(&bracketed, &[&default]));
        let TokenTree::Group(group) = tree else {
            unreachable!()
        };
        assert_eq!(
            prefixed(&group, quote! { x , }).to_string(),
            "(x , default , skip)"
        );
        assert_eq!(string_literal_text("a\"b"), "\"a\\\"b\"");
        let module: Vec<TokenTree> = quote! { mod m { x } }.into_iter().collect();
        assert_eq!(
            module_body(&module)
                .map(|b| b.stream().to_string())
                .as_deref(),
            Some("x")
        );
        let call: Vec<TokenTree> = quote! { mod m (x) }.into_iter().collect();
        assert!(module_body(&call).is_none());
        assert_eq!(raw_string(r##"{"a":"#c"}"##), r###"r##"{"a":"#c"}"##"###);
        assert_eq!(raw_string("{}"), r##"r#"{}"#"##);
    }
}
