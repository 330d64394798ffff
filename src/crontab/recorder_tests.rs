use super::*;

fn recorder(exe: &str, dir: Option<&str>) -> Recorder {
    Recorder {
        exe: exe.into(),
        history_dir: dir.map(Into::into),
    }
}

fn since() -> Timestamp {
    Timestamp::parse("2026-12-01T10:00:00Z").unwrap()
}

fn policies() -> Vec<Policy> {
    vec![
        Policy::default(),
        Policy {
            timezone: Some("America/New_York".into()),
            timeout_ms: Some(90_000),
            concurrency: Concurrency::Forbid,
            catch_up: CatchUp::Latest,
            notify: Some(Notify {
                on_failure: true,
                on_success: true,
                mail: false,
                webhook: Some("https://hooks.example/a?b=1&c='d' e%20".into()),
                ping_url: Some("http://127.0.0.1:9/ping/--".into()),
            }),
        },
        Policy {
            notify: Some(Notify {
                on_failure: false,
                on_success: false,
                mail: false,
                webhook: None,
                ping_url: None,
            }),
            ..Policy::default()
        },
        Policy {
            notify: Some(Notify::default()),
            catch_up: CatchUp::Latest,
            ..Policy::default()
        },
        Policy {
            timezone: Some("Asia/Kathmandu".into()),
            ..Policy::default()
        },
    ]
}

#[test]
fn round_trips_any_command_and_policy() {
    let id = Uuid::new_v4();
    for w in [
        recorder("/usr/bin/cronrpc", None),
        recorder("/opt/my tools/cronrpc", Some("/var/tmp/h it's")),
    ] {
        for policy in policies() {
            for cmd in [
                "echo hi",
                "echo 'a' \"b\" it's",
                r"printf '%s\n' a\b \\ \'",
                "''",
                "a  b\tc",
                "-- --tz x",
                "",
            ] {
                let text = write_call(&w, id, &policy, "*/5 9-17 * * 1-5", since(), cmd);
                let back = parse_call(&text).unwrap_or_else(|| panic!("{text}"));
                assert_eq!(back.command, cmd);
                assert_eq!(back.recorder, w);
                assert_eq!(back.entry, id);
                assert_eq!(back.policy, policy, "{text}");
                let schedule = gated(&policy).then(|| "*/5 9-17 * * 1-5".to_owned());
                assert_eq!(back.schedule, schedule);
                let catch_up = policy.catch_up == CatchUp::Latest;
                assert_eq!(back.catch_up_since, catch_up.then(since));
            }
        }
    }
}

#[test]
fn stays_readable() {
    let id = Uuid::nil();
    let w = recorder("/usr/bin/cronrpc", None);
    assert_eq!(
        write_call(
            &w,
            id,
            &Policy::default(),
            "* * * * *",
            since(),
            "echo it's"
        ),
        format!(r"/usr/bin/cronrpc exec --entry {id} -- 'echo it'\''s'")
    );
    let policy = Policy {
        timezone: Some("Europe/Berlin".into()),
        timeout_ms: Some(5000),
        concurrency: Concurrency::Forbid,
        catch_up: CatchUp::Latest,
        notify: Some(Notify {
            webhook: Some("https://h.example/x".into()),
            ..Notify::default()
        }),
    };
    assert_eq!(
        write_call(&w, id, &policy, "0 9 * * *", since(), "true"),
        format!(
            "/usr/bin/cronrpc exec --entry {id} --tz Europe/Berlin --at '0 9 * * *' \
             --timeout 5000 --forbid-overlap --catch-up 2026-12-01T10:00:00Z --notify failure,mail \
             --webhook https://h.example/x -- 'true'"
        )
    );
}

#[test]
fn plain_commands_are_not_recorder_calls() {
    let id = "00000000-0000-0000-0000-000000000000";
    for text in [
        "echo hi".to_owned(),
        "/bin/x exec --entry nope -- 'a'".to_owned(),
        format!("cronrpc exec --entry {id} -- 'a'"),
        format!("/bin/x exec --entry {id} -- 'a' b"),
        format!("/bin/x exec --entry {id} -- 'a; rm x"),
        format!("/bin/x exec --entry {id} -- $(a)"),
        // Unknown, repeated, incomplete or stray flags: not ours.
        format!("/bin/x exec --entry {id} --verbose -- 'a'"),
        format!("/bin/x exec --entry {id} --forbid-overlap --forbid-overlap -- 'a'"),
        format!("/bin/x exec --entry {id} --catch-up --at '* * * * *' -- 'a'"),
        format!("/bin/x exec --entry {id} --catch-up 2026-12-01T10:00:00Z -- 'a'"),
        format!("/bin/x exec --entry {id} --tz UTC -- 'a'"),
        format!("/bin/x exec --entry {id} --at '* * * * *' -- 'a'"),
        format!("/bin/x exec --entry {id} --timeout soon -- 'a'"),
        format!("/bin/x exec --entry {id} --timeout -- 'a'"),
        format!("/bin/x exec --entry {id} --notify always -- 'a'"),
        format!("/bin/x exec --entry {id} --notify mail,mail -- 'a'"),
        format!("/bin/x exec --entry {id} --webhook http://x -- 'a'"),
        format!("/bin/x exec --entry {id} extra -- 'a'"),
        format!("/bin/x exec --entry {id} --history-dir /h --history-dir /i -- 'a'"),
    ] {
        assert_eq!(parse_call(&text), None, "{text}");
    }
}
