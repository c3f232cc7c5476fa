//! Inputs found by the fuzz targets in `fuzz/` (see docs/fuzzing.md), kept as regression tests.

use authbench_core::DenyReason;
use authbench_roundtrip::fuzzing::{mtx_answer, red5_answer};

/// `fuzz/regressions/roundtrip_answer/red5-allow-with-invalid-utf8`: a `200` whose body says
/// `"result": "TRUE"` but holds bytes that are not UTF-8 (in a member the reader ignores) is
/// not JSON (RFC 8259 §8.1), so Red5 Pro's answer is a protocol error, not an allow.
#[test]
fn red5_answer_that_is_not_utf8_is_a_protocol_error() {
    let body = b"{\"result\": \"TRUE\", \"s$bject\": \"al\xfc\xfc\xfc\xfc\xfc\xfc\xfc\xfcice\"}";
    let deny = red5_answer(200, body).expect_err("not JSON: never an allow");
    assert_eq!(deny.reason, DenyReason::BackendProtocolError);

    let in_result = b"{\"result\": true, \"reason\": \"\xff\"}";
    assert_eq!(
        red5_answer(200, in_result).expect_err("not JSON").reason,
        DenyReason::BackendProtocolError
    );
    // The same body is still valid UTF-8 JSON once the bytes are fixed.
    assert_eq!(
        red5_answer(200, br#"{"result": "TRUE", "s$bject": "alice"}"#),
        Ok(None)
    );
}

/// MediaMTX allows any 2xx whatever the body, so the same body allows there, without a subject.
#[test]
fn mtx_answer_that_is_not_utf8_allows_without_subject() {
    let body = b"{\"subject\": \"al\xfcice\"}";
    assert_eq!(mtx_answer(200, body, true), Ok(None));
}

/// `fuzz/regressions/roundtrip_answer/red5-unpaired-surrogate-escape`: an unpaired surrogate
/// escape (`"\udfbc"`) in a member the reader skips is allowed by the JSON grammar (RFC 8259
/// §8.2), so `{"result": true, …}` around it is still read as an allow (the fuzz target's own
/// check was too strict).
#[test]
fn red5_answer_with_an_unpaired_surrogate_in_a_skipped_member_is_read() {
    let body = b"{\r\r\"result\" :true,   \"   rl\"   :\"u\\udfbc\"}";
    assert_eq!(red5_answer(200, body), Ok(None));
}

/// `fuzz/regressions/roundtrip_answer/red5-number-out-of-f64-range`: a number too large for an
/// `f64` in a skipped member is grammatical JSON (RFC 8259 §6 sets no range), so the answer is
/// still read (the fuzz target's own check was too strict).
#[test]
fn red5_answer_with_a_huge_number_in_a_skipped_member_is_read() {
    let body = b"{\"result\":true,  \"  \": \n0.66E666666666666666668 }";
    assert_eq!(red5_answer(200, body), Ok(None));
}
