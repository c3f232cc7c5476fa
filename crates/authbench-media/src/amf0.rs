//! AMF0 (Action Message Format, version 0): the encoding of RTMP command messages.
//!
//! Every AMF0 type can be encoded and decoded, so whatever a server answers is parsed correctly
//! even where the probe ignores it. Decoding is bounded: nesting deeper than [`MAX_DEPTH`] is an
//! error, counts in the input never size an allocation, and nothing panics on hostile bytes.
//! `AVM+` (the switch to AMF3) and unknown markers are errors.

/// Deepest nesting of objects and arrays accepted when decoding.
pub const MAX_DEPTH: usize = 32;

/// Type markers (AMF0 specification, section 2.1).
mod marker {
    pub const NUMBER: u8 = 0x00;
    pub const BOOLEAN: u8 = 0x01;
    pub const STRING: u8 = 0x02;
    pub const OBJECT: u8 = 0x03;
    pub const MOVIECLIP: u8 = 0x04;
    pub const NULL: u8 = 0x05;
    pub const UNDEFINED: u8 = 0x06;
    pub const REFERENCE: u8 = 0x07;
    pub const ECMA_ARRAY: u8 = 0x08;
    pub const OBJECT_END: u8 = 0x09;
    pub const STRICT_ARRAY: u8 = 0x0A;
    pub const DATE: u8 = 0x0B;
    pub const LONG_STRING: u8 = 0x0C;
    pub const UNSUPPORTED: u8 = 0x0D;
    pub const RECORDSET: u8 = 0x0E;
    pub const XML_DOCUMENT: u8 = 0x0F;
    pub const TYPED_OBJECT: u8 = 0x10;
    pub const AVMPLUS: u8 = 0x11;
}

/// One AMF0 value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An IEEE 754 double.
    Number(f64),
    /// `true` / `false`.
    Boolean(bool),
    /// A string of at most 65,535 bytes (longer ones are encoded as long strings).
    String(String),
    /// An anonymous object: properties in wire order.
    Object(Vec<(String, Value)>),
    /// `null`.
    Null,
    /// `undefined`.
    Undefined,
    /// A reference to an earlier complex value, by index.
    Reference(u16),
    /// An associative array: properties in wire order.
    EcmaArray(Vec<(String, Value)>),
    /// A dense array.
    StrictArray(Vec<Value>),
    /// Milliseconds since the Unix epoch, and a time zone (reserved, sent as 0).
    Date {
        /// Milliseconds since 1970-01-01T00:00:00Z.
        millis: f64,
        /// The time-zone field (the specification says 0).
        time_zone: i16,
    },
    /// A string longer than 65,535 bytes.
    LongString(String),
    /// The `unsupported` marker.
    Unsupported,
    /// An XML document, as text.
    XmlDocument(String),
    /// An object of a named class.
    TypedObject {
        /// The class name.
        class: String,
        /// Properties in wire order.
        properties: Vec<(String, Value)>,
    },
}

impl Value {
    /// The string of a `String` or `LongString`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) | Value::LongString(s) => Some(s),
            _ => None,
        }
    }

    /// The number of a `Number`.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The property `name` of an object, ECMA array or typed object (the first one, if repeated).
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Object(props)
            | Value::EcmaArray(props)
            | Value::TypedObject {
                properties: props, ..
            } => props.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// An object from `(name, value)` pairs.
    pub fn object<'a>(pairs: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Boolean(b)
    }
}

/// Why bytes are not AMF0.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended inside a value.
    #[error("AMF0 value cut short")]
    Truncated,
    /// A type marker this decoder does not know (or AMF3's `AVM+`).
    #[error("AMF0 marker 0x{0:02x} not supported")]
    UnknownMarker(u8),
    /// Objects or arrays nested deeper than [`MAX_DEPTH`].
    #[error("AMF0 values nested deeper than {MAX_DEPTH}")]
    TooDeep,
}

/// Appends the encoding of `value` to `out`.
pub fn encode(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Number(n) => {
            out.push(marker::NUMBER);
            out.extend_from_slice(&n.to_be_bytes());
        }
        Value::Boolean(b) => {
            out.push(marker::BOOLEAN);
            out.push(u8::from(*b));
        }
        Value::String(s) => match u16::try_from(s.len()) {
            Ok(_) => {
                out.push(marker::STRING);
                put_short_string(s, out);
            }
            Err(_) => encode(&Value::LongString(s.clone()), out),
        },
        Value::Object(props) => {
            out.push(marker::OBJECT);
            put_properties(props, out);
        }
        Value::Null => out.push(marker::NULL),
        Value::Undefined => out.push(marker::UNDEFINED),
        Value::Reference(i) => {
            out.push(marker::REFERENCE);
            out.extend_from_slice(&i.to_be_bytes());
        }
        Value::EcmaArray(props) => {
            out.push(marker::ECMA_ARRAY);
            out.extend_from_slice(&len_u32(props.len()).to_be_bytes());
            put_properties(props, out);
        }
        Value::StrictArray(items) => {
            out.push(marker::STRICT_ARRAY);
            out.extend_from_slice(&len_u32(items.len()).to_be_bytes());
            for item in items {
                encode(item, out);
            }
        }
        Value::Date { millis, time_zone } => {
            out.push(marker::DATE);
            out.extend_from_slice(&millis.to_be_bytes());
            out.extend_from_slice(&time_zone.to_be_bytes());
        }
        Value::LongString(s) => {
            out.push(marker::LONG_STRING);
            put_long_string(s, out);
        }
        Value::Unsupported => out.push(marker::UNSUPPORTED),
        Value::XmlDocument(s) => {
            out.push(marker::XML_DOCUMENT);
            put_long_string(s, out);
        }
        Value::TypedObject { class, properties } => {
            out.push(marker::TYPED_OBJECT);
            put_short_string(class, out);
            put_properties(properties, out);
        }
    }
}

/// The encoding of a sequence of values (an RTMP command: name, transaction id, arguments).
pub fn encode_all(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        encode(v, &mut out);
    }
    out
}

/// Decodes every value in `bytes`.
pub fn decode_all(bytes: &[u8]) -> Result<Vec<Value>, DecodeError> {
    let mut r = Reader { bytes, pos: 0 };
    let mut values = Vec::new();
    while r.pos < bytes.len() {
        values.push(r.value(0)?);
    }
    Ok(values)
}

/// Lengths beyond `u32` cannot be encoded; they are clamped (a value that size is never built).
fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// A UTF-8 string with a 16-bit length; longer input is cut at a character boundary.
fn put_short_string(s: &str, out: &mut Vec<u8>) {
    let mut end = s.len().min(usize::from(u16::MAX));
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let len = u16::try_from(end).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&s.as_bytes()[..end]);
}

fn put_long_string(s: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(&len_u32(s.len()).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_properties(props: &[(String, Value)], out: &mut Vec<u8>) {
    for (k, v) in props {
        put_short_string(k, out);
        encode(v, out);
    }
    // An empty name followed by the object-end marker.
    out.extend_from_slice(&[0, 0, marker::OBJECT_END]);
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(DecodeError::Truncated)?;
        let slice = self
            .bytes
            .get(self.pos..end)
            .ok_or(DecodeError::Truncated)?;
        self.pos = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn f64(&mut self) -> Result<f64, DecodeError> {
        Ok(f64::from_be_bytes(self.array()?))
    }

    /// Text is taken as UTF-8, invalid sequences replaced: server descriptions are for humans.
    fn text(&mut self, len: usize) -> Result<String, DecodeError> {
        Ok(String::from_utf8_lossy(self.take(len)?).into_owned())
    }

    fn short_string(&mut self) -> Result<String, DecodeError> {
        let len = self.u16()?;
        self.text(usize::from(len))
    }

    fn long_string(&mut self) -> Result<String, DecodeError> {
        let len = usize::try_from(self.u32()?).map_err(|_| DecodeError::Truncated)?;
        self.text(len)
    }

    /// Properties up to the empty-name object-end marker.
    fn properties(&mut self, depth: usize) -> Result<Vec<(String, Value)>, DecodeError> {
        let mut props = Vec::new();
        loop {
            let name = self.short_string()?;
            if name.is_empty() && self.bytes.get(self.pos) == Some(&marker::OBJECT_END) {
                self.pos += 1;
                return Ok(props);
            }
            let value = self.value(depth)?;
            props.push((name, value));
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(DecodeError::TooDeep);
        }
        let m = self.u8()?;
        Ok(match m {
            marker::NUMBER => Value::Number(self.f64()?),
            marker::BOOLEAN => Value::Boolean(self.u8()? != 0),
            marker::STRING => Value::String(self.short_string()?),
            marker::OBJECT => Value::Object(self.properties(depth + 1)?),
            marker::NULL => Value::Null,
            marker::UNDEFINED => Value::Undefined,
            marker::REFERENCE => Value::Reference(self.u16()?),
            marker::ECMA_ARRAY => {
                // The count is a hint only: the array ends at the object-end marker.
                let _count = self.u32()?;
                Value::EcmaArray(self.properties(depth + 1)?)
            }
            marker::STRICT_ARRAY => {
                let count = self.u32()?;
                // Every value takes at least one byte, so the input bounds the loop.
                let mut items = Vec::new();
                for _ in 0..count {
                    items.push(self.value(depth + 1)?);
                }
                Value::StrictArray(items)
            }
            marker::DATE => {
                let millis = self.f64()?;
                let time_zone = i16::from_be_bytes(self.array()?);
                Value::Date { millis, time_zone }
            }
            marker::LONG_STRING => Value::LongString(self.long_string()?),
            marker::UNSUPPORTED => Value::Unsupported,
            marker::XML_DOCUMENT => Value::XmlDocument(self.long_string()?),
            marker::TYPED_OBJECT => {
                let class = self.short_string()?;
                Value::TypedObject {
                    class,
                    properties: self.properties(depth + 1)?,
                }
            }
            // Movieclip and recordset are reserved, object-end outside an object is not a value,
            // AVM+ switches to AMF3 (which the probe never asks for).
            marker::MOVIECLIP | marker::RECORDSET | marker::OBJECT_END | marker::AVMPLUS => {
                return Err(DecodeError::UnknownMarker(m));
            }
            _ => return Err(DecodeError::UnknownMarker(m)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(v: Value, wire: &[u8]) {
        let mut out = Vec::new();
        encode(&v, &mut out);
        assert_eq!(out, wire, "encoding of {v:?}");
        assert_eq!(decode_all(wire), Ok(vec![v]));
    }

    #[test]
    fn number() {
        round_trip(Value::Number(1.0), &[0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn boolean() {
        round_trip(Value::Boolean(true), &[0x01, 0x01]);
        round_trip(Value::Boolean(false), &[0x01, 0x00]);
    }

    #[test]
    fn string() {
        round_trip(Value::from("app"), &[0x02, 0x00, 0x03, b'a', b'p', b'p']);
    }

    #[test]
    fn object() {
        round_trip(
            Value::object([("a", Value::Null)]),
            &[0x03, 0x00, 0x01, b'a', 0x05, 0x00, 0x00, 0x09],
        );
    }

    #[test]
    fn null_and_undefined() {
        round_trip(Value::Null, &[0x05]);
        round_trip(Value::Undefined, &[0x06]);
    }

    #[test]
    fn reference() {
        round_trip(Value::Reference(258), &[0x07, 0x01, 0x02]);
    }

    #[test]
    fn ecma_array() {
        round_trip(
            Value::EcmaArray(vec![("x".into(), Value::Boolean(true))]),
            &[
                0x08, 0, 0, 0, 1, 0x00, 0x01, b'x', 0x01, 0x01, 0x00, 0x00, 0x09,
            ],
        );
    }

    #[test]
    fn strict_array() {
        round_trip(
            Value::StrictArray(vec![Value::Null, Value::Undefined]),
            &[0x0a, 0, 0, 0, 2, 0x05, 0x06],
        );
    }

    #[test]
    fn date() {
        let mut wire = vec![0x0b];
        wire.extend_from_slice(&1000.0f64.to_be_bytes());
        wire.extend_from_slice(&[0xff, 0xff]);
        round_trip(
            Value::Date {
                millis: 1000.0,
                time_zone: -1,
            },
            &wire,
        );
    }

    #[test]
    fn long_string() {
        round_trip(
            Value::LongString("hi".into()),
            &[0x0c, 0, 0, 0, 2, b'h', b'i'],
        );
        // A `String` too long for 16 bits is sent as a long string.
        let long = "y".repeat(70_000);
        let mut out = Vec::new();
        encode(&Value::String(long.clone()), &mut out);
        assert_eq!(out.first(), Some(&0x0c));
        assert_eq!(decode_all(&out), Ok(vec![Value::LongString(long)]));
    }

    #[test]
    fn unsupported() {
        round_trip(Value::Unsupported, &[0x0d]);
    }

    #[test]
    fn xml_document() {
        round_trip(
            Value::XmlDocument("<a/>".into()),
            &[0x0f, 0, 0, 0, 4, b'<', b'a', b'/', b'>'],
        );
    }

    #[test]
    fn typed_object() {
        round_trip(
            Value::TypedObject {
                class: "C".into(),
                properties: vec![("n".into(), Value::Number(0.0))],
            },
            &[
                0x10, 0x00, 0x01, b'C', 0x00, 0x01, b'n', 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00,
                0x09,
            ],
        );
    }

    #[test]
    fn a_command_decodes_as_its_values() {
        let cmd = vec![
            Value::from("_result"),
            Value::Number(1.0),
            Value::Null,
            Value::object([
                ("level", Value::from("status")),
                ("code", Value::from("NetConnection.Connect.Success")),
            ]),
        ];
        let decoded = decode_all(&encode_all(&cmd)).expect("decodes");
        assert_eq!(decoded, cmd);
        assert_eq!(
            decoded[3].get("code").and_then(Value::as_str),
            Some("NetConnection.Connect.Success")
        );
    }

    #[test]
    fn hostile_input_is_an_error_never_a_panic() {
        assert_eq!(
            decode_all(&[0x02, 0xff, 0xff, b'a']),
            Err(DecodeError::Truncated)
        );
        assert_eq!(
            decode_all(&[0x0c, 0xff, 0xff, 0xff, 0xff]),
            Err(DecodeError::Truncated)
        );
        assert_eq!(
            decode_all(&[0x11, 0x00]),
            Err(DecodeError::UnknownMarker(0x11))
        );
        assert_eq!(decode_all(&[0x09]), Err(DecodeError::UnknownMarker(0x09)));
        assert_eq!(
            decode_all(&[0x0a, 0xff, 0xff, 0xff, 0xff, 0x05]),
            Err(DecodeError::Truncated)
        );
        // An object never closed.
        assert_eq!(
            decode_all(&[0x03, 0x00, 0x01, b'a', 0x05]),
            Err(DecodeError::Truncated)
        );
        let deep = [0x0a, 0, 0, 0, 1].repeat(MAX_DEPTH + 2);
        assert_eq!(decode_all(&deep), Err(DecodeError::TooDeep));
    }
}
