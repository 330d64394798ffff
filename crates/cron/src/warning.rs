//! What cron accepts but likely surprises: reported next to results, never refused.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WarningCode {
    /// Day-of-month and day-of-week are both restricted: cron fires on either, not both.
    DomDowOr,
    /// A step as large as the range it steps through: it fires once per period.
    StepTooLarge,
    /// An unescaped `%` in a job line: cron ends the command there and feeds the rest as stdin.
    UnescapedPercent,
    /// `CRON_TZ` is set, and Debian's cron ignores it.
    CronTzIgnored,
    /// A cronrpc marker with no job line below it: the job was deleted or moved by hand.
    MarkerOrphaned,
    /// A second marker with an id already used above: its job lists as raw.
    DuplicateId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Warning {
    pub code: WarningCode,
    /// What cron will do, in a sentence.
    pub message: String,
    /// The 1-based crontab line it is about, in results that show a whole crontab.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl Warning {
    pub fn new(code: WarningCode, message: impl Into<String>) -> Self {
        Warning {
            code,
            message: message.into(),
            line: None,
        }
    }

    pub fn at(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }
}
