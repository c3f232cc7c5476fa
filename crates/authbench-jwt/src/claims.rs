//! The payload: one pass over the claims object that keeps the registered claims (typed) and the
//! profile's own claims (as JSON values, interpreted by [`crate::profile`]), and skips the rest.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

/// Which non-registered claims to keep, by name.
#[derive(Debug, Clone)]
pub(crate) struct ClaimSpec {
    /// Claim names to keep, with the slot each goes to.
    pub wanted: Vec<(String, Slot)>,
}

/// Where a kept custom claim goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Roles,
    Rooms,
    Transports,
    Tenant,
    Permissions,
}

/// Registered claims every profile understands.
pub(crate) const REGISTERED: [&str; 7] = ["exp", "nbf", "iat", "iss", "sub", "aud", "jti"];

/// The claims of a token, as far as the validator cares.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Claims {
    pub exp: Option<u64>,
    pub nbf: Option<u64>,
    pub iat: Option<u64>,
    pub iss: Option<String>,
    pub sub: Option<String>,
    /// `aud`, normalised to a list (a single string becomes one entry).
    pub aud: Option<Vec<String>>,
    pub jti: Option<String>,
    pub roles: Option<serde_json::Value>,
    pub rooms: Option<serde_json::Value>,
    pub transports: Option<serde_json::Value>,
    pub tenant: Option<serde_json::Value>,
    pub permissions: Option<serde_json::Value>,
}

/// Parses the decoded payload. The error is a value-free description for a deny detail.
pub(crate) fn parse_claims(json: &[u8], spec: &ClaimSpec) -> Result<Claims, String> {
    let mut de = serde_json::Deserializer::from_slice(json);
    let claims = spec.deserialize(&mut de).map_err(|e| describe(&e))?;
    de.end().map_err(|e| describe(&e))?;
    Ok(claims)
}

fn describe(e: &serde_json::Error) -> String {
    match e.classify() {
        // Our own messages (custom errors) name the claim and carry no values.
        serde_json::error::Category::Data => format!("token claims: {e}"),
        other => format!(
            "token claims are not valid JSON ({} at column {})",
            match other {
                serde_json::error::Category::Eof => "truncated",
                _ => "syntax error",
            },
            e.column()
        ),
    }
}

impl<'de> DeserializeSeed<'de> for &ClaimSpec {
    type Value = Claims;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Claims, D::Error> {
        d.deserialize_any(ClaimsVisitor(self))
    }
}

struct ClaimsVisitor<'s>(&'s ClaimSpec);

fn once<T, E: de::Error>(slot: &mut Option<T>, value: T, name: &str) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::custom(format_args!("claim `{name}` appears twice")));
    }
    *slot = Some(value);
    Ok(())
}

impl<'de> Visitor<'de> for ClaimsVisitor<'_> {
    type Value = Claims;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Claims, A::Error> {
        let mut c = Claims::default();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            match &*key {
                "exp" => once(
                    &mut c.exp,
                    map.next_value_seed(Numeric(Round::Down, "exp"))?,
                    "exp",
                )?,
                "nbf" => once(
                    &mut c.nbf,
                    map.next_value_seed(Numeric(Round::Up, "nbf"))?,
                    "nbf",
                )?,
                "iat" => once(
                    &mut c.iat,
                    map.next_value_seed(Numeric(Round::Up, "iat"))?,
                    "iat",
                )?,
                "iss" => once(&mut c.iss, map.next_value_seed(Str("iss"))?, "iss")?,
                "sub" => once(&mut c.sub, map.next_value_seed(Str("sub"))?, "sub")?,
                "jti" => once(&mut c.jti, map.next_value_seed(Str("jti"))?, "jti")?,
                "aud" => once(&mut c.aud, map.next_value_seed(Audience)?, "aud")?,
                other => match self.0.wanted.iter().find(|(n, _)| n == other) {
                    Some((name, slot)) => {
                        let v: serde_json::Value = map.next_value()?;
                        let target = match slot {
                            Slot::Roles => &mut c.roles,
                            Slot::Rooms => &mut c.rooms,
                            Slot::Transports => &mut c.transports,
                            Slot::Tenant => &mut c.tenant,
                            Slot::Permissions => &mut c.permissions,
                        };
                        once(target, v, name)?;
                    }
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                },
            }
        }
        Ok(c)
    }
}

/// A map key that borrows when it can.
struct Key<'a>(Cow<'a, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a claim name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

#[derive(Clone, Copy)]
enum Round {
    Down,
    Up,
}

/// A NumericDate (RFC 7519 §2): a non-negative number of seconds; fractions are rounded toward
/// the stricter side (down for `exp`, up for `nbf` / `iat`). Values beyond u64 are malformed.
struct Numeric(Round, &'static str);

impl<'de> DeserializeSeed<'de> for Numeric {
    type Value = u64;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        d.deserialize_any(self)
    }
}

impl Numeric {
    fn bad<E: de::Error>(&self) -> E {
        E::custom(format_args!(
            "claim `{}` is not a NumericDate (a non-negative number of seconds)",
            self.1
        ))
    }
}

impl<'de> Visitor<'de> for Numeric {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a NumericDate")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| self.bad())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
        // 2^64 is exactly representable; anything at or above it does not fit.
        const LIMIT: f64 = 18_446_744_073_709_551_616.0;
        if !v.is_finite() || !(0.0..LIMIT).contains(&v) {
            return Err(self.bad());
        }
        let r = match self.0 {
            Round::Down => v.floor(),
            Round::Up => v.ceil(),
        };
        if r >= LIMIT {
            return Err(self.bad());
        }
        // In range and integral: the conversion is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(r as u64)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<u64, E> {
        Err(self.bad())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<u64, E> {
        Err(self.bad())
    }
    fn visit_unit<E: de::Error>(self) -> Result<u64, E> {
        Err(self.bad())
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<u64, A::Error> {
        Err(self.bad())
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<u64, A::Error> {
        Err(self.bad())
    }
}

/// A string claim; other types are malformed (without echoing the value).
struct Str(&'static str);

impl<'de> DeserializeSeed<'de> for Str {
    type Value = String;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        match v {
            serde_json::Value::String(s) => Ok(s),
            _ => Err(de::Error::custom(format_args!(
                "claim `{}` is not a string",
                self.0
            ))),
        }
    }
}

use serde::Deserialize as _;

/// `aud`: a string or an array of strings.
struct Audience;

impl<'de> DeserializeSeed<'de> for Audience {
    type Value = Vec<String>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<String>, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let bad = || de::Error::custom("claim `aud` is not a string or an array of strings");
        match v {
            serde_json::Value::String(s) => Ok(vec![s]),
            serde_json::Value::Array(items) => items
                .into_iter()
                .map(|i| match i {
                    serde_json::Value::String(s) => Ok(s),
                    _ => Err(bad()),
                })
                .collect(),
            _ => Err(bad()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ClaimSpec {
        ClaimSpec {
            wanted: vec![
                ("roles".into(), Slot::Roles),
                ("red5-room".into(), Slot::Rooms),
            ],
        }
    }

    #[test]
    fn keeps_registered_and_wanted_claims() {
        let c = parse_claims(
            br#"{"exp":1700000300,"nbf":1699999999.2,"iat":1.5,"iss":"i","sub":"alice","aud":"a",
                 "jti":"j","roles":"red5-publisher","red5-room":"r1","other":{"deep":[1,2,3]}}"#,
            &spec(),
        )
        .expect("parses");
        assert_eq!(c.exp, Some(1_700_000_300));
        assert_eq!(c.nbf, Some(1_700_000_000), "fractions round up for nbf");
        assert_eq!(c.iat, Some(2));
        assert_eq!(c.aud, Some(vec!["a".to_owned()]));
        assert_eq!(c.roles, Some(serde_json::json!("red5-publisher")));
        assert_eq!(c.rooms, Some(serde_json::json!("r1")));
    }

    #[test]
    fn rejects_hostile_payloads() {
        for bad in [
            &b"[1,2,3]"[..],
            b"\"str\"",
            b"{\"exp\":\"soon\"}",
            b"{\"exp\":-1}",
            b"{\"exp\":1e300}",
            b"{\"exp\":99999999999999999999999999}",
            b"{\"exp\":1,\"exp\":2}",
            b"{\"iss\":5}",
            b"{\"aud\":[1]}",
            b"{\"roles\":\"a\",\"roles\":\"b\"}",
            b"{} trailing",
            b"{\"exp\":1",
        ] {
            let e = parse_claims(bad, &spec()).expect_err(&String::from_utf8_lossy(bad));
            assert!(!e.contains("soon"), "no values in errors: {e}");
        }
    }

    #[test]
    fn largest_u64_exp_is_kept() {
        let c = parse_claims(b"{\"exp\":18446744073709551615}", &spec()).expect("fits u64");
        assert_eq!(c.exp, Some(u64::MAX));
    }
}
