use tax_api::InvoiceKind;

use super::*;

pub use super::tests_sample as sample;

#[test]
fn an_fa3_invoice_maps_onto_the_generic_invoice() {
    let (invoice, facts) = read(sample("FV/1/2026").as_bytes()).unwrap();
    assert_eq!(invoice.number, "FV/1/2026");
    assert_eq!(invoice.seller_tax_id, "5265877635");
    assert_eq!(
        (invoice.buyer_tax_id.as_str(), invoice.buyer_name.as_str()),
        ("3861610227", "Buyer")
    );
    assert_eq!(invoice.kind, InvoiceKind::Blue);
    assert_eq!(invoice.issued_at, "2026-12-02T10:00:00+01:00");
    assert_eq!(invoice.currency, "PLN");
    assert_eq!(invoice.lines.len(), 2);
    let l = &invoice.lines[0];
    assert_eq!(
        (l.quantity, l.unit_price, l.tax_rate, l.amount, l.tax),
        (2, 5000, 2300, 10000, 2300)
    );
    // No P_11Vat on the second line: tax computed from P_11 and P_12.
    assert_eq!((invoice.lines[1].tax_rate, invoice.lines[1].tax), (800, 80));
    assert_eq!(
        (
            invoice.totals.amount_excl_tax,
            invoice.totals.tax,
            invoice.totals.total_incl_tax
        ),
        (11000, 2380, 13380)
    );
    assert_eq!(facts.seller_name, "Seller & Co");
    assert_eq!(
        (
            facts.issue_date.as_str(),
            facts.invoice_type.as_str(),
            facts.buyer_id_type
        ),
        ("2026-12-02", "VAT", "Nip")
    );
}

#[test]
fn fa3_to_generic_to_fa3_keeps_the_generic_invoice() {
    let (invoice, facts) = read(sample("FV/2/2026").as_bytes()).unwrap();
    let written = write(&invoice, &facts);
    let (again, facts_again) = read(&written).unwrap();
    assert_eq!(again, invoice);
    assert_eq!(facts_again, facts);
}

#[test]
fn a_damaged_record_writes_different_bytes_with_its_damage() {
    let (mut invoice, facts) = read(sample("FV/3/2026").as_bytes()).unwrap();
    let whole = write(&invoice, &facts);
    invoice.lines.clear();
    let partial = write(&invoice, &facts);
    assert_ne!(whole, partial);
    assert!(!String::from_utf8(partial).unwrap().contains("<FaWiersz>"));
}

#[test]
fn errors_name_the_element() {
    let cases = [
        (sample("X").replace("<P_15>133.80</P_15>", ""), "Fa/P_15"),
        (
            sample("X").replace("<P_8B>2</P_8B>", "<P_8B>1.5</P_8B>"),
            "Fa/FaWiersz[1]/P_8B",
        ),
        (
            sample("X")
                .replace("<P_12>8</P_12>", "<P_12>13</P_12>")
                .replace("<P_9A>10.00", "<P_9A>10.001"),
            "Fa/FaWiersz[2]/P_9A",
        ),
        (
            sample("X").replace("2026-12-02T10:00:00+01:00", "2026-12-02T10:00:00"),
            "Naglowek/DataWytworzeniaFa",
        ),
        (sample("X").replace("13775", "12648"), "Faktura"),
        (
            sample("X").replace("<NIP>5265877635</NIP>", "<NIP>91110000MA01ABCD1X</NIP>"),
            "Podmiot1/DaneIdentyfikacyjne/NIP",
        ),
        ("<Faktura".to_owned(), "Faktura"),
        (
            sample("X").replace(">VAT</RodzajFaktury>", ">KOR</RodzajFaktury>"),
            "Fa/RodzajFaktury",
        ),
        (
            sample("X").replace(">VAT</RodzajFaktury>", ">XYZ</RodzajFaktury>"),
            "Fa/RodzajFaktury",
        ),
    ];
    for (xml, element) in cases {
        let e = read(xml.as_bytes()).unwrap_err();
        assert_eq!(e.element, element, "{e}");
    }
}
