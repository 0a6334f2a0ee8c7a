//! A record's fields as JSON, each written once into one buffer: how the trail writes the
//! `create` entry of up to 100,000 new projects of a ledger import without building a
//! `serde_json::Value` of every row (a `String` and a `Value` per field, then dropped), which
//! cost the import a tenth of its instructions. Only a struct (a derived `Serialize` of named
//! fields, as every entity model is) can be taken apart this way: anything else is an error,
//! and the caller falls back to `diff`.

use std::ops::Range;

use serde::Serialize;
use serde::ser::{self, Impossible};

/// The fields of a struct: each value's JSON is `json[range]`.
#[derive(Default)]
pub(super) struct Fields {
    pub(super) json: Vec<u8>,
    pub(super) fields: Vec<(&'static str, Range<usize>)>,
}

impl Fields {
    /// The fields of `record`, which must serialise as a struct.
    pub(super) fn of(record: &impl Serialize) -> Result<Self, serde_json::Error> {
        let mut fields = Self::default();
        record.serialize(&mut fields)?;
        Ok(fields)
    }
}

/// Not a struct: the caller writes it another way.
fn not_a_struct<T>() -> Result<T, serde_json::Error> {
    Err(ser::Error::custom("not a struct of named fields"))
}

macro_rules! refuse {
    ($($method:ident($($ty:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $ty),*) -> Result<(), serde_json::Error> { not_a_struct() })*
    };
}

impl ser::Serializer for &mut Fields {
    type Ok = ();
    type Error = serde_json::Error;
    type SerializeSeq = Impossible<(), serde_json::Error>;
    type SerializeTuple = Impossible<(), serde_json::Error>;
    type SerializeTupleStruct = Impossible<(), serde_json::Error>;
    type SerializeTupleVariant = Impossible<(), serde_json::Error>;
    type SerializeMap = Impossible<(), serde_json::Error>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), serde_json::Error>;

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

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<(), serde_json::Error> {
        not_a_struct()
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, _: &T) -> Result<(), serde_json::Error> {
        not_a_struct()
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), serde_json::Error> {
        not_a_struct()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, serde_json::Error> {
        not_a_struct()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, serde_json::Error> {
        not_a_struct()
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, serde_json::Error> {
        not_a_struct()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, serde_json::Error> {
        not_a_struct()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, serde_json::Error> {
        not_a_struct()
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Self, serde_json::Error> {
        self.fields.reserve(len);
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, serde_json::Error> {
        not_a_struct()
    }
}

impl ser::SerializeStruct for &mut Fields {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        let start = self.json.len();
        serde_json::to_writer(&mut self.json, value)?;
        self.fields.push((key, start..self.json.len()));
        Ok(())
    }

    fn end(self) -> Result<(), serde_json::Error> {
        Ok(())
    }
}
