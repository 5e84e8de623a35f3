//! Field validation shared by every entity: names, domains, countries, GUIDs, dates.
//! Each function returns the normalized value or an [`Error::InvalidArgument`] naming the field.

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{Error, Result};

/// ISO 3166-1 alpha-2 codes currently assigned (249), sorted for binary search.
const ISO_3166_ALPHA2: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// Trims a display name or natural key; refuses empty ones, control characters and more than
/// `max` characters.
pub fn name(what: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim_matches(|c: char| c.is_whitespace());
    if v.is_empty() {
        return Err(Error::invalid(what, value, "must not be empty"));
    }
    if v.chars().any(char::is_control) {
        return Err(Error::invalid(
            what,
            value,
            "must not contain control characters",
        ));
    }
    if v.chars().count() > max {
        return Err(Error::invalid(
            what,
            value,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(v.to_string())
}

/// An optional text field: `None` or blank means absent.
pub fn optional<T>(value: Option<&str>, f: impl FnOnce(&str) -> Result<T>) -> Result<Option<T>> {
    match value {
        Some(v) if !v.trim().is_empty() => f(v).map(Some),
        _ => Ok(None),
    }
}

/// An ISO 3166-1 alpha-2 country code (as Entra's usage location), normalized to upper case.
pub fn country(what: &str, value: &str) -> Result<String> {
    let v = value.trim().to_ascii_uppercase();
    if v.len() == 2 && ISO_3166_ALPHA2.binary_search(&v.as_str()).is_ok() {
        Ok(v)
    } else {
        Err(Error::invalid(
            what,
            value,
            "must be an ISO 3166-1 alpha-2 country code such as \"US\" or \"PL\"",
        ))
    }
}

/// A DNS domain name such as `contoso.onmicrosoft.com`, normalized to lower case.
pub fn domain(what: &str, value: &str) -> Result<String> {
    let v = value.trim().trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = v.split('.').collect();
    let ok = v.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if ok {
        Ok(v)
    } else {
        Err(Error::invalid(
            what,
            value,
            "must be a domain name such as \"contoso.onmicrosoft.com\"",
        ))
    }
}

/// A GUID in the 8-4-4-4-12 form, normalized to lower case. Stray spaces (including U+00A0,
/// as in Microsoft's own catalog CSV) around it are removed.
pub fn guid(what: &str, value: &str) -> Result<String> {
    let v: String = value
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let v = v.trim_start_matches('{').trim_end_matches('}').to_string();
    let b = v.as_bytes();
    let ok = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
    if ok {
        Ok(v)
    } else {
        Err(Error::invalid(
            what,
            value,
            "must be a GUID such as \"c7df2760-2c81-4ef7-b578-5b5392b571df\"",
        ))
    }
}

/// A calendar date `YYYY-MM-DD`.
pub fn date(what: &str, value: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| Error::invalid(what, value, "must be a date in the form YYYY-MM-DD"))
}

/// An instant: RFC 3339 with an offset (`2024-05-06T07:08:09Z`, `...+02:00`), the M365 export's
/// `2024-05-06 07:08:09Z`, or a bare date (midnight UTC). Naive times without an offset are
/// refused: a license that expires "at 17:00" somewhere unknown is a bug waiting to happen.
pub fn instant(what: &str, value: &str) -> Result<DateTime<Utc>> {
    let v = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(&v.replacen(' ', "T", 1)) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    Err(Error::invalid(
        what,
        value,
        "must be a date (YYYY-MM-DD) or a date and time with an offset (2024-05-06T07:08:09Z)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_list_is_sorted_and_complete() {
        assert!(ISO_3166_ALPHA2.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ISO_3166_ALPHA2.len(), 249);
        assert_eq!(country("usage location", " pl ").unwrap(), "PL");
        assert!(country("usage location", "XX").is_err());
        assert!(country("usage location", "USA").is_err());
    }

    #[test]
    fn guid_accepts_catalog_quirks() {
        assert_eq!(
            guid("sku id", "C7DF2760-2C81-4EF7-B578-5B5392B571DF\u{a0}").unwrap(),
            "c7df2760-2c81-4ef7-b578-5b5392b571df"
        );
        assert!(guid("sku id", "c7df2760-2c81-4ef7-b578-5b5392b571d").is_err());
        assert!(guid("sku id", "g7df2760-2c81-4ef7-b578-5b5392b571df").is_err());
    }

    #[test]
    fn names_and_domains() {
        assert_eq!(name("customer name", "  Contoso ", 200).unwrap(), "Contoso");
        assert!(name("customer name", " \t", 200).is_err());
        assert!(name("customer name", "a\u{7}b", 200).is_err());
        assert_eq!(
            domain("tenant domain", "Contoso.OnMicrosoft.com").unwrap(),
            "contoso.onmicrosoft.com"
        );
        assert!(domain("tenant domain", "contoso").is_err());
        assert!(domain("tenant domain", "con toso.com").is_err());
    }

    #[test]
    fn instants() {
        let t = instant("assigned_at", "2024-05-06 07:08:09Z").unwrap();
        assert_eq!(crate::store::format_ts(t), "2024-05-06T07:08:09Z");
        let t = instant("x", "2024-05-06T09:08:09+02:00").unwrap();
        assert_eq!(crate::store::format_ts(t), "2024-05-06T07:08:09Z");
        assert!(instant("x", "2024-05-06T07:08:09").is_err());
        assert!(instant("x", "06/05/2024").is_err());
        assert!(date("x", "2024-02-30").is_err());
    }
}
