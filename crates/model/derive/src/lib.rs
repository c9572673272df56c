//! `#[derive(Fact)]`: a fact struct of `hooklint-model` declares its schema once.
//!
//! From the struct's declaration (field names as serde writes them, `#[serde(rename)]` and
//! `#[serde(skip)]` respected, doc comments as descriptions, types mapped through
//! `FieldValue`) the derive generates a `static` `Schema` and the `Fact` impl that reads a field
//! by its position in that schema. Everything else (the policy loader's field check, CEL values,
//! native reads, the JSON Schema, the documentation tables) is written once, over `Schema` and
//! `Fact`, in the crates that need it.
//!
//! Field attributes of its own: `#[fact(flatten)]` (a field whose fields are read as if they
//! were this struct's, for views that add computed fields to stored ones), `#[fact(computed)]`
//! (a field policies read that is not part of the stored facts), `#[fact(skip)]`. Container
//! attribute: `#[fact(name = "...")]`, the name the schema is shown under (default: the struct's
//! name).

use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::quote;
use syn::{
    parse_macro_input, Attribute, Data, DeriveInput, Expr, Fields, GenericArgument, Lit, LitStr,
    PathArguments, Type,
};

#[proc_macro_derive(Fact, attributes(fact))]
pub fn derive_fact(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Stored,
    Computed,
    Flatten,
}

struct Spec {
    ident: syn::Ident,
    name: String,
    doc: String,
    kind: Kind,
    ty: Type,
}

fn expand(input: &DeriveInput) -> syn::Result<Tokens> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(&input.ident, "derive(Fact) takes a struct"));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(&input.ident, "derive(Fact) needs named fields"));
    };
    let mut shown = input.ident.to_string();
    for attr in &input.attrs {
        if attr.path().is_ident("fact") {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("name") {
                    shown = meta.value()?.parse::<LitStr>()?.value();
                    Ok(())
                } else {
                    Err(meta.error("expected `name = \"...\"`"))
                }
            })?;
        } else if attr.path().is_ident("serde") {
            attr.parse_nested_meta(|meta| {
                Err(meta.error(
                    "derive(Fact) reads field names as written; container-level serde \
                     attributes would change them unseen",
                ))
            })?;
        }
    }

    let mut specs = Vec::new();
    for field in &named.named {
        let Some(ident) = field.ident.clone() else { continue };
        let mut name = ident.to_string();
        let mut kind = Kind::Stored;
        let mut skip = false;
        for attr in &field.attrs {
            if attr.path().is_ident("serde") {
                attr.parse_nested_meta(|meta| {
                    if meta.path.is_ident("rename") {
                        name = meta.value()?.parse::<LitStr>()?.value();
                    } else if meta.path.is_ident("skip") || meta.path.is_ident("skip_serializing") {
                        skip = true;
                    } else if meta.path.is_ident("default") || meta.path.is_ident("alias") {
                        if meta.input.peek(syn::Token![=]) {
                            meta.value()?.parse::<LitStr>()?;
                        }
                    } else {
                        return Err(meta.error(
                            "derive(Fact) does not know what this serde attribute does to the \
                             serialized field; teach it in crates/model/derive",
                        ));
                    }
                    Ok(())
                })?;
            } else if attr.path().is_ident("fact") {
                attr.parse_nested_meta(|meta| {
                    if meta.path.is_ident("flatten") {
                        kind = Kind::Flatten;
                    } else if meta.path.is_ident("computed") {
                        kind = Kind::Computed;
                    } else if meta.path.is_ident("skip") {
                        skip = true;
                    } else {
                        return Err(meta.error("expected `flatten`, `computed` or `skip`"));
                    }
                    Ok(())
                })?;
            }
        }
        if skip {
            continue;
        }
        let doc = doc_of(&field.attrs);
        if doc.is_empty() && kind != Kind::Flatten {
            return Err(syn::Error::new_spanned(
                &ident,
                "every fact field needs a doc comment: it is the field's documentation for \
                 rule authors (docs/facts.md, `facts --schema`)",
            ));
        }
        let mut ty = field.ty.clone();
        erase_lifetimes(&mut ty);
        specs.push(Spec { ident, name, doc, kind, ty });
    }

    let ident = &input.ident;
    let doc = doc_of(&input.attrs);
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let entries = specs.iter().map(|s| {
        let Spec { name, doc, ty, kind, .. } = s;
        let kind = match kind {
            Kind::Stored => quote!(Stored),
            Kind::Computed => quote!(Computed),
            Kind::Flatten => quote!(Flatten),
        };
        quote! {
            __fact::Field {
                name: #name,
                doc: #doc,
                ty: <#ty as __fact::FieldValue>::TY,
                kind: __fact::FieldKind::#kind,
            }
        }
    });
    let arms = specs.iter().enumerate().map(|(i, s)| {
        let field = &s.ident;
        quote!(#i => __fact::FieldValue::field_ref(&self.#field),)
    });
    Ok(quote! {
        const _: () = {
            use ::hooklint_model::fact as __fact;
            static SCHEMA: __fact::Schema =
                __fact::Schema::new(#shown, #doc, &[#(#entries),*]);
            impl #impl_generics __fact::Fact for #ident #ty_generics #where_clause {
                fn schema(&self) -> &'static __fact::Schema {
                    &SCHEMA
                }
                #[inline]
                fn field_at(&self, index: usize) -> __fact::FieldRef<'_> {
                    match index {
                        #(#arms)*
                        _ => __fact::FieldRef::Missing,
                    }
                }
            }
            impl #impl_generics __fact::FieldValue for #ident #ty_generics #where_clause {
                const TY: __fact::Ty = __fact::Ty::Obj(&SCHEMA);
                #[inline]
                fn field_ref(&self) -> __fact::FieldRef<'_> {
                    __fact::FieldRef::Obj(self)
                }
            }
        };
    })
}

/// The doc comment's lines, each without the one space `///` leaves, joined by newlines.
fn doc_of(attrs: &[Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let Expr::Lit(lit) = &nv.value {
                if let Lit::Str(s) = &lit.lit {
                    let line = s.value();
                    lines.push(line.strip_prefix(' ').unwrap_or(&line).trim_end().to_string());
                }
            }
        }
    }
    lines.join("\n").trim().to_string()
}

/// The schema is a `static`, where the struct's lifetimes are not in scope: they become
/// `'static`, which changes no field's `FieldValue::TY`.
fn erase_lifetimes(ty: &mut Type) {
    match ty {
        Type::Reference(r) => {
            if let Some(l) = &mut r.lifetime {
                *l = syn::Lifetime::new("'static", l.apostrophe);
            }
            erase_lifetimes(&mut r.elem);
        }
        Type::Path(p) => {
            for segment in &mut p.path.segments {
                if let PathArguments::AngleBracketed(args) = &mut segment.arguments {
                    for arg in &mut args.args {
                        match arg {
                            GenericArgument::Lifetime(l) => {
                                *l = syn::Lifetime::new("'static", l.apostrophe);
                            }
                            GenericArgument::Type(t) => erase_lifetimes(t),
                            _ => {}
                        }
                    }
                }
            }
        }
        Type::Slice(s) => erase_lifetimes(&mut s.elem),
        Type::Array(a) => erase_lifetimes(&mut a.elem),
        Type::Paren(p) => erase_lifetimes(&mut p.elem),
        Type::Group(g) => erase_lifetimes(&mut g.elem),
        Type::Tuple(t) => t.elems.iter_mut().for_each(erase_lifetimes),
        _ => {}
    }
}
