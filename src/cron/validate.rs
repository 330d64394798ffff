//! STUB: whole-crontab validation, accepting exactly what Debian's `crontab` accepts.

use schemars::JsonSchema;
use serde::Serialize;

/// One reason a crontab would be refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CrontabError {
    /// 1-based line number.
    pub line: usize,
    /// The line as it stands.
    pub text: String,
    pub reason: String,
}

/// `Ok` exactly when Debian's `crontab` would install `content`.
pub fn validate_crontab(content: &str) -> Result<(), Vec<CrontabError>> {
    let _ = content;
    todo!()
}
