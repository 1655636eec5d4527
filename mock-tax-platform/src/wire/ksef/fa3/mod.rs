//! FA(3), the structured invoice KSeF accepts: read into the generic invoice
//! (`read`) and written back from a possibly damaged generic record (`write`).
//! The mapping is research §3: `issued_at` from `Naglowek/DataWytworzeniaFa`,
//! per-line tax from `P_11Vat`, money in grosze.

mod decimal;
mod read;
mod write;

pub use read::read;
pub use write::write;

/// The FA(3) namespace.
pub const NAMESPACE: &str = "http://crd.gov.pl/wzor/2025/06/25/13775/";

/// What an FA(3) document says beyond the generic invoice: needed for metadata,
/// UPOs and for writing the document back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fa3Facts {
    /// `Fa/P_1`, the issue date (`YYYY-MM-DD`).
    pub issue_date: String,
    /// `Fa/RodzajFaktury` (`VAT`, `KOR`, `ZAL`, …): part of KSeF's duplicate key.
    pub invoice_type: String,
    /// `Podmiot1/DaneIdentyfikacyjne/Nazwa`.
    pub seller_name: String,
    /// How the buyer is identified: `Nip`, `VatUe`, `Other` or `None`.
    pub buyer_id_type: &'static str,
}

#[cfg(test)]
mod tests;

/// A valid FA(3) invoice from NIP 5265877635 as a client sends it: two lines, one
/// with `P_11Vat`.
pub fn tests_sample(number: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Faktura xmlns="http://crd.gov.pl/wzor/2025/06/25/13775/">
 <Naglowek><KodFormularza kodSystemowy="FA (3)" wersjaSchemy="1-0E">FA</KodFormularza>
  <WariantFormularza>3</WariantFormularza><DataWytworzeniaFa>2026-12-02T10:00:00+01:00</DataWytworzeniaFa></Naglowek>
 <Podmiot1><DaneIdentyfikacyjne><NIP>5265877635</NIP><Nazwa>Seller &amp; Co</Nazwa></DaneIdentyfikacyjne>
  <Adres><KodKraju>PL</KodKraju><AdresL1>ul. Prosta 1</AdresL1></Adres></Podmiot1>
 <Podmiot2><DaneIdentyfikacyjne><NIP>3861610227</NIP><Nazwa>Buyer</Nazwa></DaneIdentyfikacyjne>
  <JST>2</JST><GV>2</GV></Podmiot2>
 <Fa><KodWaluty>PLN</KodWaluty><P_1>2026-12-02</P_1><P_2>{number}</P_2>
  <P_13_1>100.00</P_13_1><P_13_2>10.00</P_13_2><P_14_1>23.00</P_14_1><P_14_2>0.80</P_14_2><P_15>133.80</P_15>
  <Adnotacje><P_16>2</P_16><P_17>2</P_17><P_18>2</P_18><P_18A>2</P_18A><Zwolnienie><P_19N>1</P_19N></Zwolnienie>
   <NoweSrodkiTransportu><P_22N>1</P_22N></NoweSrodkiTransportu><P_23>2</P_23><PMarzy><P_PMarzyN>1</P_PMarzyN></PMarzy></Adnotacje>
  <RodzajFaktury>VAT</RodzajFaktury>
  <FaWiersz><NrWierszaFa>1</NrWierszaFa><P_7>Widget</P_7><P_8A>szt.</P_8A><P_8B>2</P_8B>
   <P_9A>50.00</P_9A><P_11>100.00</P_11><P_11Vat>23.00</P_11Vat><P_12>23</P_12></FaWiersz>
  <FaWiersz><NrWierszaFa>2</NrWierszaFa><P_7>Book</P_7><P_8A>szt.</P_8A><P_8B>1.000000</P_8B>
   <P_9A>10.00</P_9A><P_11>10.00</P_11><P_12>8</P_12></FaWiersz></Fa></Faktura>
"#
    )
}
