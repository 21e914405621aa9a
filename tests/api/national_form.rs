//! What the national registration form always requires (charter capital,
//! the legal representative's identity number, …) is refused at once as
//! user errors naming the field, and nothing is written; the national side's
//! REJECTED is left for what only it can know.

use crate::helpers::{officer, Backend, TestApp};
use crate::storage_tests;
use crate::writes::{coop, imported, payload, registered, tax_code, REGISTER, UNION, UPDATE};
use entity::{audit_event, cooperative, cooperative_union, person, sync_outbox};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

/// The `field` paths of a payload's user errors, joined with dots.
fn error_fields(p: &Value) -> Vec<String> {
    p["userErrors"]
        .as_array()
        .expect("userErrors")
        .iter()
        .map(|e| {
            e["field"].as_array().expect("field").iter().map(|f| f.as_str().unwrap_or("")).collect::<Vec<_>>().join(".")
        })
        .collect()
}

/// Rows a registration would have written: records, persons, outbox rows and
/// successful audit entries.
async fn written(app: &TestApp) -> [u64; 5] {
    let db = app.conn();
    [
        cooperative::Entity::find().count(db).await.expect("count"),
        cooperative_union::Entity::find().count(db).await.expect("count"),
        person::Entity::find().count(db).await.expect("count"),
        sync_outbox::Entity::find().count(db).await.expect("count"),
        audit_event::Entity::find().filter(audit_event::Column::Outcome.eq("SUCCESS")).count(db).await.expect("count"),
    ]
}

/// Takes a field out of a complete input.
type Strip = fn(&mut Value);

async fn a_cooperative_without_what_the_national_form_requires_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let before = written(&app).await;
    let cases: [(&str, Strip); 3] = [
        ("input.charterCapital", |c| {
            c.as_object_mut().expect("input").remove("charterCapital");
        }),
        ("input.legalRepresentative.idNumber", |c| {
            c["legalRepresentative"].as_object_mut().expect("person").remove("idNumber");
        }),
        ("input.legalRepresentative.idNumber", |c| c["legalRepresentative"]["idNumber"] = json!("  ")),
    ];
    for (field, strip) in cases {
        let mut input = coop("HTX thiếu hồ sơ", "16681");
        strip(&mut input);
        let p = payload(&app, &t, REGISTER, input).await;
        assert!(p["cooperative"].is_null(), "{p}");
        assert_eq!(error_fields(&p), [field], "{p}");
        assert_eq!(p["userErrors"][0]["code"], "INVALID");
        assert!(p["userErrors"][0]["message"].as_str().expect("message").contains("national registration form"));
    }
    let mut both = coop("HTX thiếu cả hai", "16681");
    both.as_object_mut().expect("input").remove("charterCapital");
    both["legalRepresentative"].as_object_mut().expect("person").remove("idNumber");
    let p = payload(&app, &t, REGISTER, both).await;
    assert_eq!(error_fields(&p), ["input.charterCapital", "input.legalRepresentative.idNumber"], "all at once");
    let mut long = coop(&"HTX ".repeat(70), "16681");
    long["address"]["street"] = json!("x".repeat(256));
    let p = payload(&app, &t, REGISTER, long).await;
    assert_eq!(error_fields(&p), ["input.name", "input.address.street"], "the national systems take 255 characters");
    assert_eq!(written(&app).await, before, "nothing written");

    // A record imported with an existing code is not sent to the national
    // systems, so their form does not apply to it.
    let mut old = imported("HTX chuyển đổi", "16681", &tax_code(3));
    old.as_object_mut().expect("input").remove("charterCapital");
    registered(&app, &t, old).await;
}

async fn an_update_cannot_leave_out_what_the_national_form_requires(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let c = registered(&app, &t, coop("HTX cập nhật", "16681")).await;
    let p = payload(
        &app,
        &t,
        UPDATE,
        json!({"id": c["id"], "expectedVersion": 1, "legalRepresentative": {"fullName": "Người Mới"}}),
    )
    .await;
    assert_eq!(error_fields(&p), ["input.legalRepresentative.idNumber"], "{p}");
    // A record stored without one (before the gateway checked the form) must
    // be completed with its next change.
    app.conn().execute_unprepared("UPDATE person SET id_number = NULL").await.expect("legacy record");
    let p = payload(&app, &t, UPDATE, json!({"id": c["id"], "expectedVersion": 1, "name": "HTX đổi tên"})).await;
    assert_eq!(error_fields(&p), ["input.legalRepresentative.idNumber"], "{p}");
    let p = payload(
        &app,
        &t,
        UPDATE,
        json!({"id": c["id"], "expectedVersion": 1, "name": "HTX đổi tên",
        "legalRepresentative": {"fullName": "Người Mới", "idNumber": "040090000321"}}),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(p["cooperative"]["version"], 2);
}

async fn a_union_without_what_the_national_form_requires_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            registered(&app, &t, imported(&format!("HTX thành viên {i}"), "16681", &tax_code(30 + i))).await["id"]
                .clone(),
        );
    }
    let complete = json!({"name": "Liên hiệp HTX Vinh", "sector": "AGRICULTURE", "address": {"wardCode": "16681"},
        "charterCapital": "900000000", "legalRepresentative": {"fullName": "Phạm Văn D", "idNumber": "040090000777"},
        "memberCooperativeIds": ids});
    let before = written(&app).await;
    let mut no_capital = complete.clone();
    no_capital.as_object_mut().expect("input").remove("charterCapital");
    let p = payload(&app, &t, UNION, no_capital).await;
    assert_eq!(error_fields(&p), ["input.charterCapital"], "{p}");
    let mut no_id = complete.clone();
    no_id["legalRepresentative"].as_object_mut().expect("person").remove("idNumber");
    let p = payload(&app, &t, UNION, no_id).await;
    assert_eq!(error_fields(&p), ["input.legalRepresentative.idNumber"], "{p}");
    assert_eq!(written(&app).await, before, "nothing written");
    let members = cooperative::Entity::find().all(app.conn()).await.expect("rows");
    assert!(members.iter().all(|m| m.union_id.is_none() && m.version == 1), "no member joined");

    let p = payload(&app, &t, UNION, complete).await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(p["cooperativeUnion"]["status"], "PENDING");
    // The form lists the members by code: so does the NCRS body queued.
    let row = sync_outbox::Entity::find()
        .filter(sync_outbox::Column::EntityKind.eq("COOPERATIVE_UNION"))
        .one(app.conn())
        .await
        .expect("read")
        .expect("the union's registration is queued");
    let body: Value = serde_json::from_str(&row.payload).expect("json");
    let mut codes: Vec<String> = (0..3).map(|i| tax_code(30 + i)).collect();
    codes.sort();
    assert_eq!(body["ncrs"]["memberCooperatives"], json!(codes), "{body}");
    assert_eq!(body["ncrs"]["members"], 3);
}

storage_tests!(
    a_cooperative_without_what_the_national_form_requires_is_refused,
    an_update_cannot_leave_out_what_the_national_form_requires,
    a_union_without_what_the_national_form_requires_is_refused,
);
