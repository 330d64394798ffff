use super::*;

fn meta(id: u128) -> EntryMeta {
    EntryMeta::for_test(id)
}

const OTHER: &str = "# keep me\r\nSHELL=/bin/bash\n\n*/5 * * * * raw job\n";

#[test]
fn from_text_render_is_lossless() {
    for content in ["", "no newline at end", OTHER, "\n\n\n", "* * * * * a\r\n"] {
        assert_eq!(Crontab::from_text(content).render(), content);
    }
}

#[test]
fn append_replace_remove_touch_only_the_entry() {
    let mut tab = Crontab::from_text(OTHER);
    tab.append(&meta(1), job_line(true, "0 2 * * *", "echo one"));
    tab.append(&meta(2), job_line(false, "@daily", "echo two"));
    let items = tab.jobs();
    assert_eq!(items.len(), 3);
    assert!(matches!(&items[0], Job::Raw { text, .. } if text == "*/5 * * * * raw job"));
    let two = tab.find(Uuid::from_u128(2)).unwrap();
    assert!(!two.entry.enabled);
    assert_eq!(two.entry.schedule, "@daily");
    assert_eq!(two.entry.command, "echo two");

    let one = tab.find(Uuid::from_u128(1)).unwrap();
    let mut renamed = one.entry.meta.clone();
    renamed.name = Some("renamed".into());
    tab.replace(&one, &renamed, None);
    assert_eq!(
        tab.find(Uuid::from_u128(1))
            .unwrap()
            .entry
            .meta
            .name
            .as_deref(),
        Some("renamed")
    );
    assert!(
        tab.render().contains("\n0 2 * * * echo one\n"),
        "the job line is untouched"
    );

    tab.remove(&tab.find(Uuid::from_u128(1)).unwrap());
    tab.remove(&tab.find(Uuid::from_u128(2)).unwrap());
    assert_eq!(tab.render(), OTHER);
}

#[test]
fn appending_after_an_unterminated_line_terminates_it() {
    let mut tab = Crontab::from_text("# last");
    tab.append(&meta(1), job_line(true, "@hourly", "x"));
    assert!(tab.render().starts_with("# last\n# cronrpc:v1 "));
}

#[test]
fn orphan_and_duplicate_markers_are_plain_comments() {
    let mut tab = Crontab::default();
    tab.append(&meta(1), job_line(true, "@hourly", "first"));
    let mut content = tab.render();
    let marker = content.lines().next().unwrap().to_owned();
    content = format!("{marker}\n\n{content}{marker}\n@daily copy\n");
    let tab = Crontab::from_text(&content);
    let items = tab.jobs();
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(matches!(&items[0], Job::Managed(l) if l.entry.command == "first"));
    assert!(matches!(&items[1], Job::Raw { text, .. } if text == "@daily copy"));
}

#[test]
fn expired_entries_are_removed_bottom_up() {
    let mut tab = Crontab::from_text(OTHER);
    let now = Timestamp::parse("2025-01-01T00:00:00Z").unwrap();
    for (id, expires) in [
        (1, "2024-12-31T00:00:00Z"),
        (2, "2026-01-01T00:00:00Z"),
        (3, "2024-06-01T00:00:00Z"),
    ] {
        let mut m = meta(id);
        m.expires_at = Timestamp::parse(expires);
        tab.append(&m, job_line(true, "* * * * *", "x"));
    }
    let removed: Vec<u128> = tab
        .remove_expired(now)
        .iter()
        .map(|m| m.id.as_u128())
        .collect();
    assert_eq!(removed, vec![1, 3]);
    let left: Vec<u128> = tab.entries().map(|l| l.entry.meta.id.as_u128()).collect();
    assert_eq!(left, vec![2]);
    assert!(tab.render().starts_with(OTHER));
}

#[test]
fn slots_find_the_jobs_and_their_recorders() {
    let recorder = Recorder {
        exe: "/usr/bin/cronrpc".into(),
        history_dir: None,
    };
    let mut tab = Crontab::from_text(OTHER);
    tab.append(&meta(1), job_line(true, "0 2 * * *", "echo one"));
    tab.append(&meta(2), job_line(false, "@daily", "echo two"));
    let wrapped = crate::crontab::recorder::write_call(
        &recorder,
        Uuid::from_u128(3),
        &Default::default(),
        "@hourly",
        meta(3).created_at,
        "echo 50%",
    );
    let wrapped = command::escape(&wrapped);
    tab.append(&meta(3), job_line(true, "@hourly", &wrapped));
    // A copied marker, an orphan one, and a disabled line under a marker that is not its own.
    let content = tab.render();
    let first = content
        .lines()
        .find(|l| l.starts_with("# cronrpc"))
        .unwrap();
    let content =
        format!("{content}{first}\n@daily copy\n{first}\n\n{first}\n#cronrpc:off# @daily x\n");
    let tab = Crontab::from_text(&content);
    let items = tab.jobs();
    let (slots, recorders) = tab.slots();
    assert_eq!(items.len(), 5, "{items:?}");
    assert_eq!(slots.iter().map(|&s| tab.job(s)).collect::<Vec<_>>(), items);
    let expected: Vec<Recorder> = items
        .iter()
        .filter_map(|i| match i {
            Job::Managed(l) => l.recorder.clone(),
            Job::Raw { .. } => None,
        })
        .collect();
    assert_eq!(recorders, expected);
    assert_eq!(recorders, vec![recorder]);
    assert!(matches!(slots[2], Slot::Managed { enabled: false, .. }));
}

#[test]
fn edits_of_a_read_crontab_keep_the_other_lines() {
    let content = format!("{OTHER}# tail without newline");
    let mut tab = Crontab::from(content.clone());
    assert_eq!(tab, Crontab::from_text(&content));
    tab.append(&meta(1), job_line(true, "@hourly", "x"));
    assert!(tab
        .render()
        .starts_with(&format!("{content}\n# cronrpc:v1 ")));
    assert_ne!(tab, Crontab::from_text(&content));
    tab.remove(&tab.find(Uuid::from_u128(1)).unwrap());
    assert_eq!(tab.render(), format!("{content}\n"));
}
