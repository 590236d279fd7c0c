//! Click's signatures: the SHOP API's `sign_string`, and the merchant API's `Auth` header.

use md5::{Digest, Md5};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// `md5(click_trans_id + service_id + SECRET_KEY + merchant_trans_id [+ merchant_prepare_id] +
/// amount + action + sign_time)` as lower-case hex, over the values exactly as they were sent
/// (the amount is never reformatted). `merchant_prepare_id` is in it for Complete only. The
/// order is Click's documentation's and its official Django library's; its PHP library puts
/// `merchant_prepare_id` in the place of `merchant_trans_id`, which is a bug not copied here.
#[allow(clippy::too_many_arguments)]
pub fn sign_string(
    click_trans_id: &str,
    service_id: &str,
    secret_key: &str,
    merchant_trans_id: &str,
    merchant_prepare_id: Option<&str>,
    amount: &str,
    action: &str,
    sign_time: &str,
) -> String {
    let mut md5 = Md5::new();
    for part in [
        click_trans_id,
        service_id,
        secret_key,
        merchant_trans_id,
        merchant_prepare_id.unwrap_or(""),
        amount,
        action,
        sign_time,
    ] {
        md5.update(part.as_bytes());
    }
    format!("{:x}", md5.finalize())
}

/// Whether a received `sign_string` is the expected one, compared in constant time (either
/// case of hex is taken).
pub(crate) fn matches(received: &str, expected: &str) -> bool {
    received
        .to_ascii_lowercase()
        .as_bytes()
        .ct_eq(expected.as_bytes())
        .into()
}

/// The merchant API's `Auth: merchant_user_id:digest:timestamp`, with
/// `digest = sha1(timestamp + secret_key)` and a ten-digit UNIX timestamp.
pub fn auth_header(merchant_user_id: &str, secret_key: &str, timestamp: i64) -> String {
    let mut sha1 = Sha1::new();
    sha1.update(timestamp.to_string().as_bytes());
    sha1.update(secret_key.as_bytes());
    format!("{merchant_user_id}:{:x}:{timestamp}", sha1.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_the_values_in_clicks_order() {
        // md5("1234" "85335" "secret" "INV-2026-000001" "82400.00" "0" "2026-01-02 10:00:00")
        let prepare = sign_string(
            "1234",
            "85335",
            "secret",
            "INV-2026-000001",
            None,
            "82400.00",
            "0",
            "2026-01-02 10:00:00",
        );
        let mut md5 = Md5::new();
        md5.update(b"123485335secretINV-2026-00000182400.0002026-01-02 10:00:00");
        assert_eq!(prepare, format!("{:x}", md5.finalize()));
        let complete = sign_string(
            "1234",
            "85335",
            "secret",
            "INV-2026-000001",
            Some("17"),
            "82400.00",
            "1",
            "2026-01-02 10:00:00",
        );
        let mut md5 = Md5::new();
        md5.update(b"123485335secretINV-2026-0000011782400.0012026-01-02 10:00:00");
        assert_eq!(complete, format!("{:x}", md5.finalize()));
        assert!(matches(&complete.to_ascii_uppercase(), &complete));
        assert!(!matches(&prepare, &complete));
        assert!(!matches("", &complete));
    }

    #[test]
    fn the_auth_header_is_user_digest_and_time() {
        // sha1("1519051543" + "secret")
        let mut sha1 = Sha1::new();
        sha1.update(b"1519051543secret");
        let digest = format!("{:x}", sha1.finalize());
        assert_eq!(
            auth_header("123", "secret", 1_519_051_543),
            format!("123:{digest}:1519051543")
        );
    }
}
