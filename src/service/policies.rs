//! The policy members of `entries.create` and `entries.update` (contract: "Job policies"),
//! checked into a [`Policy`] change. They arrive as JSON values so that a malformed member gets
//! the contract's INVALID_POLICY / INVALID_TIMEZONE naming it, not a generic INVALID_PARAMS.

use crate::domain::policy::{self, invalid, CatchUp, Concurrency, Notify, Policy};
use crate::domain::{Error, ErrorKind, Result};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A change to an entry's policies: `None` keeps a member, `Some(None)` resets it to its default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyPatch {
    pub timezone: Option<Option<String>>,
    pub timeout_ms: Option<Option<u64>>,
    pub concurrency: Option<Option<Concurrency>>,
    pub catch_up: Option<Option<CatchUp>>,
    pub notify: Option<Option<Notify>>,
}

/// The members as given: absent (`None`), null (`Some(None)`) or a value.
#[derive(Debug, Clone, Copy, Default)]
pub struct PolicyInput<'a> {
    pub timezone: Option<Option<&'a Value>>,
    pub timeout_ms: Option<Option<&'a Value>>,
    pub concurrency: Option<Option<&'a Value>>,
    pub catch_up: Option<Option<&'a Value>>,
    pub notify: Option<Option<&'a Value>>,
}

/// For create, where null and absent both mean the default.
pub fn given(value: &Option<Value>) -> Option<Option<&Value>> {
    value.as_ref().map(Some)
}

/// For update, where null clears.
pub fn patched(value: &Option<Option<Value>>) -> Option<Option<&Value>> {
    value.as_ref().map(Option::as_ref)
}

fn member<T>(
    value: Option<Option<&Value>>,
    parse: impl Fn(&Value) -> Result<T>,
) -> Result<Option<Option<T>>> {
    value.map(|v| v.map(&parse).transpose()).transpose()
}

fn timezone(value: &Value) -> Result<String> {
    let Value::String(name) = value else {
        return Err(Error::new(
            ErrorKind::InvalidTimezone,
            format!("timezone must be an IANA zone name (a string), got {value}"),
        )
        .with_field("timezone"));
    };
    policy::check_timezone(name)?;
    Ok(name.clone())
}

fn timeout_ms(value: &Value) -> Result<u64> {
    let ms = value.as_u64().ok_or_else(|| {
        invalid(
            "timeout_ms",
            format!(
                "timeout_ms must be a whole number of milliseconds ({} to {}), got {value}",
                policy::MIN_TIMEOUT_MS,
                policy::MAX_TIMEOUT_MS
            ),
        )
    })?;
    policy::check_timeout_ms(ms)?;
    Ok(ms)
}

/// A member read by its serde form; the error names the innermost member at fault.
fn typed<T: DeserializeOwned>(
    field: &'static str,
    expected: &'static str,
) -> impl Fn(&Value) -> Result<T> {
    move |value| {
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let at = if path == "." || path.is_empty() {
                field.to_owned()
            } else {
                format!("{field}.{path}")
            };
            invalid(&at, format!("{at} must be {expected}: {}", e.into_inner()))
        })
    }
}

fn notify(value: &Value) -> Result<Notify> {
    // serde would also read a struct from an array; the contract's `notify` is an object.
    if !value.is_object() {
        return Err(invalid(
            "notify",
            format!("notify must be an object {{on_failure, on_success, mail, webhook, ping_url}}, got {value}"),
        ));
    }
    let notify: Notify = typed(
        "notify",
        "an object {on_failure, on_success, mail, webhook, ping_url}",
    )(value)?;
    notify.validate()?;
    Ok(notify)
}

impl PolicyPatch {
    /// Checks every given member; nothing is changed yet.
    pub fn parse(input: PolicyInput<'_>) -> Result<PolicyPatch> {
        Ok(PolicyPatch {
            timezone: member(input.timezone, timezone)?,
            timeout_ms: member(input.timeout_ms, timeout_ms)?,
            concurrency: member(
                input.concurrency,
                typed("concurrency", "\"allow\" or \"forbid\""),
            )?,
            catch_up: member(input.catch_up, typed("catch_up", "\"none\" or \"latest\""))?,
            notify: member(input.notify, notify)?,
        })
    }

    pub fn is_empty(&self) -> bool {
        *self == PolicyPatch::default()
    }

    pub fn apply(&self, policy: &mut Policy) {
        if let Some(v) = &self.timezone {
            policy.timezone = v.clone();
        }
        if let Some(v) = self.timeout_ms {
            policy.timeout_ms = v;
        }
        if let Some(v) = self.concurrency {
            policy.concurrency = v.unwrap_or_default();
        }
        if let Some(v) = self.catch_up {
            policy.catch_up = v.unwrap_or_default();
        }
        if let Some(v) = &self.notify {
            policy.notify = v.clone();
        }
    }
}

/// A policy needs the run recorder in the job line to be enforced; without one (cronrpc could
/// not find its own binary) only the defaults can be kept.
pub fn check_enforceable(policy: &Policy, recorder: bool) -> Result<()> {
    if recorder || policy.is_default() {
        return Ok(());
    }
    let field = if policy.timezone.is_some() {
        "timezone"
    } else if policy.timeout_ms.is_some() {
        "timeout_ms"
    } else if policy.concurrency != Concurrency::Allow {
        "concurrency"
    } else if policy.catch_up != CatchUp::None {
        "catch_up"
    } else {
        "notify"
    };
    Err(invalid(
        field,
        "job policies are enforced by the run recorder, and this server writes job lines \
         without it (it could not find its own binary)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(field: &str, value: Value) -> Result<PolicyPatch> {
        let v = Some(Some(&value));
        let mut input = PolicyInput::default();
        match field {
            "timezone" => input.timezone = v,
            "timeout_ms" => input.timeout_ms = v,
            "concurrency" => input.concurrency = v,
            "catch_up" => input.catch_up = v,
            _ => input.notify = v,
        }
        PolicyPatch::parse(input)
    }

    #[test]
    fn malformed_members_name_themselves() {
        for (field, value, code, at) in [
            (
                "timezone",
                json!("Mars/Base"),
                "INVALID_TIMEZONE",
                "timezone",
            ),
            ("timezone", json!(5), "INVALID_TIMEZONE", "timezone"),
            ("timeout_ms", json!(999), "INVALID_POLICY", "timeout_ms"),
            (
                "timeout_ms",
                json!(86_400_001),
                "INVALID_POLICY",
                "timeout_ms",
            ),
            ("timeout_ms", json!(-5), "INVALID_POLICY", "timeout_ms"),
            ("timeout_ms", json!(1500.5), "INVALID_POLICY", "timeout_ms"),
            ("timeout_ms", json!("5000"), "INVALID_POLICY", "timeout_ms"),
            (
                "concurrency",
                json!("sometimes"),
                "INVALID_POLICY",
                "concurrency",
            ),
            ("catch_up", json!(true), "INVALID_POLICY", "catch_up"),
            ("notify", json!("yes"), "INVALID_POLICY", "notify"),
            (
                "notify",
                json!({"mail": "no"}),
                "INVALID_POLICY",
                "notify.mail",
            ),
            (
                "notify",
                json!({"pager": true}),
                "INVALID_POLICY",
                "notify.pager",
            ),
        ] {
            let err = parse(field, value.clone()).unwrap_err();
            assert_eq!(err.kind.code(), code, "{field} {value}");
            assert_eq!(err.field.as_deref(), Some(at), "{field} {value}: {err}");
        }
    }

    #[test]
    fn null_resets_and_absent_keeps() {
        let mut policy = Policy {
            timezone: Some("Europe/Berlin".into()),
            timeout_ms: Some(5000),
            concurrency: Concurrency::Forbid,
            catch_up: CatchUp::Latest,
            notify: Some(Notify::default()),
        };
        let kept = policy.clone();
        PolicyPatch::parse(PolicyInput::default())
            .unwrap()
            .apply(&mut policy);
        assert_eq!(policy, kept);
        let input = PolicyInput {
            timezone: Some(None),
            timeout_ms: Some(None),
            concurrency: Some(None),
            catch_up: Some(None),
            notify: Some(None),
        };
        PolicyPatch::parse(input).unwrap().apply(&mut policy);
        assert!(policy.is_default());
        assert!(check_enforceable(&kept, false).is_err());
        assert!(check_enforceable(&policy, false).is_ok());
    }
}
