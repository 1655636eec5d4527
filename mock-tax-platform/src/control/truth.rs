//! `GET /_chaos/truth`: every record as stored, streamed a page at a time so the
//! platform's memory does not grow with the store.
//!
//! Two forms. The default is one JSON document, `{"seed": …, "records": […]}`, as
//! it always was. `format=jsonl` sends one record per line and then a
//! [`TruthEnd`] line, which is how a reader knows it got everything; it can be
//! paged with `limit` and `cursor`. Both take `seller`, `number_from` and
//! `number_to` (inclusive, byte order), and both are bounded by the write sequence
//! when the read began: records written meanwhile are not in it.

use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;
use tax_api::{ApiError, TruthEnd};

use crate::state::AppState;
use crate::store::TruthFilter;
use crate::wire::respond::{self, Response, Streamed};

/// Records serialised per chunk of the body.
const PAGE: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// One JSON document (the original form).
    Json,
    /// JSON lines ending with a [`TruthEnd`] line.
    Lines,
}

/// What the query string asks for.
#[derive(Debug, PartialEq, Eq)]
struct TruthQuery {
    format: Format,
    filter: TruthFilter,
    /// Start after this write sequence, within this high-water mark.
    cursor: Option<(u64, u64)>,
    /// Most records to send.
    limit: Option<u64>,
}

fn bad(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::validation(field, message)
}

fn parse_query(query: Option<&str>) -> Result<TruthQuery, ApiError> {
    let mut parsed = TruthQuery {
        format: Format::Json,
        filter: TruthFilter::default(),
        cursor: None,
        limit: None,
    };
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, raw) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .map_err(|_| bad(key, format!("{key} is not UTF-8 once decoded")))?
            .into_owned();
        if value.is_empty() {
            return Err(bad(key, format!("{key} must not be empty")));
        }
        match key {
            "format" => {
                parsed.format = match value.as_str() {
                    "json" => Format::Json,
                    "jsonl" => Format::Lines,
                    other => {
                        return Err(bad(
                            "format",
                            format!("format must be json or jsonl, found {other:?}"),
                        ))
                    }
                }
            }
            "seller" => parsed.filter.seller = Some(value),
            "number_from" => parsed.filter.number_from = Some(value),
            "number_to" => parsed.filter.number_to = Some(value),
            "cursor" => {
                let cursor = value
                    .split_once('.')
                    .and_then(|(a, h)| Some((a.parse().ok()?, h.parse().ok()?)))
                    .filter(|(after, mark)| after <= mark)
                    .ok_or_else(|| {
                        bad(
                            "cursor",
                            format!("cursor {value:?} is not a next_cursor the truth returned"),
                        )
                    })?;
                parsed.cursor = Some(cursor);
            }
            "limit" => {
                let limit = value.parse().ok().filter(|&n: &u64| n > 0).ok_or_else(|| {
                    bad(
                        "limit",
                        format!("limit must be a whole number above 0, found {value:?}"),
                    )
                })?;
                parsed.limit = Some(limit);
            }
            other => {
                return Err(bad(
                    other,
                    format!(
                        "unknown parameter {other:?}; the truth takes format, seller, \
                         number_from, number_to, cursor and limit"
                    ),
                ))
            }
        }
    }
    if parsed.format == Format::Json && (parsed.cursor.is_some() || parsed.limit.is_some()) {
        return Err(bad(
            "format",
            "cursor and limit page the JSON lines form: add format=jsonl",
        ));
    }
    Ok(parsed)
}

/// Serves `GET /_chaos/truth`.
pub fn truth(state: &Arc<AppState>, query: Option<&str>) -> Result<Response, ApiError> {
    let query = parse_query(query)?;
    let (after, high_water_mark) = query.cursor.unwrap_or((0, state.store.high_water_mark()));
    let content_type = match query.format {
        Format::Json => "application/json",
        Format::Lines => "application/x-ndjson",
    };
    let mut stream = TruthStream {
        state: Arc::clone(state),
        format: query.format,
        filter: query.filter,
        after,
        high_water_mark,
        left: query.limit,
        sent: 0,
        stage: Stage::Start,
    };
    Ok(respond::streamed(
        content_type,
        Streamed::new(move || stream.next_chunk()),
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Start,
    Records,
    /// Pages are done; `more` when `limit` stopped them with records left.
    End {
        more: bool,
    },
    Done,
}

/// Where one truth response stands.
struct TruthStream {
    state: Arc<AppState>,
    format: Format,
    filter: TruthFilter,
    /// The last write sequence read.
    after: u64,
    high_water_mark: u64,
    /// Records still allowed by `limit`.
    left: Option<u64>,
    /// Records sent so far.
    sent: u64,
    stage: Stage,
}

impl TruthStream {
    fn next_chunk(&mut self) -> Option<Result<Bytes, std::io::Error>> {
        let mut out = Vec::new();
        loop {
            match self.stage {
                Stage::Start => {
                    if self.format == Format::Json {
                        out.extend_from_slice(b"{\"seed\":");
                        out.extend_from_slice(self.state.config.seed.to_string().as_bytes());
                        out.extend_from_slice(b",\"records\":[");
                    }
                    self.stage = Stage::Records;
                }
                Stage::Records => {
                    if let Err(err) = self.page(&mut out) {
                        self.stage = Stage::Done;
                        return Some(Err(err));
                    }
                }
                Stage::End { more } => {
                    if let Err(err) = self.end(more, &mut out) {
                        self.stage = Stage::Done;
                        return Some(Err(err));
                    }
                    self.stage = Stage::Done;
                }
                Stage::Done => return (!out.is_empty()).then(|| Ok(Bytes::from(out))),
            }
            // A page with nothing matching writes nothing: read on rather than
            // send an empty chunk, which would end the body.
            if !out.is_empty() {
                return Some(Ok(Bytes::from(out)));
            }
        }
    }

    /// Writes the next page's records; moves to the end when there are no more.
    fn page(&mut self, out: &mut Vec<u8>) -> Result<(), std::io::Error> {
        let limit = self
            .left
            .map_or(PAGE, |left| PAGE.min(usize::try_from(left).unwrap_or(PAGE)));
        let mut page =
            self.state
                .store
                .truth_page(self.after, self.high_water_mark, &self.filter, limit);
        self.state.ksef.annotate(&mut page.records);
        for record in &page.records {
            match self.format {
                Format::Json if self.sent > 0 => out.push(b','),
                Format::Json | Format::Lines => {}
            }
            serde_json::to_writer(&mut *out, record)?;
            if self.format == Format::Lines {
                out.push(b'\n');
            }
            self.sent += 1;
        }
        self.after = page.reached;
        if let Some(left) = &mut self.left {
            *left = left.saturating_sub(page.records.len() as u64);
            if *left == 0 {
                self.stage = Stage::End { more: page.more };
                return Ok(());
            }
        }
        if !page.more {
            self.stage = Stage::End { more: false };
        }
        Ok(())
    }

    fn end(&self, more: bool, out: &mut Vec<u8>) -> Result<(), std::io::Error> {
        match self.format {
            Format::Json => out.extend_from_slice(b"]}\n"),
            Format::Lines => {
                let end = TruthEnd {
                    end: true,
                    seed: self.state.config.seed,
                    records: self.sent,
                    high_water_mark: self.high_water_mark,
                    next_cursor: more.then(|| format!("{}.{}", self.after, self.high_water_mark)),
                };
                line(out, &end)?;
            }
        }
        Ok(())
    }
}

fn line(out: &mut Vec<u8>, value: &impl Serialize) -> Result<(), std::io::Error> {
    serde_json::to_writer(&mut *out, value)?;
    out.push(b'\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_string_names_the_form_filter_and_page() {
        let query = parse_query(Some(
            "format=jsonl&seller=S%201&number_from=A&number_to=B&cursor=4.9&limit=2",
        ))
        .unwrap();
        assert_eq!(
            query,
            TruthQuery {
                format: Format::Lines,
                filter: TruthFilter {
                    seller: Some("S 1".into()),
                    number_from: Some("A".into()),
                    number_to: Some("B".into()),
                },
                cursor: Some((4, 9)),
                limit: Some(2),
            }
        );
        assert_eq!(parse_query(None).unwrap().format, Format::Json);
    }

    #[test]
    fn bad_parameters_name_the_parameter() {
        for (query, field) in [
            ("format=xml", "format"),
            ("cursor=", "cursor"),
            ("format=jsonl&cursor=9.4", "cursor"),
            ("format=jsonl&limit=0", "limit"),
            ("limit=5", "format"),
            ("sellr=S", "sellr"),
        ] {
            let err = parse_query(Some(query)).unwrap_err();
            assert_eq!(err.details["field"], field, "{query}: {}", err.message);
        }
    }
}
