//! serde helpers for partial updates, where an absent field and a null one mean different things.

use serde::{Deserialize, Deserializer};

/// A field that may be omitted but not null: present means `Some(value)`.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A field where null clears: absent is `None`, null is `Some(None)`.
pub fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

pub fn default_true() -> bool {
    true
}

/// For schemars only, beside `skip_serializing_if = "Option::is_none"` on a partial update's
/// fields: an absent field is left out when params are sent (the CLI's `--connect`), while the
/// published schema keeps stating the default it always stated.
pub fn published_default<T>(_: &Option<T>) -> bool {
    false
}
