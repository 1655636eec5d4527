//! Plain-text pieces every format shares: the replay command, one line per causal
//! chain step, and short spellings of the platform's enums.

use tax_api::{Integrity, JournalEntry, StoreEffect};

use crate::check::{ClientState, PlatformState};
use crate::outcome::RunRecord;

/// Quotes a word for a POSIX shell when it needs it.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The command that replays this run: `invoice-chaos run <script> --seed N`, or for a
/// ledger check `invoice-chaos check --ledger FILE --platform-url URL [--issued FILE]`.
pub fn replay_command(run: &RunRecord) -> String {
    if run.client.adapter == "ledger" && run.script_path.is_none() {
        let mut cmd = format!(
            "{} check --ledger {}",
            shell_word(crate::program::program()),
            shell_word(run.client.target.as_deref().unwrap_or(""))
        );
        if let Some(url) = run.plan.get("platform_url").and_then(|u| u.as_str()) {
            cmd.push_str(&format!(" --platform-url {}", shell_word(url)));
        }
        if let Some(issued) = run.plan.get("issued").and_then(|u| u.as_str()) {
            cmd.push_str(&format!(" --issued {}", shell_word(issued)));
        }
        for flag in &run.replay_flags {
            cmd.push(' ');
            cmd.push_str(&shell_word(flag));
        }
        return cmd;
    }
    let script = run
        .script_path
        .clone()
        .unwrap_or_else(|| format!("{}.toml", run.scenario));
    let mut cmd = format!(
        "{} run {} --seed {}",
        shell_word(crate::program::program()),
        shell_word(&script),
        run.seed
    );
    // The mode may have come from `--client-mode`, not the script: name it so the
    // replay drives the same client behaviour.
    if let Some(mode) = &run.client.mode {
        cmd.push_str(&format!(" --client-mode {}", shell_word(mode)));
    }
    for flag in &run.replay_flags {
        cmd.push(' ');
        cmd.push_str(&shell_word(flag));
    }
    cmd
}

/// What the replay command cannot carry: a running platform that drew its faults
/// from a seed other than the run's replays different faults unless restarted with
/// the run's seed. `None` when the run's own seed drove the platform.
pub fn replay_caveat(run: &RunRecord) -> Option<String> {
    let theirs = run.truth.as_ref()?.seed;
    (theirs != run.seed).then(|| {
        format!(
            "the platform drew its faults from its own seed {theirs}, not the run's seed {seed}; \
             restart it with --seed {seed} before replaying, or the faults will differ",
            seed = run.seed
        )
    })
}

/// Warnings for the rules that never fired in a run that does not hold it against the
/// verdict (`faults_must_fire = false`, `--unfired warn`): the run passed without
/// testing them, and a person should know.
pub(crate) fn unfired_warnings(run: &RunRecord) -> Vec<String> {
    if run.expect.faults_must_fire {
        return Vec::new();
    }
    run.fault_stats
        .iter()
        .filter(|s| s.scheduled && s.fired == 0)
        .map(|s| {
            format!(
                "fault rule {} ({}) never fired ({} requests matched): this run did not test it",
                s.rule, s.kind, s.matched
            )
        })
        .collect()
}

/// The wire name of a store effect.
pub(crate) fn effect_str(effect: StoreEffect) -> &'static str {
    match effect {
        StoreEffect::None => "none",
        StoreEffect::Stored => "stored",
        StoreEffect::Idempotent => "idempotent",
        StoreEffect::StoredPartial => "stored_partial",
        StoreEffect::StoredCorrupted => "stored_corrupted",
        StoreEffect::StoredDuplicate => "stored_duplicate",
        StoreEffect::Dropped => "dropped",
        StoreEffect::Migration => "migration",
    }
}

/// The wire name of a client state.
pub(crate) fn client_str(state: ClientState) -> &'static str {
    match state {
        ClientState::Confirmed => "confirmed",
        ClientState::Flagged => "flagged",
        ClientState::Pending => "pending",
        ClientState::Absent => "absent",
        ClientState::Contradictory => "contradictory",
    }
}

/// The wire name of a platform state.
pub(crate) fn platform_str(state: PlatformState) -> &'static str {
    match state {
        PlatformState::Intact => "intact",
        PlatformState::Partial => "partial",
        PlatformState::Corrupted => "corrupted",
        PlatformState::Missing => "missing",
        PlatformState::Duplicated => "duplicated",
    }
}

/// The wire name of a truth integrity.
pub(crate) fn integrity_str(integrity: Integrity) -> &'static str {
    match integrity {
        Integrity::Intact => "intact",
        Integrity::Partial => "partial",
        Integrity::Corrupted => "corrupted",
        Integrity::LostInMigration => "lost_in_migration",
        Integrity::Duplicated => "duplicated",
    }
}

/// What the platform answered, in a few words.
pub(crate) fn response_str(e: &JournalEntry) -> String {
    match (e.status, &e.error_code) {
        (Some(s), Some(code)) => format!("{s} {code}"),
        (Some(s), None) => s.to_string(),
        // A migration is the platform's own doing: no request, so nothing was answered.
        (None, _) if e.effect == StoreEffect::Migration => "none (platform-side)".to_string(),
        (None, _) => "no answer (reset or hang)".to_string(),
    }
}

/// The fault that fired on a request, if one did.
pub(crate) fn fault_str(e: &JournalEntry) -> Option<String> {
    match (&e.fault, &e.rule) {
        (Some(f), Some(r)) => Some(format!("{f} (rule {r})")),
        (Some(f), None) => Some(f.clone()),
        (None, Some(r)) => Some(format!("rule {r}")),
        (None, None) => None,
    }
}

/// One causal-chain step on one line, e.g.
/// `#12 +1500ms POST /v1/invoices attempt 0 fault drop_after_ack (rule r1) -> 201 effect dropped`.
pub fn chain_line(e: &JournalEntry) -> String {
    let mut line = format!("#{} +{}ms {} {}", e.seq, e.elapsed_ms, e.method, e.path);
    if let Some(a) = e.attempt {
        line.push_str(&format!(" attempt {a}"));
    }
    if let Some(f) = fault_str(e) {
        line.push_str(&format!(" fault {f}"));
    }
    line.push_str(&format!(
        " -> {} effect {}",
        response_str(e),
        effect_str(e.effect)
    ));
    if let Some(note) = &e.note {
        line.push_str(&format!(" ({note})"));
    }
    line
}

/// `reference (robust)`, `command ./billing --fast`, …
pub(crate) fn client_label(run: &RunRecord) -> String {
    let mut label = run.client.adapter.clone();
    if let Some(mode) = &run.client.mode {
        label.push_str(&format!(" ({mode})"));
    }
    if let Some(target) = &run.client.target {
        label.push_str(&format!(" {target}"));
    }
    label
}

/// Run length in milliseconds, never negative.
pub(crate) fn duration_ms(run: &RunRecord) -> u64 {
    (run.finished_at - run.started_at)
        .num_milliseconds()
        .try_into()
        .unwrap_or(0)
}

/// RFC 3339 UTC with milliseconds, the one spelling of times in reports.
pub(crate) fn time_str(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// One exit of the client program for people: when, how, and whether it came back.
pub(crate) fn client_exit_str(e: &crate::outcome::ClientExit) -> String {
    format!(
        "+{} ms: the client program exited by itself ({}){}; {}",
        e.at_ms,
        e.how(),
        if e.restarted {
            "; a restart_client step started it again"
        } else {
            ""
        },
        e.ledger_note()
    )
}

/// "FAIL", or "INCONCLUSIVE (interrupted by SIGTERM)" for an interrupted run.
pub(crate) fn verdict_label(run: &RunRecord, verdict: crate::check::Verdict) -> String {
    let word = verdict.as_str().to_uppercase();
    match &run.lifecycle.interrupted {
        Some(signal) => format!("{word} (interrupted by {signal})"),
        None => word,
    }
}

/// The rule whose fire caused a violation: `drop_after_ack (rule ack-then-forget)`.
pub(crate) fn cause_str(cause: Option<&crate::check::Cause>) -> Option<String> {
    cause.map(|c| format!("{} (rule {})", c.kind, c.rule))
}

/// What the platform's record lacks or altered: `missing lines, buyer_name`,
/// `totals.total_incl_tax 113000 → 113042`, `2 copies`; `None` when nothing is.
pub(crate) fn fields_str(v: &crate::check::Violation) -> Option<String> {
    if !v.missing_fields.is_empty() {
        return Some(format!("missing {}", v.missing_fields.join(", ")));
    }
    if !v.differing_fields.is_empty() {
        let diffs: Vec<String> = v
            .differing_fields
            .iter()
            .map(|d| format!("{} {} → {}", d.field, d.expected, d.actual))
            .collect();
        return Some(diffs.join("; "));
    }
    v.copies.map(|n| format!("{n} copies"))
}

/// One maintenance window: `night-window +1500 ms to +3000 ms, reads allowed`.
pub(crate) fn window_str(w: &crate::check::WindowSpan) -> String {
    format!(
        "{}+{} ms to +{} ms, writes refused, reads {}",
        w.name
            .as_deref()
            .map_or_else(String::new, |n| format!("{n} ")),
        w.start_ms,
        w.end_ms,
        super::maintenance_table::reads_word(w)
    )
}

/// One migration and what the client made of it.
pub(crate) fn migration_str(m: &crate::check::MigrationOutcome) -> String {
    format!(
        "{} ({}, since {}): {} eligible, {} lost, {} stripped, {} reverted; the client caught {}, missed {}",
        m.name, m.kind, m.since, m.eligible, m.lost, m.stripped, m.reverted, m.caught, m.missed
    )
}

/// The distinct faults that fired on a chain's requests, in order of first fire.
pub(crate) fn faults_seen(chain: &[JournalEntry]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for f in chain.iter().filter_map(fault_str) {
        if !seen.contains(&f) {
            seen.push(f);
        }
    }
    seen
}

/// `1 invoice`, `3 invoices`.
pub(crate) fn invoices(n: usize) -> String {
    if n == 1 {
        "1 invoice".to_string()
    } else {
        format!("{n} invoices")
    }
}

/// How many violations of `class` each cause explains, most first (then by rule
/// name, so the order is stable); `no fault` counts those no fault touched.
pub(crate) fn causes_of(
    result: &crate::check::CheckResult,
    class: crate::check::Class,
) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for v in result.violations.iter().filter(|v| v.class == class) {
        let name = v
            .cause
            .as_ref()
            .map_or_else(|| "no fault".to_string(), |c| c.rule.clone());
        match counts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, k)) => *k += 1,
            None => counts.push((name, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
}

/// `ack-then-forget 12, night-window 4`: the causes of a class's violations.
pub(crate) fn causes_str(result: &crate::check::CheckResult, class: crate::check::Class) -> String {
    causes_of(result, class)
        .iter()
        .map(|(rule, n)| format!("{rule} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}
