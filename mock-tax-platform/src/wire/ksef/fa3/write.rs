//! The generic invoice → FA(3) XML: what a download returns for a record the
//! platform no longer holds as sent (a fault stripped or altered it, a migration
//! reverted it), so the damage shows on the wire as a hash that no longer matches.

use std::fmt::Write as _;

use tax_api::Invoice;

use super::decimal::{format_minor, format_rate};
use super::{Fa3Facts, NAMESPACE};

/// Escapes text for element content.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Writes `invoice` as a minimal XSD-shaped FA(3) document; `facts` supplies what
/// the generic invoice does not hold (issue date, invoice type, seller name).
pub fn write(invoice: &Invoice, facts: &Fa3Facts) -> Vec<u8> {
    let mut x = String::with_capacity(2048);
    let issue_date = if facts.issue_date.is_empty() {
        invoice.issued_at.get(..10).unwrap_or("")
    } else {
        &facts.issue_date
    };
    let invoice_type = if facts.invoice_type.is_empty() {
        "VAT"
    } else {
        &facts.invoice_type
    };
    let seller_name = if facts.seller_name.is_empty() {
        "-"
    } else {
        &facts.seller_name
    };
    // Writing to a String cannot fail.
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Faktura xmlns=\"{NAMESPACE}\">\
         <Naglowek><KodFormularza kodSystemowy=\"FA (3)\" wersjaSchemy=\"1-0E\">FA</KodFormularza>\
         <WariantFormularza>3</WariantFormularza><DataWytworzeniaFa>{}</DataWytworzeniaFa></Naglowek>\
         <Podmiot1><DaneIdentyfikacyjne><NIP>{}</NIP><Nazwa>{}</Nazwa></DaneIdentyfikacyjne>\
         <Adres><KodKraju>PL</KodKraju><AdresL1>-</AdresL1></Adres></Podmiot1>\
         <Podmiot2><DaneIdentyfikacyjne>{}",
        esc(&invoice.issued_at),
        esc(&invoice.seller_tax_id),
        esc(seller_name),
        buyer_id(invoice, facts),
    );
    if !invoice.buyer_name.is_empty() {
        let _ = write!(x, "<Nazwa>{}</Nazwa>", esc(&invoice.buyer_name));
    }
    let _ = write!(
        x,
        "</DaneIdentyfikacyjne><JST>2</JST><GV>2</GV></Podmiot2>\
         <Fa><KodWaluty>{}</KodWaluty><P_1>{}</P_1><P_2>{}</P_2>\
         <P_13_1>{}</P_13_1><P_14_1>{}</P_14_1><P_15>{}</P_15>\
         <Adnotacje><P_16>2</P_16><P_17>2</P_17><P_18>2</P_18><P_18A>2</P_18A>\
         <Zwolnienie><P_19N>1</P_19N></Zwolnienie><NoweSrodkiTransportu><P_22N>1</P_22N>\
         </NoweSrodkiTransportu><P_23>2</P_23><PMarzy><P_PMarzyN>1</P_PMarzyN></PMarzy></Adnotacje>\
         <RodzajFaktury>{}</RodzajFaktury>",
        esc(&invoice.currency),
        esc(issue_date),
        esc(&invoice.number),
        format_minor(invoice.totals.amount_excl_tax),
        format_minor(invoice.totals.tax),
        format_minor(invoice.totals.total_incl_tax),
        esc(invoice_type),
    );
    if !invoice.request_serial.is_empty() {
        let _ = write!(
            x,
            "<DodatkowyOpis><Klucz>request_serial</Klucz><Wartosc>{}</Wartosc></DodatkowyOpis>",
            esc(&invoice.request_serial)
        );
    }
    for (i, line) in invoice.lines.iter().enumerate() {
        let _ = write!(
            x,
            "<FaWiersz><NrWierszaFa>{}</NrWierszaFa><P_7>{}</P_7><P_8A>szt.</P_8A><P_8B>{}</P_8B>\
             <P_9A>{}</P_9A><P_11>{}</P_11><P_11Vat>{}</P_11Vat><P_12>{}</P_12></FaWiersz>",
            i + 1,
            esc(&line.description),
            line.quantity,
            format_minor(line.unit_price),
            format_minor(line.amount),
            format_minor(line.tax),
            format_rate(line.tax_rate),
        );
    }
    x.push_str("</Fa></Faktura>\n");
    x.into_bytes()
}

fn buyer_id(invoice: &Invoice, facts: &Fa3Facts) -> String {
    let id = &invoice.buyer_tax_id;
    match facts.buyer_id_type {
        "None" => "<BrakID>1</BrakID>".to_owned(),
        "VatUe" if id.len() > 2 => format!(
            "<KodUE>{}</KodUE><NrVatUE>{}</NrVatUE>",
            esc(&id[..2]),
            esc(&id[2..])
        ),
        "Other" => format!("<NrID>{}</NrID>", esc(id)),
        _ => format!("<NIP>{}</NIP>", esc(id)),
    }
}
