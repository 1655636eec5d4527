//! One generated scenario as plain data: what proptest draws and shrinks. It becomes
//! an ordinary script through [`super::render`], never run any other way.

use mock_tax_platform::faults::FaultKind;
use mock_tax_platform::plan::MaintenanceWindow;

/// A generated scenario before it is written as a script.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// Invoices issued (one issue step).
    pub count: u64,
    /// Invoices per second.
    pub rate: u32,
    /// Invoices in flight to the client at once.
    pub concurrency: usize,
    /// How long the faults stay armed after issuing should have ended, in ms.
    pub linger_ms: u64,
    /// Fault rules, armed before issuing starts.
    pub rules: Vec<RuleCase>,
    /// A maintenance window opened while the faults are armed.
    pub maintenance: Option<MaintenanceWindow>,
    /// Kill and restart the client after the faults' time.
    pub restart: bool,
    /// Asynchronous processing: the platform answers 202 and stores after this many ms.
    pub processing_delay_ms: Option<u64>,
}

/// One fault rule: a kind with its settings, and the engine's targeting.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleCase {
    /// The kind and its settings.
    pub fault: FaultKind,
    /// Chance per request; `None`: every matching request.
    pub probability: Option<f64>,
    /// Only the first N matching requests.
    pub first: Option<u64>,
    /// Only every Nth matching request.
    pub every: Option<u64>,
    /// Only invoices of this group of ten (by issue index), through `number_prefix`.
    pub decade: Option<u64>,
    /// A time window, anchored to the end of issuing: see [`Window`].
    pub window: Option<Window>,
}

impl Case {
    /// Size as people judge a reproduction: invoices, rules, windows, restarts.
    pub fn size(&self) -> String {
        format!(
            "{} invoice(s), {} fault rule(s){}{}{}",
            self.count,
            self.rules.len(),
            if self.maintenance.is_some() {
                ", a maintenance window"
            } else {
                ""
            },
            if self.restart {
                ", a client restart"
            } else {
                ""
            },
            if self.processing_delay_ms.is_some() {
                ", async processing"
            } else {
                ""
            },
        )
    }

    /// What changed from `self` to `next`, for `shrink.log`.
    pub fn change_to(&self, next: &Case) -> String {
        let mut parts = Vec::new();
        let mut field = |name: &str, a: String, b: String| {
            if a != b {
                parts.push(format!("{name} {a} -> {b}"));
            }
        };
        field("invoices", self.count.to_string(), next.count.to_string());
        field("rate", self.rate.to_string(), next.rate.to_string());
        field(
            "concurrency",
            self.concurrency.to_string(),
            next.concurrency.to_string(),
        );
        field(
            "linger",
            format!("{}ms", self.linger_ms),
            format!("{}ms", next.linger_ms),
        );
        field(
            "async processing",
            opt_ms(self.processing_delay_ms),
            opt_ms(next.processing_delay_ms),
        );
        field(
            "maintenance",
            window(self.maintenance.as_ref()),
            window(next.maintenance.as_ref()),
        );
        field(
            "restart",
            self.restart.to_string(),
            next.restart.to_string(),
        );
        if self.rules.len() != next.rules.len() {
            parts.push(format!(
                "fault rules {} -> {} ({} removed)",
                self.rules.len(),
                next.rules.len(),
                removed(&self.rules, &next.rules).join(", ")
            ));
        } else {
            for (i, (a, b)) in self.rules.iter().zip(&next.rules).enumerate() {
                if a != b {
                    parts.push(format!(
                        "rule {}: {} -> {}",
                        i + 1,
                        a.describe(),
                        b.describe()
                    ));
                }
            }
        }
        if parts.is_empty() {
            "no change".into()
        } else {
            parts.join("; ")
        }
    }
}

impl RuleCase {
    /// One line: the kind, its settings and targeting.
    pub fn describe(&self) -> String {
        let settings = serde_json::to_value(&self.fault)
            .ok()
            .and_then(|v| v.as_object().cloned())
            .map(|o| {
                o.into_iter()
                    .filter(|(k, _)| k != "kind")
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let mut out = vec![self.fault.name().to_string()];
        out.extend(settings);
        if let Some(p) = self.probability {
            out.push(format!("probability={p}"));
        }
        if let Some(n) = self.first {
            out.push(format!("first={n}"));
        }
        if let Some(n) = self.every {
            out.push(format!("every={n}"));
        }
        if let Some(d) = self.decade {
            out.push(format!("invoices {}-{}", d * 10, d * 10 + 9));
        }
        if let Some(w) = self.window {
            out.push(w.describe());
        }
        format!("[{}]", out.join(" "))
    }
}

/// When a rule is active. Its edges lie at least [`Window::MARGIN_MS`] after issuing
/// should have ended, never inside the issuing: an edge there races the client's
/// uploads, and whether a fault fires would depend on how loaded the machine is
/// rather than on the seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// `None`: active from the start; `Some(ms)`: opens this long after the margin.
    pub opens_ms: Option<u64>,
    /// How long it stays open, after the margin or after it opened.
    pub len_ms: u64,
}

impl Window {
    /// Distance of every edge from the end of issuing.
    pub const MARGIN_MS: u64 = 300;

    /// `(after, until)` in ms from the plan's start, for issuing that lasts `issuing_ms`.
    pub fn bounds(&self, issuing_ms: u64) -> (Option<u64>, u64) {
        let quiet = issuing_ms + Self::MARGIN_MS;
        match self.opens_ms {
            None => (None, quiet + self.len_ms),
            Some(o) => (Some(quiet + o), quiet + o + self.len_ms),
        }
    }

    /// `until 800ms after issuing`, `from 500ms after issuing for 1200ms`.
    pub fn describe(&self) -> String {
        match self.opens_ms {
            None => format!("until {}ms after issuing", Self::MARGIN_MS + self.len_ms),
            Some(o) => format!(
                "from {}ms after issuing for {}ms",
                Self::MARGIN_MS + o,
                self.len_ms
            ),
        }
    }
}

fn opt_ms(v: Option<u64>) -> String {
    v.map_or_else(|| "none".into(), |ms| format!("{ms}ms"))
}

fn window(w: Option<&MaintenanceWindow>) -> String {
    match w {
        None => "none".into(),
        Some(w) => {
            let loss = w.migration.as_ref().map_or_else(String::new, |m| {
                format!(
                    " migration lose={} strip_lines={} revert={}",
                    m.lose, m.strip_lines, m.revert
                )
            });
            format!(
                "{}ms{}{}",
                w.duration.as_millis(),
                if w.reads { " reads" } else { "" },
                loss
            )
        }
    }
}

/// The rules of `before` missing from `after`, described.
fn removed(before: &[RuleCase], after: &[RuleCase]) -> Vec<String> {
    let mut left: Vec<&RuleCase> = after.iter().collect();
    before
        .iter()
        .filter(|r| match left.iter().position(|a| a == r) {
            Some(i) => {
                left.remove(i);
                false
            }
            None => true,
        })
        .map(RuleCase::describe)
        .collect()
}

#[cfg(test)]
mod tests {
    use mock_tax_platform::faults::{DropAfterAck, Duplicate};

    use super::*;

    fn rule(fault: FaultKind) -> RuleCase {
        RuleCase {
            fault,
            probability: Some(0.5),
            first: None,
            every: Some(3),
            decade: Some(1),
            window: None,
        }
    }

    fn case() -> Case {
        Case {
            count: 9,
            rate: 50,
            concurrency: 4,
            linger_ms: 300,
            rules: vec![
                rule(FaultKind::DropAfterAck(DropAfterAck {})),
                rule(FaultKind::Duplicate(Duplicate {})),
            ],
            maintenance: None,
            restart: true,
            processing_delay_ms: None,
        }
    }

    #[test]
    fn a_window_never_starts_or_ends_while_invoices_are_issued() {
        let issuing = 410;
        let quiet = issuing + Window::MARGIN_MS;
        let armed = Window {
            opens_ms: None,
            len_ms: 500,
        };
        assert_eq!(armed.bounds(issuing), (None, quiet + 500));
        let later = Window {
            opens_ms: Some(0),
            len_ms: 200,
        };
        assert_eq!(later.bounds(issuing), (Some(quiet), quiet + 200));
        assert_eq!(later.describe(), "from 300ms after issuing for 200ms");
    }

    #[test]
    fn the_log_names_the_rule_removed_and_the_sizes_changed() {
        let before = case();
        let mut after = case();
        after.rules.remove(0);
        after.count = 5;
        after.restart = false;

        let change = before.change_to(&after);

        assert_eq!(
            change,
            "invoices 9 -> 5; restart true -> false; fault rules 2 -> 1 \
             ([drop_after_ack probability=0.5 every=3 invoices 10-19] removed)"
        );
        assert_eq!(before.change_to(&before), "no change");
        assert_eq!(after.size(), "5 invoice(s), 1 fault rule(s)");
    }
}
