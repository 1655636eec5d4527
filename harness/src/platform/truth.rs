//! Reading the streamed truth (`GET /_chaos/truth?format=jsonl`) as it arrives.
//! The checker must judge the complete truth or none: a stream counts only when it
//! ends with its end line and that line counts the records received.

use tax_api::{TruthEnd, TruthRecord, TruthSnapshot};

/// Collects the records of a truth stream from chunks cut anywhere.
#[derive(Debug, Default)]
pub struct TruthLines {
    /// The part of a line not yet terminated.
    partial: Vec<u8>,
    records: Vec<TruthRecord>,
    end: Option<TruthEnd>,
    /// Lines read so far, for messages.
    lines: usize,
}

impl TruthLines {
    /// Takes the next chunk of the body.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), String> {
        self.partial.extend_from_slice(chunk);
        let Some(last) = self.partial.iter().rposition(|&b| b == b'\n') else {
            return Ok(());
        };
        let rest = self.partial.split_off(last + 1);
        let complete = std::mem::replace(&mut self.partial, rest);
        for line in complete.split(|&b| b == b'\n') {
            if !line.iter().all(u8::is_ascii_whitespace) {
                self.line(line)?;
            }
        }
        Ok(())
    }

    fn line(&mut self, line: &[u8]) -> Result<(), String> {
        self.lines += 1;
        if self.end.is_some() {
            return Err(format!("line {}: a line after the end line", self.lines));
        }
        match serde_json::from_slice::<TruthRecord>(line) {
            Ok(record) => self.records.push(record),
            Err(record_err) => match serde_json::from_slice::<TruthEnd>(line) {
                Ok(end) if end.end => self.end = Some(end),
                _ => {
                    return Err(format!(
                        "line {}: not a truth record: {record_err}",
                        self.lines
                    ))
                }
            },
        }
        Ok(())
    }

    /// The whole truth, once the body has ended; an error when the stream was cut
    /// short or disagrees with its own count.
    pub fn finish(self) -> Result<TruthSnapshot, String> {
        let received = self.records.len();
        if !self.partial.iter().all(u8::is_ascii_whitespace) {
            return Err(format!(
                "the truth stream stopped inside line {} after {received} records: \
                 it is truncated",
                self.lines + 1
            ));
        }
        let Some(end) = self.end else {
            return Err(format!(
                "the truth stream ended after {received} records without its end line: \
                 it is truncated"
            ));
        };
        if end.records != received as u64 {
            return Err(format!(
                "the truth stream's end line counts {} records but {received} arrived",
                end.records
            ));
        }
        if let Some(cursor) = end.next_cursor {
            return Err(format!(
                "the truth stream stopped at cursor {cursor} although no limit was asked for"
            ));
        }
        Ok(TruthSnapshot {
            seed: end.seed,
            records: self.records,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(number: &str) -> String {
        format!(
            r#"{{"seller_tax_id":"S","number":"{number}","platform_ref":"PLT-1","integrity":"intact","sent_hash":"h","stored_hash":"h","sent_line_count":1,"stored_line_count":1,"copies":1,"cause":null,"persisted_at":"2025-01-01T00:00:00Z","checkpointed":false,"stored":null}}"#
        )
    }

    fn end(records: u64) -> String {
        format!(
            r#"{{"end":true,"seed":7,"records":{records},"high_water_mark":2,"next_cursor":null}}"#
        )
    }

    fn read(body: &str, chunk: usize) -> Result<TruthSnapshot, String> {
        let mut lines = TruthLines::default();
        for piece in body.as_bytes().chunks(chunk) {
            lines.feed(piece)?;
        }
        lines.finish()
    }

    #[test]
    fn a_complete_stream_gives_every_record_however_it_is_cut() {
        let body = format!("{}\n{}\n{}\n", record("A"), record("B"), end(2));
        for chunk in [1, 7, 64, body.len()] {
            let truth = read(&body, chunk).unwrap();
            assert_eq!(truth.seed, 7);
            let numbers: Vec<&str> = truth.records.iter().map(|r| r.number.as_str()).collect();
            assert_eq!(numbers, ["A", "B"], "chunks of {chunk}");
        }
    }

    #[test]
    fn a_stream_without_its_end_line_is_truncated() {
        let err = read(&format!("{}\n{}\n", record("A"), record("B")), 10).unwrap_err();
        assert!(err.contains("without its end line"), "{err}");
        let cut = format!("{}\n{}", record("A"), &record("B")[..20]);
        let err = read(&cut, 10).unwrap_err();
        assert!(err.contains("truncated"), "{err}");
    }

    #[test]
    fn an_end_line_that_miscounts_or_leaves_a_cursor_is_refused() {
        let err = read(&format!("{}\n{}\n", record("A"), end(2)), 10).unwrap_err();
        assert!(err.contains("counts 2 records but 1 arrived"), "{err}");
        let cursor = end(1).replace(r#""next_cursor":null"#, r#""next_cursor":"1.2""#);
        let err = read(&format!("{}\n{cursor}\n", record("A")), 10).unwrap_err();
        assert!(err.contains("cursor 1.2"), "{err}");
        let err = read(&format!("{}\n{}\n", end(0), record("A")), 10).unwrap_err();
        assert!(err.contains("after the end line"), "{err}");
    }
}
