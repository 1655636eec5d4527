//! FA(3) XML → the generic invoice. Checks what the mapping needs (the elements
//! the XSD requires for it, numbers in range); every error names the element.

use roxmltree::{Document, Node};
use tax_api::{Invoice, InvoiceKind, InvoiceLine, Totals};

use super::decimal::{minor_units, rate_bps, whole};
use super::{Fa3Facts, NAMESPACE};

/// Why a document is not an FA(3) invoice the platform can take: KSeF's status 430.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{element}: {message}")]
pub struct Fa3Error {
    /// The element's path, e.g. `Fa/FaWiersz[2]/P_8B`.
    pub element: String,
    /// What is wrong with it.
    pub message: String,
}

fn err(element: impl Into<String>, message: impl Into<String>) -> Fa3Error {
    Fa3Error {
        element: element.into(),
        message: message.into(),
    }
}

/// The element children of `node` named `name`.
fn children<'a, 'i>(node: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &'a str) -> Option<Node<'a, 'i>> {
    children(node, name).next()
}

/// The element at `path` under `node` (`path` joined for errors under `at`).
fn required<'a, 'i>(
    node: Node<'a, 'i>,
    at: &str,
    path: &[&'a str],
) -> Result<Node<'a, 'i>, Fa3Error> {
    let mut current = node;
    for (i, name) in path.iter().enumerate() {
        current = child(current, name)
            .ok_or_else(|| err(join(at, &path[..=i]), "required element is missing"))?;
    }
    Ok(current)
}

fn join(at: &str, path: &[&str]) -> String {
    let tail = path.join("/");
    if at.is_empty() {
        tail
    } else {
        format!("{at}/{tail}")
    }
}

fn text<'a>(node: Node<'a, '_>) -> &'a str {
    node.text().unwrap_or("").trim()
}

fn required_text<'a>(node: Node<'a, '_>, at: &str, path: &[&'a str]) -> Result<&'a str, Fa3Error> {
    let t = text(required(node, at, path)?);
    if t.is_empty() {
        return Err(err(join(at, path), "must not be empty"));
    }
    Ok(t)
}

fn amount(node: Node<'_, '_>, at: &str, name: &str) -> Result<Option<i64>, Fa3Error> {
    match child(node, name) {
        None => Ok(None),
        Some(n) => minor_units(text(n)).map(Some).ok_or_else(|| {
            err(
                join(at, &[name]),
                format!("{:?} is not an amount with at most 2 decimals", text(n)),
            )
        }),
    }
}

/// Reads an FA(3) document.
pub fn read(xml: &[u8]) -> Result<(Invoice, Fa3Facts), Fa3Error> {
    let xml = std::str::from_utf8(xml).map_err(|e| err("Faktura", format!("not UTF-8: {e}")))?;
    let doc =
        Document::parse(xml).map_err(|e| err("Faktura", format!("not well-formed XML: {e}")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "Faktura" || root.tag_name().namespace() != Some(NAMESPACE) {
        return Err(err(
            root.tag_name().name(),
            format!("the root must be Faktura in namespace {NAMESPACE} (FA(3))"),
        ));
    }
    let header = required(root, "", &["Naglowek"])?;
    let form = required(header, "Naglowek", &["KodFormularza"])?;
    if form.attribute("kodSystemowy") != Some("FA (3)") {
        return Err(err(
            "Naglowek/KodFormularza",
            "kodSystemowy must be \"FA (3)\"",
        ));
    }
    let issued_at = required_text(header, "Naglowek", &["DataWytworzeniaFa"])?;
    if super::super::dates::parse(issued_at).is_none() {
        return Err(err(
            "Naglowek/DataWytworzeniaFa",
            format!("{issued_at:?} is not a date-time with an offset"),
        ));
    }
    let seller = required(root, "", &["Podmiot1", "DaneIdentyfikacyjne"])?;
    let seller_nip = required_text(seller, "Podmiot1/DaneIdentyfikacyjne", &["NIP"])?;
    if !super::super::nip::matches_pattern(seller_nip) {
        return Err(err(
            "Podmiot1/DaneIdentyfikacyjne/NIP",
            format!("{seller_nip:?} is not a NIP"),
        ));
    }
    let seller_name = required_text(seller, "Podmiot1/DaneIdentyfikacyjne", &["Nazwa"])?;
    required(root, "", &["Podmiot1", "Adres"])?;
    let buyer = required(root, "", &["Podmiot2", "DaneIdentyfikacyjne"])?;
    let (buyer_tax_id, buyer_id_type) = buyer_identifier(buyer)?;
    let buyer_name = child(buyer, "Nazwa").map(text).unwrap_or("");

    let fa = required(root, "", &["Fa"])?;
    let currency = required_text(fa, "Fa", &["KodWaluty"])?;
    let issue_date = required_text(fa, "Fa", &["P_1"])?;
    if chrono::NaiveDate::parse_from_str(issue_date, "%Y-%m-%d").is_err() {
        return Err(err("Fa/P_1", format!("{issue_date:?} is not a date")));
    }
    let number = required_text(fa, "Fa", &["P_2"])?;
    if number.chars().count() > 256 {
        return Err(err("Fa/P_2", "longer than 256 characters"));
    }
    required(fa, "Fa", &["Adnotacje"])?;
    let invoice_type = required_text(fa, "Fa", &["RodzajFaktury"])?;
    // Only VAT: a correction (KOR…) needs `DaneFaKorygowanej`, an advance (ZAL,
    // ROZ) its orders, which the generic invoice cannot carry. With one type, the
    // store's key (NIP, P_2) is KSeF's duplicate key (NIP, RodzajFaktury, P_2).
    let kind = match invoice_type {
        "VAT" => InvoiceKind::Blue,
        other @ ("ZAL" | "ROZ" | "UPR" | "KOR" | "KOR_ZAL" | "KOR_ROZ") => {
            return Err(err(
                "Fa/RodzajFaktury",
                format!(
                "{other:?} is an FA(3) invoice type this platform does not accept: only \"VAT\""
            ),
            ))
        }
        other => {
            return Err(err(
                "Fa/RodzajFaktury",
                format!("{other:?} is not an FA(3) invoice type"),
            ))
        }
    };
    let mut net = 0i64;
    for bucket in [
        "P_13_1", "P_13_2", "P_13_3", "P_13_4", "P_13_5", "P_13_6_1", "P_13_6_2", "P_13_6_3",
        "P_13_7", "P_13_8", "P_13_9", "P_13_10", "P_13_11",
    ] {
        net = net.saturating_add(amount(fa, "Fa", bucket)?.unwrap_or(0));
    }
    let mut vat = 0i64;
    for bucket in ["P_14_1", "P_14_2", "P_14_3", "P_14_4", "P_14_5"] {
        vat = vat.saturating_add(amount(fa, "Fa", bucket)?.unwrap_or(0));
    }
    let gross =
        amount(fa, "Fa", "P_15")?.ok_or_else(|| err("Fa/P_15", "required element is missing"))?;
    let mut lines = Vec::new();
    for (i, row) in children(fa, "FaWiersz").enumerate() {
        lines.push(line(row, &format!("Fa/FaWiersz[{}]", i + 1))?);
    }
    let request_serial = children(fa, "DodatkowyOpis")
        .find(|d| child(*d, "Klucz").map(text) == Some("request_serial"))
        .and_then(|d| child(d, "Wartosc"))
        .map(text)
        .unwrap_or("");
    let invoice = Invoice {
        number: number.to_owned(),
        request_serial: request_serial.to_owned(),
        seller_tax_id: seller_nip.to_owned(),
        buyer_tax_id,
        buyer_name: buyer_name.to_owned(),
        kind,
        issued_at: issued_at.to_owned(),
        currency: currency.to_owned(),
        lines,
        totals: Totals {
            amount_excl_tax: net,
            tax: vat,
            total_incl_tax: gross,
        },
    };
    let facts = Fa3Facts {
        issue_date: issue_date.to_owned(),
        invoice_type: invoice_type.to_owned(),
        seller_name: seller_name.to_owned(),
        buyer_id_type,
    };
    Ok((invoice, facts))
}

/// The buyer's identifier as the generic invoice keeps it, and its metadata type.
fn buyer_identifier(ids: Node<'_, '_>) -> Result<(String, &'static str), Fa3Error> {
    let at = "Podmiot2/DaneIdentyfikacyjne";
    if let Some(nip) = child(ids, "NIP") {
        return Ok((text(nip).to_owned(), "Nip"));
    }
    if let Some(vat) = child(ids, "NrVatUE") {
        let country = child(ids, "KodUE").map(text).unwrap_or("");
        return Ok((format!("{country}{}", text(vat)), "VatUe"));
    }
    if let Some(id) = child(ids, "NrID") {
        let country = child(ids, "KodKraju").map(text).unwrap_or("");
        return Ok((format!("{country}{}", text(id)), "Other"));
    }
    if child(ids, "BrakID").is_some() {
        return Ok((String::new(), "None"));
    }
    Err(err(at, "one of NIP, NrVatUE, NrID or BrakID is required"))
}

fn line(row: Node<'_, '_>, at: &str) -> Result<InvoiceLine, Fa3Error> {
    let description = child(row, "P_7").map(text).unwrap_or("").to_owned();
    let qty_text = required_text(row, at, &["P_8B"])?;
    let quantity = whole(qty_text).ok_or_else(|| {
        err(
            join(at, &["P_8B"]),
            format!("{qty_text:?} is not a whole quantity"),
        )
    })?;
    let unit_price = match amount(row, at, "P_9A")? {
        Some(p) => p,
        None => amount(row, at, "P_9B")?
            .ok_or_else(|| err(join(at, &["P_9A"]), "required element is missing"))?,
    };
    let rate_text = required_text(row, at, &["P_12"])?;
    let tax_rate = rate_bps(rate_text).ok_or_else(|| {
        err(
            join(at, &["P_12"]),
            format!("{rate_text:?} is not a KSeF VAT rate"),
        )
    })?;
    let line_amount = match amount(row, at, "P_11")? {
        Some(a) => a,
        None => amount(row, at, "P_11A")?
            .ok_or_else(|| err(join(at, &["P_11"]), "required element is missing"))?,
    };
    let tax = match amount(row, at, "P_11Vat")? {
        Some(t) => t,
        None => tax_api::validate::expected_tax(line_amount, tax_rate)
            .ok_or_else(|| err(join(at, &["P_11"]), "amount out of range"))?,
    };
    Ok(InvoiceLine {
        description,
        quantity,
        unit_price,
        tax_rate,
        amount: line_amount,
        tax,
    })
}
