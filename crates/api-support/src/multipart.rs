//! `multipart/form-data` request bodies (RFC 7578).
//!
//! The generated types crate holds a multipart body as an ordinary struct;
//! a property documented as `{type: string, format: binary}` is a [`File`].
//! [`to_parts`] turns such a struct into form parts and [`from_parts`] reads
//! them back:
//!
//! * a string, number, boolean or enum property is one text part;
//! * a [`File`] is one file part, with its file name and content type;
//! * an array is one part per item, under the property's name (an array
//!   sent as one JSON part, `["a","b"]`, is read too);
//! * an object (or an array inside an array) is one JSON part
//!   (`application/json`);
//! * an absent optional property is no part at all.
//!
//! The client sends the parts with `reqwest` (feature `client-multipart`:
//! [`form`]); the server stub reads them with `multer` (feature
//! `server-multipart`: `server::Params::multipart_body`).
//!
//! ```
//! use api_support::multipart::{File, Part, from_parts, to_parts};
//!
//! #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
//! struct Upload {
//!     title: String,
//!     tags: Vec<String>,
//!     file: File,
//! }
//!
//! let upload = Upload {
//!     title: "report".into(),
//!     tags: vec!["q3".into(), "audit".into()],
//!     file: File::new(b"a,b\n1,2\n".to_vec()).with_file_name("report.csv"),
//! };
//! let parts = to_parts(&upload).unwrap();
//! assert_eq!(parts.len(), 4);
//! assert!(matches!(&parts[0], (name, Part::Text(t)) if name == "title" && t == "report"));
//! // As a server receives them: each part its bytes (a text part without a file name).
//! let received = parts.into_iter().map(|(name, part)| (name, part.into())).collect();
//! let back: Upload = from_parts(received).unwrap();
//! assert_eq!(back, upload);
//! ```

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Impossible, Serialize, Serializer};

/// The serde name of [`File`]: the marker by which the multipart serializer
/// and deserializer know a file part.
const FILE: &str = "api_support::multipart::File";

/// One file part: its bytes, and the file name and content type it is sent with.
///
/// In JSON (a body that is not multipart) a `File` is the string of its bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct File {
    pub bytes: Vec<u8>,
    /// The part's `filename`; the client sends the property name when unset.
    pub file_name: Option<String>,
    /// The part's `Content-Type`; the client sends `application/octet-stream` when unset.
    pub content_type: Option<String>,
}

impl File {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        File {
            bytes: bytes.into(),
            file_name: None,
            content_type: None,
        }
    }

    #[must_use]
    pub fn with_file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    #[must_use]
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }
}

impl From<Vec<u8>> for File {
    fn from(bytes: Vec<u8>) -> Self {
        File::new(bytes)
    }
}

impl From<&[u8]> for File {
    fn from(bytes: &[u8]) -> Self {
        File::new(bytes)
    }
}

impl From<&str> for File {
    fn from(text: &str) -> Self {
        File::new(text.as_bytes())
    }
}

thread_local! {
    /// Hands a whole [`File`] between its serde impls and this module's
    /// serializer and deserializer, which serde's data model cannot carry
    /// (bytes plus a file name plus a content type, as one value). Armed and
    /// emptied within one synchronous call.
    static HANDOFF: RefCell<Handoff> = const { RefCell::new(Handoff::Idle) };
}

enum Handoff {
    Idle,
    /// The multipart serializer waits for a file.
    Armed,
    Holding(File),
}

fn take_handoff() -> Option<File> {
    HANDOFF.with(
        |h| match std::mem::replace(&mut *h.borrow_mut(), Handoff::Idle) {
            Handoff::Holding(file) => Some(file),
            _ => None,
        },
    )
}

impl Serialize for File {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        HANDOFF.with(|h| {
            let mut h = h.borrow_mut();
            if matches!(*h, Handoff::Armed) {
                *h = Handoff::Holding(self.clone());
            }
        });
        serializer.serialize_newtype_struct(FILE, &String::from_utf8_lossy(&self.bytes))
    }
}

impl<'de> de::Deserialize<'de> for File {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(FILE, FileVisitor)
    }
}

struct FileVisitor;

impl<'de> Visitor<'de> for FileVisitor {
    type Value = File;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a file (multipart) or a string")
    }

    /// From this module's deserializer: the whole part.
    fn visit_unit<E: de::Error>(self) -> Result<File, E> {
        take_handoff().ok_or_else(|| E::custom("expected a file"))
    }

    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, d: D) -> Result<File, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<File, E> {
        Ok(File::new(v.as_bytes()))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<File, E> {
        Ok(File::new(v))
    }
}

/// One part of a multipart body, as [`to_parts`] makes it.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Text(String),
    /// JSON text, sent as `application/json`.
    Json(String),
    File(File),
}

/// A part as it travels: text and JSON as their bytes (JSON with its
/// content type), a file as it is.
impl From<Part> for File {
    fn from(part: Part) -> Self {
        match part {
            Part::Text(text) => File::new(text),
            Part::Json(json) => File::new(json).with_content_type("application/json"),
            Part::File(file) => file,
        }
    }
}

/// Why a value is not a multipart body, or parts are not the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error(e.to_string())
    }
}

/// The parts of a multipart body, in field order.
pub fn to_parts<T: Serialize + ?Sized>(body: &T) -> Result<Vec<(String, Part)>, Error> {
    let mut out = Vec::new();
    body.serialize(Top { out: &mut out })?;
    Ok(out)
}

/// Reads a multipart body from its parts (a text part is a [`File`] without a
/// file name). Parts of one name are the items of an array property.
pub fn from_parts<T: de::DeserializeOwned>(parts: Vec<(String, File)>) -> Result<T, Error> {
    let mut groups: Vec<(String, Vec<File>)> = Vec::new();
    for (name, part) in parts {
        match groups.iter_mut().find(|(n, _)| *n == name) {
            Some((_, group)) => group.push(part),
            None => groups.push((name, vec![part])),
        }
    }
    T::deserialize(TopDe {
        groups: groups.into_iter(),
        value: None,
    })
}

/// Sends a body as a `multipart/form-data` form (the generated client's
/// `send()` calls it where the spec documents a multipart body).
#[cfg(feature = "client-multipart")]
#[allow(clippy::result_large_err)] // progenitor's own error type, as `send()` returns it
pub fn form<T: Serialize, E>(
    body: &T,
) -> Result<reqwest::multipart::Form, progenitor_client::Error<E>> {
    use reqwest::multipart;
    let invalid = |e: String| progenitor_client::Error::InvalidRequest(e);
    let parts = to_parts(body).map_err(|e| invalid(format!("multipart body: {e}")))?;
    let mut form = multipart::Form::new();
    for (name, part) in parts {
        let part = match part {
            Part::Text(text) => multipart::Part::text(text),
            Part::Json(json) => multipart::Part::text(json)
                .mime_str("application/json")
                .map_err(|e| invalid(e.to_string()))?,
            Part::File(file) => multipart::Part::bytes(file.bytes)
                .file_name(file.file_name.unwrap_or_else(|| name.clone()))
                .mime_str(
                    file.content_type
                        .as_deref()
                        .unwrap_or("application/octet-stream"),
                )
                .map_err(|e| invalid(format!("content type of part `{name}`: {e}")))?,
        };
        form = form.part(name, part);
    }
    Ok(form)
}

// ---- serializer -------------------------------------------------------------

fn not_object() -> Error {
    Error("a multipart body is an object: its properties are the parts".into())
}

/// The body: a struct or a map, each entry one property.
struct Top<'a> {
    out: &'a mut Vec<(String, Part)>,
}

macro_rules! refuse {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Self::Ok, Self::Error> { Err(not_object()) })*
    };
}

impl<'a> Serializer for Top<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = TopMap<'a>;
    type SerializeStruct = TopMap<'a>;
    type SerializeStructVariant = Impossible<(), Error>;

    refuse!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(not_object())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(not_object())
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(not_object())
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(not_object())
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(not_object())
    }

    fn serialize_map(self, _: Option<usize>) -> Result<TopMap<'a>, Error> {
        Ok(TopMap {
            out: self.out,
            key: None,
        })
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<TopMap<'a>, Error> {
        self.serialize_map(None)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(not_object())
    }
}

struct TopMap<'a> {
    out: &'a mut Vec<(String, Part)>,
    key: Option<String>,
}

impl TopMap<'_> {
    fn property<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), Error> {
        arm();
        let result = value.serialize(Property {
            name,
            out: self.out,
            nested: false,
        });
        disarm();
        result
    }
}

impl ser::SerializeMap for TopMap<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        match serde_json::to_value(key)? {
            serde_json::Value::String(key) => {
                self.key = Some(key);
                Ok(())
            }
            other => Err(Error(format!("a part name must be a string, not {other}"))),
        }
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self.key.take().unwrap_or_default();
        self.property(&key, value)
    }

    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

impl ser::SerializeStruct for TopMap<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.property(key, value)
    }

    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

/// One property: text, a file, one part per item, or JSON.
struct Property<'a, 'n> {
    name: &'n str,
    out: &'a mut Vec<(String, Part)>,
    /// An item of an array property.
    nested: bool,
}

impl Property<'_, '_> {
    fn text(self, text: String) -> Result<(), Error> {
        self.out.push((self.name.to_owned(), Part::Text(text)));
        Ok(())
    }
}

type JsonSerializer = serde_json::value::Serializer;

macro_rules! text {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method(self, v: $ty) -> Result<(), Error> { self.text(v.to_string()) })*
    };
}

impl<'a, 'n> Serializer for Property<'a, 'n> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Seq<'a, 'n>;
    type SerializeTuple = Seq<'a, 'n>;
    type SerializeTupleStruct = Json<'a, 'n, <JsonSerializer as Serializer>::SerializeTupleStruct>;
    type SerializeTupleVariant =
        Json<'a, 'n, <JsonSerializer as Serializer>::SerializeTupleVariant>;
    type SerializeMap = Json<'a, 'n, <JsonSerializer as Serializer>::SerializeMap>;
    type SerializeStruct = Json<'a, 'n, <JsonSerializer as Serializer>::SerializeStruct>;
    type SerializeStructVariant =
        Json<'a, 'n, <JsonSerializer as Serializer>::SerializeStructVariant>;

    text!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
    );

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        self.out
            .push((self.name.to_owned(), Part::File(File::new(v))));
        Ok(())
    }

    fn serialize_none(self) -> Result<(), Error> {
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.text(variant.to_owned())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        if name == FILE
            && let Some(file) = take_handoff()
        {
            self.out.push((self.name.to_owned(), Part::File(file)));
            return Ok(());
        }
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let json =
            serde_json::value::Serializer.serialize_newtype_variant(name, index, variant, value)?;
        self.out
            .push((self.name.to_owned(), Part::Json(json.to_string())));
        Ok(())
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Seq<'a, 'n>, Error> {
        if self.nested {
            return Ok(Seq::Json(Json::new(
                self,
                serde_json::value::Serializer.serialize_seq(len)?,
            )));
        }
        Ok(Seq::Items(Items {
            name: self.name,
            out: self.out,
        }))
    }

    fn serialize_tuple(self, len: usize) -> Result<Seq<'a, 'n>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Ok(Json::new(
            self,
            serde_json::value::Serializer.serialize_tuple_struct(name, len)?,
        ))
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        let inner =
            serde_json::value::Serializer.serialize_tuple_variant(name, index, variant, len)?;
        Ok(Json::new(self, inner))
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Ok(Json::new(
            self,
            serde_json::value::Serializer.serialize_map(len)?,
        ))
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Ok(Json::new(
            self,
            serde_json::value::Serializer.serialize_struct(name, len)?,
        ))
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        let inner =
            serde_json::value::Serializer.serialize_struct_variant(name, index, variant, len)?;
        Ok(Json::new(self, inner))
    }
}

/// The items of an array property: one part each (an array inside is one JSON part).
struct Items<'a, 'n> {
    name: &'n str,
    out: &'a mut Vec<(String, Part)>,
}

fn arm() {
    HANDOFF.with(|h| *h.borrow_mut() = Handoff::Armed);
}

fn disarm() {
    HANDOFF.with(|h| *h.borrow_mut() = Handoff::Idle);
}

impl Items<'_, '_> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        arm();
        let result = value.serialize(Property {
            name: self.name,
            out: self.out,
            nested: true,
        });
        disarm();
        result
    }
}

/// An array property: its items, or (inside another array) one JSON part.
enum Seq<'a, 'n> {
    Items(Items<'a, 'n>),
    Json(Json<'a, 'n, <JsonSerializer as Serializer>::SerializeSeq>),
}

impl ser::SerializeSeq for Seq<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        match self {
            Seq::Items(items) => items.item(value),
            Seq::Json(json) => Ok(json.inner.serialize_element(value)?),
        }
    }

    fn end(self) -> Result<(), Error> {
        match self {
            Seq::Items(_) => Ok(()),
            Seq::Json(json) => json.end_with(ser::SerializeSeq::end),
        }
    }
}

impl ser::SerializeTuple for Seq<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

/// A property sent as one JSON part: serde_json's own serializer, whose
/// value becomes the part when it ends.
struct Json<'a, 'n, S> {
    name: &'n str,
    out: &'a mut Vec<(String, Part)>,
    inner: S,
}

impl<'a, 'n, S> Json<'a, 'n, S> {
    fn new(property: Property<'a, 'n>, inner: S) -> Self {
        Json {
            name: property.name,
            out: property.out,
            inner,
        }
    }

    fn end_with(
        self,
        end: impl FnOnce(S) -> Result<serde_json::Value, serde_json::Error>,
    ) -> Result<(), Error> {
        let Json { name, out, inner } = self;
        let value = end(inner)?;
        out.push((name.to_owned(), Part::Json(value.to_string())));
        Ok(())
    }
}

type JsonResult = Result<(), Error>;

impl<S: ser::SerializeTupleStruct<Ok = serde_json::Value, Error = serde_json::Error>>
    ser::SerializeTupleStruct for Json<'_, '_, S>
{
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> JsonResult {
        Ok(self.inner.serialize_field(value)?)
    }

    fn end(self) -> JsonResult {
        self.end_with(S::end)
    }
}

impl<S: ser::SerializeTupleVariant<Ok = serde_json::Value, Error = serde_json::Error>>
    ser::SerializeTupleVariant for Json<'_, '_, S>
{
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> JsonResult {
        Ok(self.inner.serialize_field(value)?)
    }

    fn end(self) -> JsonResult {
        self.end_with(S::end)
    }
}

impl<S: ser::SerializeMap<Ok = serde_json::Value, Error = serde_json::Error>> ser::SerializeMap
    for Json<'_, '_, S>
{
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> JsonResult {
        Ok(self.inner.serialize_key(key)?)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> JsonResult {
        Ok(self.inner.serialize_value(value)?)
    }

    fn end(self) -> JsonResult {
        self.end_with(S::end)
    }
}

impl<S: ser::SerializeStruct<Ok = serde_json::Value, Error = serde_json::Error>>
    ser::SerializeStruct for Json<'_, '_, S>
{
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> JsonResult {
        Ok(self.inner.serialize_field(key, value)?)
    }

    fn end(self) -> JsonResult {
        self.end_with(S::end)
    }
}

impl<S: ser::SerializeStructVariant<Ok = serde_json::Value, Error = serde_json::Error>>
    ser::SerializeStructVariant for Json<'_, '_, S>
{
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> JsonResult {
        Ok(self.inner.serialize_field(key, value)?)
    }

    fn end(self) -> JsonResult {
        self.end_with(S::end)
    }
}

// ---- deserializer -----------------------------------------------------------

/// The body: one entry per part name.
struct TopDe {
    groups: std::vec::IntoIter<(String, Vec<File>)>,
    value: Option<(String, Vec<File>)>,
}

impl<'de> de::Deserializer<'de> for TopDe {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> MapAccess<'de> for TopDe {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((name, parts)) = self.groups.next() else {
            return Ok(None);
        };
        let name_de: de::value::StringDeserializer<Error> = name.clone().into_deserializer();
        let key = seed.deserialize(name_de)?;
        self.value = Some((name, parts));
        Ok(Some(key))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let (name, parts) = self.value.take().ok_or_else(|| Error("no part".into()))?;
        seed.deserialize(PartsDe { parts })
            .map_err(|Error(e)| Error(format!("part `{name}`: {e}")))
    }
}

/// The parts of one name: one value, or the items of an array.
struct PartsDe {
    parts: Vec<File>,
}

impl PartsDe {
    fn single(mut self) -> Result<PartDe, Error> {
        match self.parts.len() {
            1 => Ok(PartDe(self.parts.remove(0))),
            n => Err(Error(format!("expected one part, got {n}"))),
        }
    }
}

macro_rules! single {
    ($($method:ident),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.single()?.$method(visitor)
        })*
    };
}

impl<'de> de::Deserializer<'de> for PartsDe {
    type Error = Error;

    single!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_unit,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any,
    );

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.single()?.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == FILE {
            return self.single()?.deserialize_newtype_struct(name, visitor);
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // One part holding a JSON array (`["a","b"]`) is the array too.
        if let [part] = self.parts.as_slice()
            && part.file_name.is_none()
            && part.bytes.first() == Some(&b'[')
        {
            let json: serde_json::Value = serde_json::from_slice(&part.bytes)?;
            return Ok(json.deserialize_seq(visitor)?);
        }
        visitor.visit_seq(ItemsDe(self.parts.into_iter()))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.single()?.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.single()?.deserialize_enum(name, variants, visitor)
    }
}

struct ItemsDe(std::vec::IntoIter<File>);

impl<'de> SeqAccess<'de> for ItemsDe {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|part| seed.deserialize(PartDe(part)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// One part: a file where a [`File`] is asked for, its text otherwise (a
/// number, a boolean or an enum value parsed from it; an object from JSON).
struct PartDe(File);

impl PartDe {
    fn text(&self) -> Result<&str, Error> {
        std::str::from_utf8(&self.0.bytes)
            .map_err(|_| Error("expected text, got bytes that are not UTF-8".into()))
    }

    fn json(&self) -> Result<serde_json::Value, Error> {
        Ok(serde_json::from_slice(&self.0.bytes)?)
    }
}

macro_rules! parse {
    ($($method:ident $visit:ident $ty:ty),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let text = self.text()?.trim();
            let value: $ty = text
                .parse()
                .map_err(|e| Error(format!("`{text}` is not a {}: {e}", stringify!($ty))))?;
            visitor.$visit(value)
        })*
    };
}

impl<'de> de::Deserializer<'de> for PartDe {
    type Error = Error;

    parse!(
        deserialize_bool visit_bool bool,
        deserialize_i8 visit_i8 i8,
        deserialize_i16 visit_i16 i16,
        deserialize_i32 visit_i32 i32,
        deserialize_i64 visit_i64 i64,
        deserialize_i128 visit_i128 i128,
        deserialize_u8 visit_u8 u8,
        deserialize_u16 visit_u16 u16,
        deserialize_u32 visit_u32 u32,
        deserialize_u64 visit_u64 u64,
        deserialize_u128 visit_u128 u128,
        deserialize_f32 visit_f32 f32,
        deserialize_f64 visit_f64 f64,
        deserialize_char visit_char char,
    );

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_string(self.text()?.to_owned())
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_str(self.text()?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_string(self.text()?.to_owned())
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_byte_buf(self.0.bytes)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_byte_buf(self.0.bytes)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == FILE {
            HANDOFF.with(|h| *h.borrow_mut() = Handoff::Holding(self.0));
            let file = visitor.visit_unit();
            disarm();
            return file;
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        Ok(self.json()?.deserialize_seq(visitor)?)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        Ok(self.json()?.deserialize_tuple(len, visitor)?)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        Ok(self.json()?.deserialize_tuple_struct(name, len, visitor)?)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        Ok(self.json()?.deserialize_map(visitor)?)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        Ok(self.json()?.deserialize_struct(name, fields, visitor)?)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        if self.0.bytes.first() == Some(&b'{') {
            return Ok(self.json()?.deserialize_enum(name, variants, visitor)?);
        }
        let text: de::value::StringDeserializer<Error> =
            self.text()?.to_owned().into_deserializer();
        visitor.visit_enum(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug, Clone)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Csv,
        Json,
    }

    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug, Clone)]
    struct Meta {
        owner: String,
        size: u32,
    }

    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug, Clone)]
    struct Upload {
        title: String,
        count: i64,
        ratio: f64,
        public: bool,
        kind: Kind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        tags: Vec<String>,
        meta: Meta,
        file: File,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<File>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cover: Option<File>,
        grid: Vec<Vec<u8>>,
    }

    fn upload() -> Upload {
        Upload {
            title: "report".into(),
            count: -3,
            ratio: 0.5,
            public: true,
            kind: Kind::Csv,
            note: None,
            tags: vec!["a".into(), "b".into()],
            meta: Meta {
                owner: "ops".into(),
                size: 9,
            },
            file: File::new(vec![0, 159, 146, 150])
                .with_file_name("x.bin")
                .with_content_type("application/x-thing"),
            attachments: vec![File::new("one"), File::new("two").with_file_name("2.txt")],
            cover: Some(File::new("c")),
            grid: vec![vec![1, 2], vec![3]],
        }
    }

    #[test]
    fn every_kind_of_property_becomes_its_part() {
        let parts = to_parts(&upload()).unwrap();
        let text = |name: &str| -> Vec<&Part> {
            parts
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, p)| p)
                .collect()
        };
        assert_eq!(text("title"), [&Part::Text("report".into())]);
        assert_eq!(text("count"), [&Part::Text("-3".into())]);
        assert_eq!(text("public"), [&Part::Text("true".into())]);
        assert_eq!(text("kind"), [&Part::Text("csv".into())]);
        assert!(text("note").is_empty());
        assert_eq!(
            text("tags"),
            [&Part::Text("a".into()), &Part::Text("b".into())]
        );
        assert_eq!(
            text("meta"),
            [&Part::Json(r#"{"owner":"ops","size":9}"#.into())]
        );
        assert_eq!(
            text("grid"),
            [&Part::Json("[1,2]".into()), &Part::Json("[3]".into())]
        );
        let Part::File(file) = text("file")[0] else {
            panic!("file is not a file part: {parts:?}");
        };
        assert_eq!(file.bytes, [0, 159, 146, 150]);
        assert_eq!(file.file_name.as_deref(), Some("x.bin"));
        assert_eq!(file.content_type.as_deref(), Some("application/x-thing"));
        assert_eq!(text("attachments").len(), 2);
        assert!(matches!(text("cover")[0], Part::File(f) if f.bytes == b"c"));
    }

    fn wire(parts: Vec<(String, Part)>) -> Vec<(String, File)> {
        parts
            .into_iter()
            .map(|(name, part)| (name, part.into()))
            .collect()
    }

    #[test]
    fn parts_read_back_into_the_same_value() {
        let back: Upload = from_parts(wire(to_parts(&upload()).unwrap())).unwrap();
        assert_eq!(back, upload());
    }

    #[test]
    fn a_file_in_json_is_its_text() {
        let json = serde_json::to_value(File::new("hello").with_file_name("h.txt")).unwrap();
        assert_eq!(json, serde_json::json!("hello"));
        let file: File = serde_json::from_value(json).unwrap();
        assert_eq!(file.bytes, b"hello");
        // The JSON form never leaks a file into a later multipart body.
        let parts = to_parts(&serde_json::json!({"a": "x"})).unwrap();
        assert_eq!(parts, [("a".to_owned(), Part::Text("x".into()))]);
    }

    #[test]
    fn bad_parts_are_errors_naming_the_part() {
        let mut parts = wire(to_parts(&upload()).unwrap());
        for (name, part) in &mut parts {
            if name == "count" {
                *part = File::new("many");
            }
        }
        let e = from_parts::<Upload>(parts).unwrap_err().to_string();
        assert!(e.contains("part `count`") && e.contains("`many`"), "{e}");
        let missing: Vec<(String, File)> = vec![("title".into(), File::new("t"))];
        let e = from_parts::<Upload>(missing).unwrap_err().to_string();
        assert!(e.contains("missing field"), "{e}");
        let twice = vec![
            ("title".to_owned(), File::new("a")),
            ("title".to_owned(), File::new("b")),
        ];
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct One {
            title: String,
        }
        let e = from_parts::<One>(twice).unwrap_err().to_string();
        assert!(e.contains("expected one part, got 2"), "{e}");
    }

    #[test]
    fn a_json_array_in_one_part_is_the_array() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Tags {
            tags: Vec<String>,
        }
        let tags: Tags = from_parts(vec![("tags".into(), File::new(r#"["a","b"]"#))]).unwrap();
        assert_eq!(tags.tags, ["a", "b"]);
    }

    #[test]
    fn only_objects_are_bodies() {
        assert!(
            to_parts(&"text")
                .unwrap_err()
                .to_string()
                .contains("is an object")
        );
        assert!(to_parts(&vec![1]).is_err());
    }
}
