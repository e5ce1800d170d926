//! The `google.rpc` messages an error travels in (`grpc-status-details-bin`), as
//! [`proto::Message`] types, so the server writes them and generated clients read them with the
//! same encoding as every other message.

use crate::proto::{self, DecodeError, Message};
use crate::wire::Bytes;

/// Writes each field, then reads them back in one loop: what generated code does for a struct.
macro_rules! message {
    ($(#[$doc:meta])* $name:ident { $($field:ident: $ty:ty = $tag:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq)]
        pub(crate) struct $name {
            $(pub(crate) $field: $ty,)*
        }

        impl Message for $name {
            fn encode_fields<B: bytes::BufMut>(&self, buf: &mut B) {
                $(proto::Field::encode_field(&self.$field, $tag, buf);)*
            }

            fn fields_len(&self) -> usize {
                0 $(+ proto::Field::field_len(&self.$field, $tag))*
            }

            fn decode_fields(mut buf: &[u8], depth: u32) -> Result<Self, DecodeError> {
                $(let mut $field = None;)*
                while !buf.is_empty() {
                    match proto::decode_key(&mut buf)? {
                        $(($tag, wire_type) => proto::merge(&mut $field, wire_type, &mut buf, depth, stringify!($field))?,)*
                        (_, wire_type) => proto::skip_field(wire_type, &mut buf)?,
                    }
                }
                Ok($name { $($field: proto::finish($field, stringify!($field))?,)* })
            }
        }
        crate::impl_proto_message!($name);
    };
}

message!(
    /// `google.rpc.Status`.
    RpcStatus { code: i32 = 1, message: String = 2, details: Vec<Any> = 3 }
);

message!(
    /// `google.protobuf.Any`.
    Any { type_url: String = 1, value: Bytes = 2 }
);

message!(
    /// `google.rpc.ErrorInfo` (its `metadata` map is not used).
    ErrorInfo { reason: String = 1, domain: String = 2 }
);

message!(
    /// `google.rpc.BadRequest`.
    BadRequest { field_violations: Vec<FieldViolation> = 1 }
);

message!(
    /// `google.rpc.BadRequest.FieldViolation`.
    FieldViolation { field: String = 1, description: String = 2, reason: String = 3 }
);

pub(crate) const BAD_REQUEST: &str = "type.googleapis.com/google.rpc.BadRequest";
pub(crate) const ERROR_INFO: &str = "type.googleapis.com/google.rpc.ErrorInfo";

/// The type URL of a declared error: `type.googleapis.com/acme.pets.v1.PetNotFound`.
pub(crate) fn type_url(qualified_name: &str) -> String {
    format!("type.googleapis.com/{qualified_name}")
}

impl Any {
    pub(crate) fn pack(type_url: String, message: &impl Message) -> Any {
        Any {
            type_url,
            value: Bytes(message.encode_to_vec()),
        }
    }
}
