//! Partial updates: the body of every `PATCH` operation, a JSON Merge Patch (RFC 7396) of the
//! record as its `PUT` (or `POST`) body sends it. A field left out stays as it is, `null`
//! clears it, and an object merges field by field.
//!
//! [`MergePatch<T>`] is applied onto the current record written as a `T`
//! ([`MergePatch::apply`]), and the result is read exactly as a `T` sent in full would be:
//! the same types, limits and validators, and then the same service call as the `PUT`, with
//! the same roles, team rules, version check and audit entry. So a patch can never take
//! something the full body would refuse, and the audit entry holds only what changed.
//!
//! The spec states the patch as a schema of its own (`ProjectPatch` beside `ProjectUpdate`):
//! `T`'s fields, none required and without defaults, nullable where `null` may clear them.
//! A caller must build `current` without a `version`: the version is the client's to send
//! (in the patch or as `If-Match`), or optimistic locking would check nothing.

use std::borrow::Cow;
use std::marker::PhantomData;

use poem::{FromRequest, Request, RequestBody};
use poem_openapi::error::{ContentTypeError, ParseRequestPayloadError};
use poem_openapi::payload::{Json, ParsePayload, Payload};
use poem_openapi::registry::{MetaMediaType, MetaRequest, MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, ToJSON, Type};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use serde_json::{Map, Value};

use super::error::{ApiError, ErrorBody, ErrorDetail};
use super::messages::{Message, Problem};

/// The media type of a patch; `application/json` (and any `…+json`) is taken too.
pub const MEDIA_TYPE: &str = "application/merge-patch+json";

/// A body type a `PATCH` merges onto: the `PUT` body of a record.
pub trait Patchable: Type + ParseFromJSON + ToJSON + Send {
    /// Optional fields for which the full body reads `null` as something other than "none"
    /// (keep the current value, or a default), so that a patch cannot clear them: `null` for
    /// one of these is refused like `null` for a required field.
    const NOT_CLEARABLE: &'static [&'static str] = &[];
}

/// A JSON Merge Patch of a `T`: see the module documentation.
pub struct MergePatch<T> {
    fields: Map<String, Value>,
    of: PhantomData<fn() -> T>,
}

impl<T: Patchable> MergePatch<T> {
    /// A patch of these fields (for tests and callers building one by hand).
    pub fn new(fields: Map<String, Value>) -> Self {
        Self {
            fields,
            of: PhantomData,
        }
    }

    /// `current` with the patch merged onto it, read and checked as a full `T`; a 400 naming
    /// the field when the patch clears a field that cannot be cleared, or when the result
    /// breaks a rule of `T`.
    pub fn apply(self, current: &T) -> Result<T, ApiError> {
        let mut registry = Registry::new();
        T::register(&mut registry);
        let schema = registry.create_fake_schema::<T>();
        let mut refused = Vec::new();
        uncleared(&registry, &schema, T::NOT_CLEARABLE, &self.fields, "/", &mut refused);
        if !refused.is_empty() {
            let problems: Vec<(String, String)> =
                refused.iter().map(|d| (d.field.clone(), d.message.clone())).collect();
            return Err(ApiError::BadRequest(Json(ErrorBody {
                code: "bad_request".into(),
                message: Message::Unreadable(&problems).text(),
                details: refused,
            })));
        }
        let mut merged = current.to_json().unwrap_or(Value::Null);
        merge(&mut merged, Value::Object(self.fields));
        T::parse_from_json(Some(merged)).map_err(|err| {
            ApiError::unreadable_body(ParseRequestPayloadError {
                reason: err.into_message(),
            })
        })
    }
}

/// RFC 7396's MergePatch(target, patch): objects merge key by key, `null` removes a key, any
/// other value replaces the target.
pub fn merge(target: &mut Value, patch: Value) {
    let Value::Object(patch) = patch else {
        *target = patch;
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(fields) = target else {
        unreachable!("made an object above")
    };
    for (key, value) in patch {
        if value.is_null() {
            fields.remove(&key);
        } else {
            merge(fields.entry(key).or_insert(Value::Null), value);
        }
    }
}

/// The fields of `patch` that are `null` where `schema` (or `not_clearable`) says they
/// cannot be cleared, looking into nested objects.
fn uncleared(
    registry: &Registry,
    schema: &MetaSchema,
    not_clearable: &[&str],
    patch: &Map<String, Value>,
    prefix: &str,
    refused: &mut Vec<ErrorDetail>,
) {
    for (key, value) in patch {
        let field = format!("{prefix}{key}");
        let required = schema.required.contains(&key.as_str()) || not_clearable.contains(&key.as_str());
        match value {
            Value::Null if required => refused.push(ErrorDetail {
                field,
                message: Problem::NotClearable.text(),
            }),
            Value::Object(nested) => {
                let property = schema.properties.iter().find(|(name, _)| *name == key.as_str());
                if let Some(nested_schema) = property.and_then(|(_, p)| object_schema(registry, p)) {
                    uncleared(registry, nested_schema, &[], nested, &format!("{field}/"), refused);
                }
            }
            _ => {}
        }
    }
}

/// The object schema a property refers to (`$ref`, or `allOf` with a `$ref` as poem-openapi
/// writes a described one), if any.
fn object_schema<'a>(registry: &'a Registry, property: &MetaSchemaRef) -> Option<&'a MetaSchema> {
    let name = referred(property)?;
    registry
        .schemas
        .get(name)
        .filter(|s| s.ty == "object" && !s.properties.is_empty())
}

fn referred(property: &MetaSchemaRef) -> Option<&str> {
    match property {
        MetaSchemaRef::Reference(name) => Some(name),
        MetaSchemaRef::Inline(schema) => schema.all_of.iter().find_map(|s| match s {
            MetaSchemaRef::Reference(name) => Some(name.as_str()),
            MetaSchemaRef::Inline(_) => None,
        }),
    }
}

/// The patch schema's name: `ProjectUpdate` → `ProjectPatch`, `TeamInput` → `TeamPatch`.
fn patch_name(name: &str) -> String {
    let base = name
        .strip_suffix("Input")
        .or_else(|| name.strip_suffix("Update"))
        .unwrap_or(name);
    format!("{base}Patch")
}

/// Registers the patch schema of the object schema `name` (and of the objects it nests), and
/// returns its name.
fn register_patch(registry: &mut Registry, name: &str, not_clearable: &[&str]) -> String {
    let patch = patch_name(name);
    if registry.schemas.contains_key(&patch) {
        return patch;
    }
    let mut schema = registry
        .schemas
        .get(name)
        .cloned()
        .unwrap_or_else(|| panic!("a patch of `{name}`, which is not a registered object schema"));
    let kept = std::mem::take(&mut schema.required);
    schema.rust_typename = None;
    schema.title = Some(patch.clone());
    schema.description = Some(
        "The fields to change, as a JSON Merge Patch (RFC 7396): a field left out stays as it \
         is, `null` clears it (refused for a field that cannot be empty), an object merges \
         field by field.",
    );
    if schema.properties.iter().any(|(name, _)| *name == "version") {
        schema.example = Some(serde_json::json!({"version": 1}));
    }
    // Placeholder first, so that an object nesting itself ends.
    registry.schemas.insert(patch.clone(), MetaSchema::new("object"));
    let mut properties = std::mem::take(&mut schema.properties);
    for (field, property) in &mut properties {
        let clearable = !kept.contains(field) && !not_clearable.contains(field);
        if let Some(nested) = referred(property).map(str::to_owned)
            && registry
                .schemas
                .get(&nested)
                .is_some_and(|s| s.ty == "object" && !s.properties.is_empty())
        {
            let nested_patch = register_patch(registry, &nested, &[]);
            retarget(property, &nested, &nested_patch);
        }
        if let MetaSchemaRef::Inline(inline) = property {
            inline.default = None;
            inline.nullable = clearable && inline.all_of.is_empty();
        }
    }
    schema.properties = properties;
    registry.schemas.insert(patch.clone(), schema);
    patch
}

/// Points a property's reference to `from` at `to`.
fn retarget(property: &mut MetaSchemaRef, from: &str, to: &str) {
    match property {
        MetaSchemaRef::Reference(name) if name == from => *name = to.to_owned(),
        MetaSchemaRef::Reference(_) => {}
        MetaSchemaRef::Inline(schema) => {
            for part in &mut schema.all_of {
                retarget(part, from, to);
            }
        }
    }
}

impl<T: Patchable> Payload for MergePatch<T> {
    const CONTENT_TYPE: &'static str = MEDIA_TYPE;

    fn check_content_type(content_type: &str) -> bool {
        <Json<T> as Payload>::check_content_type(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Reference(patch_name(&T::name()))
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
        register_patch(registry, &T::name(), T::NOT_CLEARABLE);
    }
}

impl<T: Patchable> ParsePayload for MergePatch<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let data = <Vec<u8> as FromRequest>::from_request(request, body).await?;
        let unreadable = |reason: String| ParseRequestPayloadError { reason };
        match serde_json::from_slice::<Value>(&data) {
            Ok(Value::Object(fields)) => Ok(Self::new(fields)),
            Ok(other) => Err(unreadable(format!(
                "a merge patch is a JSON object of the fields to change, not {}",
                Cow::<str>::from(match other {
                    Value::Null => "null",
                    Value::Bool(_) => "a boolean",
                    Value::Number(_) => "a number",
                    Value::String(_) => "a string",
                    Value::Array(_) => "an array",
                    Value::Object(_) => "an object",
                })
            ))
            .into()),
            Err(err) => Err(unreadable(err.to_string()).into()),
        }
    }
}

impl<'a, T: Patchable> ApiExtractor<'a> for MergePatch<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <Self as Payload>::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: MEDIA_TYPE,
                schema: <Self as Payload>::schema_ref(),
            }],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        match request.content_type() {
            Some(content_type) if Self::check_content_type(content_type) => {
                <Self as ParsePayload>::from_request(request, body).await
            }
            Some(content_type) => Err(ContentTypeError::NotSupported {
                content_type: content_type.to_string(),
            }
            .into()),
            None => Err(ContentTypeError::ExpectContentType.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn merging_follows_rfc_7396() {
        // The examples of RFC 7396, appendix A.
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "b"}), json!({"b": "c"}), json!({"a": "b", "b": "c"})),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (json!({"a": "b", "b": "c"}), json!({"a": null}), json!({"b": "c"})),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (json!({"a": [{"b": "c"}]}), json!({"a": [1]}), json!({"a": [1]})),
            (json!({"e": null}), json!({"a": 1}), json!({"e": null, "a": 1})),
            (json!([1, 2]), json!({"a": "b", "c": null}), json!({"a": "b"})),
            (json!({}), json!({"a": {"bb": {"ccc": null}}}), json!({"a": {"bb": {}}})),
        ];
        for (target, patch, expected) in cases {
            let mut merged = target.clone();
            merge(&mut merged, patch.clone());
            assert_eq!(merged, expected, "{target} + {patch}");
        }
    }

    #[test]
    fn patch_names_read_well() {
        assert_eq!(patch_name("ProjectUpdate"), "ProjectPatch");
        assert_eq!(patch_name("TeamInput"), "TeamPatch");
        assert_eq!(patch_name("LeagueWeights"), "LeagueWeightsPatch");
    }
}
