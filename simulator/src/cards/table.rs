//! The one list of Stripe's test cards: every number on Stripe's testing page with the
//! `pm_card_…` and `tok_…` names Stripe gives it, its brand, funding and country, its
//! address and CVC checks and what charging it does. `simulator/docs/test-cards.md` shows
//! the same rows; a unit test (`cards::tests`) fails when the two differ and an integration
//! test (`tests/test_cards.rs`) walks every row of the docs against a running simulator.

use super::{Behaviour, Decline};

/// The results of a card's address and CVC checks (`card.checks`): `pass`, `fail`,
/// `unavailable` or `unchecked`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Checks {
    /// `cvc_check`
    pub(crate) cvc: &'static str,
    /// `address_line1_check` (`None` renders `null`: no address given).
    pub(crate) line1: Option<&'static str>,
    /// `address_postal_code_check`
    pub(crate) postal: Option<&'static str>,
}

/// The checks of an ordinary card: CVC passes, no address given.
pub(crate) const CHECKS_OK: Checks = Checks {
    cvc: "pass",
    line1: None,
    postal: None,
};

/// A test card: its number, every name Stripe gives it and what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TestCard {
    /// The full card number.
    pub(crate) number: &'static str,
    /// The `pm_card_…` names (several when Stripe renamed one and the old name still works).
    pub(crate) pm: &'static [&'static str],
    /// The `tok_…` names.
    pub(crate) tok: &'static [&'static str],
    /// `card.brand` (`visa`, `mastercard`, `amex`, `discover`, `diners`, `jcb`, `unionpay`).
    pub(crate) brand: &'static str,
    /// `card.funding` (`credit`, `debit`, `prepaid`).
    pub(crate) funding: &'static str,
    /// `card.country` (two letters).
    pub(crate) country: &'static str,
    /// Address and CVC checks.
    pub(crate) checks: Checks,
    /// What happens when it is attached or charged.
    pub(crate) behaviour: Behaviour,
}

const OK: Behaviour = Behaviour::Succeeds;

const fn row(
    number: &'static str,
    pm: &'static [&'static str],
    tok: &'static [&'static str],
    brand: &'static str,
    funding: &'static str,
    country: &'static str,
    behaviour: Behaviour,
) -> TestCard {
    TestCard {
        number,
        pm,
        tok,
        brand,
        funding,
        country,
        checks: CHECKS_OK,
        behaviour,
    }
}

const fn visa(
    number: &'static str,
    pm: &'static [&'static str],
    tok: &'static [&'static str],
    behaviour: Behaviour,
) -> TestCard {
    row(number, pm, tok, "visa", "credit", "US", behaviour)
}

const fn checked(card: TestCard, checks: Checks) -> TestCard {
    TestCard { checks, ..card }
}

const fn declined(d: Decline) -> Behaviour {
    Behaviour::Declined(d)
}

const fn dispute(reason: &'static str) -> Behaviour {
    Behaviour::Dispute {
        reason,
        inquiry: false,
    }
}

const fn country(
    number: &'static str,
    pm: &'static [&'static str],
    tok: &'static [&'static str],
    brand: &'static str,
    funding: &'static str,
    cc: &'static str,
) -> TestCard {
    row(number, pm, tok, brand, funding, cc, OK)
}

/// Every test card, in the order of `simulator/docs/test-cards.md`.
#[rustfmt::skip]
pub(crate) const TEST_CARDS: &[TestCard] = &[
    // Cards by brand.
    row("4242424242424242", &["pm_card_visa", "pm_card_us"], &["tok_visa", "tok_us"], "visa", "credit", "US", OK),
    row("4000056655665556", &["pm_card_visa_debit"], &["tok_visa_debit"], "visa", "debit", "US", OK),
    row("5555555555554444", &["pm_card_mastercard"], &["tok_mastercard"], "mastercard", "credit", "US", OK),
    row("2223003122003222", &[], &[], "mastercard", "credit", "US", OK),
    row("5200828282828210", &["pm_card_mastercard_debit"], &["tok_mastercard_debit"], "mastercard", "debit", "US", OK),
    row("5105105105105100", &["pm_card_mastercard_prepaid"], &["tok_mastercard_prepaid"], "mastercard", "prepaid", "US", OK),
    row("378282246310005", &["pm_card_amex"], &["tok_amex"], "amex", "credit", "US", OK),
    row("371449635398431", &[], &[], "amex", "credit", "US", OK),
    row("6011111111111117", &["pm_card_discover"], &["tok_discover"], "discover", "credit", "US", OK),
    row("6011000990139424", &[], &[], "discover", "credit", "US", OK),
    row("6011981111111113", &[], &[], "discover", "debit", "US", OK),
    row("3056930009020004", &["pm_card_diners"], &["tok_diners"], "diners", "credit", "US", OK),
    row("36227206271667", &[], &[], "diners", "credit", "US", OK),
    row("6555900000604105", &[], &[], "discover", "credit", "US", OK),
    row("3566002020360505", &["pm_card_jcb"], &["tok_jcb"], "jcb", "credit", "JP", OK),
    row("6200000000000005", &["pm_card_unionpay"], &["tok_unionpay"], "unionpay", "credit", "CN", OK),
    row("6200000000000047", &[], &[], "unionpay", "debit", "CN", OK),
    row("6205500000000000004", &[], &[], "unionpay", "credit", "CN", OK),
    // Co-branded cards.
    row("4000002500001001", &["pm_card_visa_cartesBancaires"], &["tok_visa_cartesBancaires"], "visa", "credit", "FR", OK),
    row("5555552500001001", &["pm_card_mastercard_cartesBancaires"], &["tok_mastercard_cartesBancaires"], "mastercard", "credit", "FR", OK),
    row("4000050360000001", &["pm_card_visa_debit_eftposAuCoBranded"], &["tok_visa_debit_eftposAuCoBranded"], "visa", "debit", "AU", OK),
    row("5555050360000080", &["pm_card_mastercard_debit_eftposAuCoBranded"], &["tok_mastercard_debit_eftposAuCoBranded"], "mastercard", "debit", "AU", OK),
    // Cards by country: the Americas.
    country("4000000320000021", &["pm_card_ar"], &["tok_ar"], "visa", "credit", "AR"),
    country("4000000760000002", &["pm_card_br"], &["tok_br"], "visa", "credit", "BR"),
    country("4000001240000000", &["pm_card_ca"], &["tok_ca"], "visa", "credit", "CA"),
    country("4000001520000001", &["pm_card_cl"], &["tok_cl"], "visa", "credit", "CL"),
    country("4000001700000003", &["pm_card_co"], &["tok_co"], "visa", "credit", "CO"),
    country("4000001880000005", &["pm_card_cr"], &["tok_cr"], "visa", "credit", "CR"),
    country("4000002180000000", &["pm_card_ec"], &["tok_ec"], "visa", "credit", "EC"),
    country("4000004840008001", &["pm_card_mx"], &["tok_mx"], "visa", "credit", "MX"),
    country("4000005910000000", &["pm_card_pa"], &["tok_pa"], "visa", "credit", "PA"),
    country("4000006000000066", &["pm_card_py"], &["tok_py"], "visa", "credit", "PY"),
    country("4000006040000068", &["pm_card_pe"], &["tok_pe"], "visa", "credit", "PE"),
    country("4000008580000003", &["pm_card_uy"], &["tok_uy"], "visa", "credit", "UY"),
    // Europe and the Middle East.
    country("4000007840000001", &["pm_card_ae"], &["tok_ae"], "visa", "credit", "AE"),
    country("5200007840000022", &["pm_card_ae_mastercard"], &["tok_ae_mastercard"], "mastercard", "credit", "AE"),
    country("4000000400000008", &["pm_card_at"], &["tok_at"], "visa", "credit", "AT"),
    country("4000000560000004", &["pm_card_be"], &["tok_be"], "visa", "credit", "BE"),
    country("4000001000000000", &["pm_card_bg"], &["tok_bg"], "visa", "credit", "BG"),
    country("4000001120000005", &["pm_card_by"], &["tok_by"], "visa", "credit", "BY"),
    country("4000001910000009", &["pm_card_hr"], &["tok_hr"], "visa", "credit", "HR"),
    country("4000001960000008", &["pm_card_cy"], &["tok_cy"], "visa", "credit", "CY"),
    country("4000002030000002", &["pm_card_cz"], &["tok_cz"], "visa", "credit", "CZ"),
    country("4000002080000001", &["pm_card_dk"], &["tok_dk"], "visa", "credit", "DK"),
    country("4000002330000009", &["pm_card_ee"], &["tok_ee"], "visa", "credit", "EE"),
    country("4000002460000001", &["pm_card_fi"], &["tok_fi"], "visa", "credit", "FI"),
    country("4000002500000003", &["pm_card_fr"], &["tok_fr"], "visa", "credit", "FR"),
    country("4000002760000016", &["pm_card_de"], &["tok_de"], "visa", "credit", "DE"),
    country("4000002920000005", &["pm_card_gi"], &["tok_gi"], "visa", "credit", "GI"),
    country("4000003000000030", &["pm_card_gr"], &["tok_gr"], "visa", "credit", "GR"),
    country("4000003480000005", &["pm_card_hu"], &["tok_hu"], "visa", "credit", "HU"),
    country("4000003720000005", &["pm_card_ie"], &["tok_ie"], "visa", "credit", "IE"),
    country("4000003800000008", &["pm_card_it"], &["tok_it"], "visa", "credit", "IT"),
    country("4000004280000005", &["pm_card_lv"], &["tok_lv"], "visa", "credit", "LV"),
    country("4000004380000004", &["pm_card_li"], &["tok_li"], "visa", "credit", "LI"),
    country("4000004400000000", &["pm_card_lt"], &["tok_lt"], "visa", "credit", "LT"),
    country("4000004420000006", &["pm_card_lu"], &["tok_lu"], "visa", "credit", "LU"),
    country("4000004700000007", &["pm_card_mt"], &["tok_mt"], "visa", "credit", "MT"),
    country("4000005280000002", &["pm_card_nl"], &["tok_nl"], "visa", "credit", "NL"),
    country("4000005780000007", &["pm_card_no"], &["tok_no"], "visa", "credit", "NO"),
    country("4000006160000005", &["pm_card_pl"], &["tok_pl"], "visa", "credit", "PL"),
    country("4000006200000007", &["pm_card_pt"], &["tok_pt"], "visa", "credit", "PT"),
    country("4000006420000001", &["pm_card_ro"], &["tok_ro"], "visa", "credit", "RO"),
    country("4000006820000007", &["pm_card_sa"], &["tok_sa"], "visa", "credit", "SA"),
    country("4000007050000006", &["pm_card_si"], &["tok_si"], "visa", "credit", "SI"),
    country("4000007030000001", &["pm_card_sk"], &["tok_sk"], "visa", "credit", "SK"),
    country("4000007240000007", &["pm_card_es"], &["tok_es"], "visa", "credit", "ES"),
    country("4000007520000008", &["pm_card_se"], &["tok_se"], "visa", "credit", "SE"),
    country("4000007560000009", &["pm_card_ch"], &["tok_ch"], "visa", "credit", "CH"),
    country("4000008260000000", &["pm_card_gb"], &["tok_gb"], "visa", "credit", "GB"),
    country("4000058260000005", &["pm_card_gb_debit"], &["tok_gb_debit"], "visa", "debit", "GB"),
    country("5555558265554449", &["pm_card_gb_mastercard"], &["tok_gb_mastercard"], "mastercard", "credit", "GB"),
    // Asia and the Pacific.
    country("4000000360000006", &["pm_card_au"], &["tok_au"], "visa", "credit", "AU"),
    country("4000001560000002", &["pm_card_cn"], &["tok_cn"], "visa", "credit", "CN"),
    country("4000003440000004", &["pm_card_hk"], &["tok_hk"], "visa", "credit", "HK"),
    country("4000003560000008", &["pm_card_in"], &["tok_in"], "visa", "credit", "IN"),
    country("4000003920000003", &["pm_card_jp"], &["tok_jp"], "visa", "credit", "JP"),
    country("3530111333300000", &[], &[], "jcb", "credit", "JP"),
    country("4000004580000002", &["pm_card_my"], &["tok_my"], "visa", "credit", "MY"),
    country("4000005540000008", &["pm_card_nz"], &["tok_nz"], "visa", "credit", "NZ"),
    country("4000007020000003", &["pm_card_sg"], &["tok_sg"], "visa", "credit", "SG"),
    country("4000001580000008", &["pm_card_tw"], &["tok_tw"], "visa", "credit", "TW"),
    country("4000007640000003", &["pm_card_th_credit"], &["tok_th_credit"], "visa", "credit", "TH"),
    country("4000057640000008", &["pm_card_th_debit"], &["tok_th_debit"], "visa", "debit", "TH"),
    // Declined payments (refused at attach as well as at charge).
    visa("4000000000000002", &["pm_card_visa_chargeDeclined", "pm_card_chargeDeclined"], &["tok_visa_chargeDeclined", "tok_chargeDeclined"], declined(Decline::Generic)),
    visa("4000000000009995", &["pm_card_visa_chargeDeclinedInsufficientFunds", "pm_card_chargeDeclinedInsufficientFunds"], &["tok_visa_chargeDeclinedInsufficientFunds", "tok_chargeDeclinedInsufficientFunds"], declined(Decline::InsufficientFunds)),
    visa("4000000000009987", &["pm_card_visa_chargeDeclinedLostCard", "pm_card_chargeDeclinedLostCard"], &["tok_visa_chargeDeclinedLostCard", "tok_chargeDeclinedLostCard"], declined(Decline::LostCard)),
    visa("4000000000009979", &["pm_card_visa_chargeDeclinedStolenCard", "pm_card_chargeDeclinedStolenCard"], &["tok_visa_chargeDeclinedStolenCard", "tok_chargeDeclinedStolenCard"], declined(Decline::StolenCard)),
    visa("4000000000000069", &["pm_card_chargeDeclinedExpiredCard", "pm_card_visa_chargeDeclinedExpiredCard"], &["tok_chargeDeclinedExpiredCard", "tok_visa_chargeDeclinedExpiredCard"], declined(Decline::ExpiredCard)),
    visa("4000000000000127", &["pm_card_chargeDeclinedIncorrectCvc", "pm_card_visa_chargeDeclinedIncorrectCvc"], &["tok_chargeDeclinedIncorrectCvc", "tok_visa_chargeDeclinedIncorrectCvc"], declined(Decline::IncorrectCvc)),
    visa("4000000000000119", &["pm_card_chargeDeclinedProcessingError", "pm_card_visa_chargeDeclinedProcessingError"], &["tok_chargeDeclinedProcessingError", "tok_visa_chargeDeclinedProcessingError"], declined(Decline::ProcessingError)),
    visa("4000000000006975", &["pm_card_visa_chargeDeclinedVelocityLimitExceeded"], &["tok_visa_chargeDeclinedVelocityLimitExceeded"], declined(Decline::VelocityExceeded)),
    visa("4242424242424241", &[], &[], declined(Decline::IncorrectNumber)),
    visa("4000000000000341", &["pm_card_chargeCustomerFail"], &["tok_chargeCustomerFail"], Behaviour::AttachOkChargeFails),
    // Fraud prevention.
    visa("4100000000000019", &["pm_card_radarBlock", "pm_card_chargeDeclinedFraudulent", "pm_card_visa_chargeDeclinedFraudulent"], &["tok_radarBlock", "tok_chargeDeclinedFraudulent", "tok_visa_chargeDeclinedFraudulent"], declined(Decline::RadarBlock)),
    visa("4000000000004954", &["pm_card_riskLevelHighest"], &["tok_riskLevelHighest"], declined(Decline::RadarBlock)),
    visa("4000000000009235", &["pm_card_riskLevelElevated"], &["tok_riskLevelElevated"], Behaviour::ElevatedRisk),
    checked(visa("4000000000000101", &["pm_card_cvcCheckFail"], &["tok_cvcCheckFail"], declined(Decline::IncorrectCvc)), Checks { cvc: "fail", line1: None, postal: None }),
    checked(visa("4000000000000036", &["pm_card_avsZipFail"], &["tok_avsZipFail"], OK), Checks { cvc: "pass", line1: Some("pass"), postal: Some("fail") }),
    checked(visa("4000000000000028", &["pm_card_avsLine1Fail"], &["tok_avsLine1Fail"], OK), Checks { cvc: "pass", line1: Some("fail"), postal: Some("pass") }),
    checked(visa("4000000000000010", &["pm_card_avsFail"], &["tok_avsFail"], OK), Checks { cvc: "pass", line1: Some("fail"), postal: Some("fail") }),
    checked(visa("4000000000000044", &["pm_card_avsUnchecked"], &["tok_avsUnchecked"], OK), Checks { cvc: "pass", line1: Some("unavailable"), postal: Some("unavailable") }),
    // Disputes and early fraud warnings.
    visa("4000000000000259", &["pm_card_createDispute"], &["tok_createDispute"], dispute("fraudulent")),
    visa("4000000000002685", &["pm_card_createDisputeProductNotReceived"], &["tok_createDisputeProductNotReceived"], dispute("product_not_received")),
    visa("4000000000001976", &["pm_card_createDisputeInquiry"], &["tok_createDisputeInquiry"], Behaviour::Dispute { reason: "fraudulent", inquiry: true }),
    visa("4000000404000038", &["pm_card_createCe3EligibleDispute"], &["tok_createCe3EligibleDispute"], dispute("fraudulent")),
    visa("4000008400000779", &["pm_card_createComplianceDispute"], &["tok_createComplianceDispute"], dispute("noncompliant")),
    visa("4000000000005423", &["pm_card_createIssuerFraudRecord"], &["tok_createIssuerFraudRecord"], Behaviour::EarlyFraudWarning),
    // Refunds and the available balance (refunds always succeed at once here).
    visa("4000000000007726", &["pm_card_refundPending"], &["tok_refundPending"], OK),
    visa("4000000000005126", &["pm_card_refundFail"], &["tok_refundFail"], OK),
    visa("4000000000000077", &["pm_card_bypassPending"], &["tok_bypassPending"], OK),
    row("4000003720000278", &["pm_card_bypassPendingInternational"], &["tok_bypassPendingInternational"], "visa", "credit", "IE", OK),
    // 3-D Secure: authentication is not simulated; cards that require it fail every charge
    // as an off-session charge does on Stripe (`authentication_required`).
    row("4000002760003184", &["pm_card_authenticationRequired"], &["tok_authenticationRequired"], "visa", "credit", "DE", Behaviour::AuthenticationRequired),
    row("4000008260003178", &["pm_card_authenticationRequiredChargeDeclinedInsufficientFunds"], &["tok_authenticationRequiredChargeDeclinedInsufficientFunds"], "visa", "credit", "GB", Behaviour::AuthenticationRequired),
    visa("4000000000003220", &["pm_card_threeDSecure2Required"], &["tok_threeDSecure2Required"], Behaviour::AuthenticationRequired),
    visa("4000000000003063", &["pm_card_threeDSecureRequired"], &["tok_threeDSecureRequired"], Behaviour::AuthenticationRequired),
    visa("4000000000003055", &["pm_card_threeDSecureOptional"], &["tok_threeDSecureOptional"], OK),
];
