//! Messages in Vietnamese or English (issue #14 item 6): `Accept-Language`
//! picks the language of every error `message` and `userErrors` message;
//! codes, fields and argument names stay the same in both. Without a usable
//! header the production profile answers in Vietnamese, the dev profile in
//! English, and `COOPGATE_DEFAULT_LANGUAGE` overrides both.

use crate::helpers::{code, officer, Backend, Options, TestApp};
use crate::storage_tests;
use crate::writes::{coop, REGISTER};
use coopgate::config::Profile;
use coopgate::domain::Language;
use coopgate::limits::LimitsConfig;
use serde_json::{json, Value};

/// POSTs `query` with an optional `Accept-Language` and token; the status,
/// the `Content-Language` and `Vary` headers, and the body.
async fn post(
    app: &TestApp,
    lang: Option<&str>,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> (u16, String, String, Value) {
    let mut req =
        app.http.post(format!("{}/graphql", app.address)).json(&json!({"query": query, "variables": variables}));
    if let Some(l) = lang {
        req = req.header("accept-language", l);
    }
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("request sent");
    let header =
        |name: &str| resp.headers().get_all(name).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(", ");
    let (status, content_language, vary) = (resp.status().as_u16(), header("content-language"), header("vary"));
    (status, content_language, vary, resp.json().await.expect("JSON body"))
}

/// A registration with an empty name: one `userErrors` entry.
fn nameless() -> Value {
    let mut c = coop("", "16681");
    c["name"] = json!("  ");
    json!({"i": c})
}

/// The first user error of the registration payload.
fn user_error(body: &Value) -> &Value {
    &body["data"]["registerCooperative"]["userErrors"][0]
}

/// A branch's code where an organisation's own is needed: a GraphQL error
/// naming the argument.
const BRANCH_CODE: &str = r#"{ cooperative(code: "0100109106-001") { name } }"#;

async fn a_user_error_is_written_in_the_language_asked_for(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let (_, vi_lang, vary, vi) = post(&app, Some("vi-VN,vi;q=0.9,en;q=0.5"), Some(&t), REGISTER, nameless()).await;
    let (_, en_lang, _, en) = post(&app, Some("en-US"), Some(&t), REGISTER, nameless()).await;
    assert_eq!(user_error(&vi)["message"], "không được để trống", "{vi}");
    assert_eq!(user_error(&en)["message"], "must not be empty", "{en}");
    assert_eq!(user_error(&vi)["field"], json!(["input", "name"]));
    assert_eq!(user_error(&vi)["field"], user_error(&en)["field"]);
    assert_eq!(user_error(&vi)["code"], "INVALID");
    assert_eq!(user_error(&vi)["code"], user_error(&en)["code"]);
    assert_eq!((vi_lang.as_str(), en_lang.as_str()), ("vi", "en"));
    assert!(vary.to_ascii_lowercase().contains("accept-language"), "Vary: {vary}");
    app.stop().await;
}

async fn a_bad_argument_is_written_in_the_language_asked_for_with_the_same_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, _, _, vi) = post(&app, Some("vi"), None, BRANCH_CODE, json!({})).await;
    let (_, _, _, en) = post(&app, Some("en"), None, BRANCH_CODE, json!({})).await;
    let (vi, en) = (&vi["errors"][0], &en["errors"][0]);
    let (vm, em) = (vi["message"].as_str().unwrap_or_default(), en["message"].as_str().unwrap_or_default());
    assert!(vm.starts_with("code: ") && vm.contains("đơn vị phụ thuộc") && vm.contains("0100109106"), "{vm}");
    assert!(em.starts_with("code: ") && em.contains("dependent unit"), "{em}");
    assert_eq!(code(vi), "BAD_USER_INPUT");
    assert_eq!(vi["extensions"], en["extensions"], "codes and argument names do not depend on the language");
    app.stop().await;
}

async fn without_a_header_the_default_language_answers(backend: Backend) {
    // Dev profile: English unless the setting says otherwise.
    let dev = TestApp::spawn(backend).await;
    let (_, lang, _, body) = post(&dev, None, None, BRANCH_CODE, json!({})).await;
    assert_eq!(lang, "en");
    assert!(body["errors"][0]["message"].as_str().unwrap_or_default().contains("dependent unit"), "{body}");
    let (_, lang, _, _) = post(&dev, Some("fr-FR, de"), None, BRANCH_CODE, json!({})).await;
    assert_eq!(lang, "en", "a language the API does not speak gets the default");
    dev.stop().await;
    // Production with the setting at `vi` (its default, see below) and an override to `en`.
    let limits = LimitsConfig { default_language: Some(Language::Vi), ..LimitsConfig::default() };
    let prod =
        TestApp::spawn_with(backend, Options { profile: Profile::Production, limits, ..Options::default() }).await;
    let t = officer("40");
    let (_, lang, _, body) = post(&prod, None, Some(&t), REGISTER, nameless()).await;
    assert_eq!(lang, "vi");
    assert_eq!(user_error(&body)["message"], "không được để trống", "{body}");
    let (_, lang, _, body) = post(&prod, Some("en"), Some(&t), REGISTER, nameless()).await;
    assert_eq!(lang, "en", "the header wins over the default");
    assert_eq!(user_error(&body)["message"], "must not be empty");
    prod.stop().await;
    let limits = LimitsConfig { default_language: Some(Language::En), ..LimitsConfig::default() };
    let prod =
        TestApp::spawn_with(backend, Options { profile: Profile::Production, limits, ..Options::default() }).await;
    let (_, lang, _, body) = post(&prod, None, Some(&t), REGISTER, nameless()).await;
    assert_eq!(lang, "en", "the setting overrides the production default");
    assert_eq!(user_error(&body)["message"], "must not be empty");
    prod.stop().await;
}

async fn an_unauthenticated_request_is_refused_in_both_languages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let q = "{ cooperatives(first: 1) { totalCount } }";
    let (vs, vl, _, vi) = post(&app, Some("vi"), Some("not-a-token"), q, json!({})).await;
    let (es, _, _, en) = post(&app, Some("en"), Some("not-a-token"), q, json!({})).await;
    assert_eq!((vs, es), (401, 401));
    assert_eq!(vl, "vi");
    assert_eq!(vi["errors"][0]["message"], "mã thông báo (token) không hợp lệ hoặc đã hết hạn", "{vi}");
    assert_eq!(en["errors"][0]["message"], "invalid or expired token", "{en}");
    assert_eq!(code(&vi["errors"][0]), "UNAUTHENTICATED");
    assert_eq!(vi["errors"][0]["extensions"], en["errors"][0]["extensions"]);
    app.stop().await;
}

async fn request_errors_are_written_in_the_language_asked_for(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = |body: &Value| body["errors"][0]["message"].as_str().unwrap_or_default().to_owned();
    let unknown = "{ cooperatives(first: 1) { totalCount nosuch } }";
    let (_, _, _, vi) = post(&app, Some("vi"), None, unknown, json!({})).await;
    let (_, _, _, en) = post(&app, Some("en"), None, unknown, json!({})).await;
    assert!(first(&vi).contains("không có trường \"nosuch\""), "{vi}");
    assert!(first(&en).starts_with("Unknown field \"nosuch\" on type"), "{en}");
    assert_eq!(vi["errors"][0]["extensions"], en["errors"][0]["extensions"]);
    let broken = "{ cooperatives(first: 1) { totalCount ";
    let (_, _, _, vi) = post(&app, Some("vi"), None, broken, json!({})).await;
    let (_, _, _, en) = post(&app, Some("en"), None, broken, json!({})).await;
    assert!(first(&vi).starts_with("Lỗi cú pháp tại dòng 1, cột "), "{vi}");
    assert!(first(&en).starts_with("Syntax error at line 1, column "), "{en}");
    assert_eq!(code(&vi["errors"][0]), "BAD_USER_INPUT");
    let aliases: String = (0..65).map(|i| format!("a{i}: __typename ")).collect();
    let many = format!("{{ {aliases} }}");
    let (_, _, _, vi) = post(&app, Some("vi"), None, &many, json!({})).await;
    let (_, _, _, en) = post(&app, Some("en"), None, &many, json!({})).await;
    assert_eq!(first(&vi), "số bí danh (alias) là 65, vượt giới hạn 64", "{vi}");
    assert_eq!(first(&en), "number of aliases is 65, over the limit of 64", "{en}");
    assert_eq!(code(&vi["errors"][0]), "QUERY_TOO_COMPLEX");
    app.stop().await;
}

storage_tests!(
    request_errors_are_written_in_the_language_asked_for,
    a_user_error_is_written_in_the_language_asked_for,
    a_bad_argument_is_written_in_the_language_asked_for_with_the_same_code,
    without_a_header_the_default_language_answers,
    an_unauthenticated_request_is_refused_in_both_languages,
);

/// Unset, the setting means Vietnamese in the production profile and
/// English in the dev profile.
#[test]
fn the_production_profile_defaults_to_vietnamese_and_dev_to_english() {
    use coopgate::http::protocol::Edge;
    let unset = LimitsConfig::default();
    assert_eq!(Edge::new(&unset, Profile::Production).expect("edge").language, Language::Vi);
    assert_eq!(Edge::new(&unset, Profile::Dev).expect("edge").language, Language::En);
    let en = LimitsConfig { default_language: Some(Language::En), ..LimitsConfig::default() };
    assert_eq!(Edge::new(&en, Profile::Production).expect("edge").language, Language::En);
    assert_eq!(coopgate::config::default_language(Some(Language::Vi), Profile::Dev), Language::Vi);
}
