//! STUB: classification of one crontab line the way cron reads it.

/// What one line of a user crontab is to cron.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind<'a> {
    /// Empty or only blanks.
    Blank,
    /// First non-blank character is `#`.
    Comment,
    /// `NAME=value` as cron's load_env reads it (quotes removed from name and value).
    Env { name: String, value: String },
    /// A job: schedule text (five fields or a macro, exactly as written, trimmed) and the
    /// command text as written (still cron-escaped; may end in `\r`).
    Job(JobLine<'a>),
    /// Something cron would reject.
    Invalid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobLine<'a> {
    pub schedule: &'a str,
    pub command: &'a str,
}

/// Classifies one line (without its `\n`).
pub fn classify(line: &str) -> LineKind<'_> {
    let _ = line;
    todo!()
}
