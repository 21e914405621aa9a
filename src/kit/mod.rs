//! The contract test kit (`coopgate contract-test`): checks a running
//! deployment, over its public HTTP and websocket endpoints only, against
//! the behaviour partners rely on (docs/contract-kit.md): pagination
//! forward and backward, error codes (docs/errors.md), refusals by role and
//! province, personal-data scoping, the change feed and the subscription.
//!
//! It never writes: every write it sends is one the deployment must refuse.
//! It needs a registry with at least six cooperatives (two of them outside
//! the officer's province) and three changes in its feed; the dev profile's
//! demo registry has both. Nothing else in coopgate depends on this module,
//! and it depends on nothing of coopgate's: it is a client like any other.

mod ws;

use serde_json::{json, Value};
use std::time::Duration;

/// Where to check and with which tokens.
#[derive(Debug, Clone)]
pub struct KitConfig {
    /// The deployment's base URL, e.g. `http://127.0.0.1:8080` (the kit adds
    /// `/graphql` and `/healthz`).
    pub url: String,
    /// A national admin's bearer token.
    pub token_admin: String,
    /// A provincial officer's bearer token (vai trò cán bộ tỉnh).
    pub token_officer: String,
    /// How long one request or subscription message may take.
    pub timeout: Duration,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// Its area: `health`, `auth`, `pagination`, `errors`, `personal-data`,
    /// `changes`, `subscription`.
    pub area: &'static str,
    /// What it checks, in a few words.
    pub name: &'static str,
    /// Whether the deployment behaved as the contract says.
    pub passed: bool,
    /// What was seen (why it failed, or a short confirmation).
    pub detail: String,
}

/// Every check's result, in the order they ran.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The results.
    pub checks: Vec<CheckResult>,
}

impl Report {
    /// Whether every check passed (and there was at least one).
    pub fn passed(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.passed)
    }

    /// How many checks failed.
    pub fn failures(&self) -> usize {
        self.checks.iter().filter(|c| !c.passed).count()
    }

    /// The pass/fail table, one line per check, and a summary line.
    pub fn table(&self) -> String {
        let width = self.checks.iter().map(|c| c.area.len() + c.name.len() + 1).max().unwrap_or(5).max(5);
        let mut out = format!("{:<6} {:<width$} detail\n", "result", "check");
        for c in &self.checks {
            let name = format!("{}/{}", c.area, c.name);
            out.push_str(&format!("{:<6} {:<width$} {}\n", if c.passed { "PASS" } else { "FAIL" }, name, c.detail));
        }
        out.push_str(&format!(
            "{} checks: {} passed, {} failed\n",
            self.checks.len(),
            self.checks.len() - self.failures(),
            self.failures()
        ));
        out
    }

    fn record(&mut self, area: &'static str, name: &'static str, outcome: Result<String, String>) {
        let (passed, detail) = match outcome {
            Ok(d) => (true, d),
            Err(d) => (false, d),
        };
        self.checks.push(CheckResult { area, name, passed, detail });
    }
}

/// A GraphQL answer: the HTTP status and the body.
struct Answer {
    status: u16,
    body: Value,
}

impl Answer {
    /// `errors[0].extensions.code`.
    fn code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }

    /// `data` when there is no error.
    fn data(&self) -> Result<&Value, String> {
        match self.body.get("errors") {
            Some(e) => Err(format!("unexpected errors: {}", short(e))),
            None => Ok(&self.body["data"]),
        }
    }

    /// Ok when the first error has `code`, with `no_data` also that the
    /// answer has no `data` key (a request error).
    fn expect_code(&self, code: &str, no_data: bool) -> Result<String, String> {
        match self.code() {
            Some(c) if c == code => {
                if no_data && self.body.get("data").is_some() {
                    Err(format!("{code} as expected, but a request error must have no `data`: {}", short(&self.body)))
                } else {
                    Ok(format!("{code} (HTTP {})", self.status))
                }
            }
            other => Err(format!("expected {code}, got {:?} (HTTP {}): {}", other, self.status, short(&self.body))),
        }
    }
}

/// `v` as JSON, cut to 200 characters.
fn short(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

struct Client {
    http: reqwest::Client,
    base: String,
    config: KitConfig,
}

/// Who sends a request.
#[derive(Clone, Copy)]
enum As {
    Anonymous,
    Admin,
    Officer,
}

impl Client {
    fn token(&self, who: As) -> Option<&str> {
        match who {
            As::Anonymous => None,
            As::Admin => Some(&self.config.token_admin),
            As::Officer => Some(&self.config.token_officer),
        }
    }

    async fn post(&self, bearer: Option<&str>, query: &str, variables: Value) -> Result<Answer, String> {
        let mut req = self
            .http
            .post(format!("{}/graphql", self.base))
            .header("accept", "application/graphql-response+json, application/json")
            .json(&json!({"query": query, "variables": variables}));
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.map_err(|e| format!("request failed: {e}"))?;
        let status = resp.status().as_u16();
        let body = resp.json::<Value>().await.map_err(|e| format!("HTTP {status}, body not JSON: {e}"))?;
        Ok(Answer { status, body })
    }

    async fn gql(&self, who: As, query: &str, variables: Value) -> Result<Answer, String> {
        self.post(self.token(who), query, variables).await
    }

    /// `data` of a query that must succeed.
    async fn data(&self, who: As, query: &str, variables: Value) -> Result<Value, String> {
        self.gql(who, query, variables).await?.data().cloned()
    }
}

/// What the checks share: found once at the start.
struct Context {
    province: String,
    /// A cooperative of the officer's province: (id, ward code).
    own: (String, String),
    /// A cooperative of another province: (id, ward code).
    other: (String, String),
}

const ME: &str = "{ me { role provinceCode subject } }";
const COOPS: &str = "query($first: Int, $after: String, $last: Int, $before: String, $p: String) {
  cooperatives(first: $first, after: $after, last: $last, before: $before, filter: { provinceCode: $p }) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id address { ward { code } province { code } } } } } }";
const PERSON: &str = "query($id: ID!) { node(id: $id) { ... on Cooperative {
  legalRepresentative { fullName idNumber phone } } } }";
const CHANGES: &str = "query($first: Int, $after: String, $p: String) {
  changes(first: $first, after: $after, provinceCode: $p) {
    pageInfo { hasNextPage endCursor } edges { node { sequence provinceCode entityKind } } } }";
const REGISTER: &str = "mutation($i: RegisterCooperativeInput!) { registerCooperative(input: $i) {
  cooperative { id } userErrors { field message code } } }";

/// A registration the deployment must refuse (it is sent anonymously or by
/// an officer outside the ward's province), valid otherwise.
fn registration(ward: &str) -> Value {
    json!({
        "name": "HTX kiểm thử hợp đồng (contract kit)", "sector": "AGRICULTURE", "businessLines": ["0111"],
        "address": {"street": "Thôn 1", "wardCode": ward}, "officialMembers": 7,
        "director": {"fullName": "Nguyễn Văn An", "gender": "MALE", "idNumber": "040090000123"},
        "legalRepresentative": {"fullName": "Trần Thị Bình", "gender": "FEMALE", "idNumber": "040190000456"}
    })
}

fn ids(page: &Value) -> Vec<String> {
    page["edges"].as_array().into_iter().flatten().filter_map(|e| e["node"]["id"].as_str().map(str::to_owned)).collect()
}

/// Runs every check against `config.url` and returns the results; never
/// panics on what the deployment answers.
pub async fn run(config: &KitConfig) -> Report {
    let mut report = Report::default();
    let http = match reqwest::Client::builder().timeout(config.timeout).build() {
        Ok(h) => h,
        Err(e) => {
            report.record("health", "client", Err(format!("cannot build an HTTP client: {e}")));
            return report;
        }
    };
    let client = Client { http, base: config.url.trim_end_matches('/').to_owned(), config: config.clone() };

    report.record("health", "liveness answers 200", health(&client).await);
    let tokens = tokens(&client).await;
    let province = tokens.as_ref().ok().cloned();
    report.record("auth", "tokens: admin and officer roles", tokens.map(|p| format!("officer of province {p}")));
    let Some(province) = province else { return report };
    let ctx = match context(&client, province).await {
        Ok(ctx) => ctx,
        Err(e) => {
            report.record("pagination", "enough data to check", Err(e));
            return report;
        }
    };

    report.record("auth", "malformed token is 401 UNAUTHENTICATED", bad_token(&client).await);
    report.record("auth", "anonymous write is UNAUTHENTICATED", anonymous_write(&client, &ctx).await);
    report.record("auth", "officer write elsewhere is FORBIDDEN", foreign_write(&client, &ctx).await);
    report.record("auth", "admin-only query refused to others", admin_only(&client).await);

    let pages = pagination(&client, &ctx).await;
    report.record(
        "pagination",
        "forward: first/after, no overlap",
        pages.as_ref().map(|p| p.0.clone()).map_err(Clone::clone),
    );
    report.record(
        "pagination",
        "backward: last/before = previous page",
        match pages {
            Ok((_, back)) => back,
            Err(e) => Err(format!("not checked: {e}")),
        },
    );
    report.record("errors", "first over 100 is BAD_USER_INPUT", over_limit(&client).await);
    report.record("errors", "first with last is BAD_USER_INPUT", first_and_last(&client).await);
    report.record("errors", "malformed cursor is BAD_USER_INPUT", bad_cursor(&client).await);
    report.record("errors", "malformed province is BAD_USER_INPUT", bad_province(&client).await);
    report.record("errors", "syntax error: request error, no data", syntax(&client).await);
    report.record("errors", "unknown field: request error, no data", unknown_field(&client).await);

    report.record("personal-data", "admin sees idNumber", person(&client, As::Admin, &ctx.own.0, true).await);
    report.record("personal-data", "officer sees own province's", person(&client, As::Officer, &ctx.own.0, true).await);
    report.record(
        "personal-data",
        "officer sees no other province's",
        person(&client, As::Officer, &ctx.other.0, false).await,
    );
    report.record("personal-data", "anonymous sees none", person(&client, As::Anonymous, &ctx.own.0, false).await);

    let feed = changes(&client).await;
    let seqs = feed.as_ref().ok().map(|(_, s)| s.clone());
    report.record("changes", "ordered, pages continue", feed.map(|(d, _)| d));
    report.record(
        "changes",
        "after a sequence resumes there",
        match &seqs {
            Some(s) => after_sequence(&client, s).await,
            None => Err("not checked: the feed did not page".into()),
        },
    );
    report.record("changes", "provinceCode filters", province_feed(&client, &ctx.province).await);
    let base_ws = ws_url(&client.base);
    report.record(
        "subscription",
        "replays after a sequence",
        match &seqs {
            Some(s) => ws::replay(&base_ws, &config.token_admin, s, config.timeout).await,
            None => Err("not checked: the feed did not page".into()),
        },
    );
    report.record("subscription", "non-string token refused (4403)", ws::refused(&base_ws, config.timeout).await);
    report
}

/// `ws://…/graphql` (or `wss://`) for an `http(s)://` base.
fn ws_url(base: &str) -> String {
    let rest = base.strip_prefix("https://").map(|r| format!("wss://{r}"));
    let rest = rest.or_else(|| base.strip_prefix("http://").map(|r| format!("ws://{r}")));
    format!("{}/graphql", rest.unwrap_or_else(|| base.to_owned()))
}

async fn health(c: &Client) -> Result<String, String> {
    let resp = c.http.get(format!("{}/healthz", c.base)).send().await.map_err(|e| format!("request failed: {e}"))?;
    match resp.status().as_u16() {
        200 => Ok("200".into()),
        s => Err(format!("/healthz answered {s}")),
    }
}

/// The officer's province, once both tokens were seen with their roles.
async fn tokens(c: &Client) -> Result<String, String> {
    let admin = c.data(As::Admin, ME, json!({})).await.map_err(|e| format!("admin token: {e}"))?;
    if admin["me"]["role"] != "NATIONAL_ADMIN" {
        return Err(format!("--token-admin is not a national admin's: {}", short(&admin["me"])));
    }
    let officer = c.data(As::Officer, ME, json!({})).await.map_err(|e| format!("officer token: {e}"))?;
    match (officer["me"]["role"].as_str(), officer["me"]["provinceCode"].as_str()) {
        (Some("PROVINCIAL_OFFICER"), Some(p)) => Ok(p.to_owned()),
        _ => Err(format!("--token-officer is not a provincial officer's: {}", short(&officer["me"]))),
    }
}

async fn context(c: &Client, province: String) -> Result<Context, String> {
    let own = c.data(As::Admin, COOPS, json!({"first": 1, "p": province})).await?;
    let own = own["cooperatives"]["edges"][0]["node"].clone();
    let pick = |n: &Value| -> Option<(String, String)> {
        Some((n["id"].as_str()?.to_owned(), n["address"]["ward"]["code"].as_str()?.to_owned()))
    };
    let own = pick(&own).ok_or_else(|| format!("no cooperative in the officer's province {province}"))?;
    let all = c.data(As::Admin, COOPS, json!({"first": 100})).await?;
    let other = all["cooperatives"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["node"])
        .find(|n| n["address"]["province"]["code"].as_str() != Some(&province))
        .and_then(pick)
        .ok_or_else(|| format!("no cooperative outside province {province} among the first 100"))?;
    Ok(Context { province, own, other })
}

async fn bad_token(c: &Client) -> Result<String, String> {
    let a = c.post(Some("not-a-token"), ME, json!({})).await?;
    if a.status != 401 {
        return Err(format!("expected HTTP 401, got {}: {}", a.status, short(&a.body)));
    }
    a.expect_code("UNAUTHENTICATED", true)
}

async fn anonymous_write(c: &Client, ctx: &Context) -> Result<String, String> {
    c.gql(As::Anonymous, REGISTER, json!({"i": registration(&ctx.own.1)})).await?.expect_code("UNAUTHENTICATED", false)
}

async fn foreign_write(c: &Client, ctx: &Context) -> Result<String, String> {
    c.gql(As::Officer, REGISTER, json!({"i": registration(&ctx.other.1)})).await?.expect_code("FORBIDDEN", false)
}

async fn admin_only(c: &Client) -> Result<String, String> {
    let q = "{ auditEvents(first: 1) { edges { cursor } } }";
    let officer = c.gql(As::Officer, q, json!({})).await?.expect_code("FORBIDDEN", false)?;
    let anonymous = c.gql(As::Anonymous, q, json!({})).await?.expect_code("UNAUTHENTICATED", false)?;
    c.data(As::Admin, q, json!({})).await.map_err(|e| format!("the admin was refused: {e}"))?;
    Ok(format!("auditEvents: officer {officer}, anonymous {anonymous}, admin served"))
}

type Pages = (String, Result<String, String>);

async fn pagination(c: &Client, _ctx: &Context) -> Result<Pages, String> {
    let first = c.data(As::Anonymous, COOPS, json!({"first": 3})).await?;
    let first = &first["cooperatives"];
    let one = ids(first);
    if one.len() != 3 || first["pageInfo"]["hasNextPage"] != true {
        return Err(format!("first: 3 gave {} nodes, hasNextPage {}", one.len(), first["pageInfo"]["hasNextPage"]));
    }
    let end = first["pageInfo"]["endCursor"].clone();
    let last_cursor = first["edges"][2]["cursor"].clone();
    if end != last_cursor {
        return Err("pageInfo.endCursor is not the last edge's cursor".into());
    }
    let second = c.data(As::Anonymous, COOPS, json!({"first": 3, "after": end})).await?;
    let second = &second["cooperatives"];
    let two = ids(second);
    if two.len() != 3 || two.iter().any(|id| one.contains(id)) {
        return Err(format!("the page after endCursor overlaps or is short: {one:?} then {two:?}"));
    }
    let forward = "3 + 3 distinct nodes, hasNextPage true, endCursor = last edge's cursor".to_owned();
    let start = second["pageInfo"]["startCursor"].clone();
    let backward = async {
        let back = c.data(As::Anonymous, COOPS, json!({"last": 3, "before": start})).await?;
        let back = &back["cooperatives"];
        if ids(back) != one {
            return Err(format!("last: 3 before the second page's startCursor gave {:?}, not {one:?}", ids(back)));
        }
        let tail = c.data(As::Anonymous, COOPS, json!({"last": 2})).await?;
        if tail["cooperatives"]["pageInfo"]["hasPreviousPage"] != true || ids(&tail["cooperatives"]).len() != 2 {
            return Err(format!("last: 2 without a cursor: {}", short(&tail["cooperatives"]["pageInfo"])));
        }
        Ok("the first page again, in order; last: 2 has hasPreviousPage".to_owned())
    }
    .await;
    Ok((forward, backward))
}

async fn over_limit(c: &Client) -> Result<String, String> {
    c.gql(As::Anonymous, COOPS, json!({"first": 101})).await?.expect_code("BAD_USER_INPUT", false)
}

async fn first_and_last(c: &Client) -> Result<String, String> {
    c.gql(As::Anonymous, COOPS, json!({"first": 2, "last": 2})).await?.expect_code("BAD_USER_INPUT", false)
}

async fn bad_cursor(c: &Client) -> Result<String, String> {
    c.gql(As::Anonymous, COOPS, json!({"first": 2, "after": "%%not a cursor%%"}))
        .await?
        .expect_code("BAD_USER_INPUT", false)
}

async fn bad_province(c: &Client) -> Result<String, String> {
    c.gql(As::Anonymous, COOPS, json!({"first": 2, "p": "not-a-code"})).await?.expect_code("BAD_USER_INPUT", false)
}

async fn syntax(c: &Client) -> Result<String, String> {
    c.gql(As::Anonymous, "{ cooperatives(first: ", json!({})).await?.expect_code("BAD_USER_INPUT", true)
}

async fn unknown_field(c: &Client) -> Result<String, String> {
    c.gql(As::Anonymous, "{ noSuchFieldInTheContract }", json!({})).await?.expect_code("BAD_USER_INPUT", true)
}

async fn person(c: &Client, who: As, id: &str, visible: bool) -> Result<String, String> {
    let d = c.data(who, PERSON, json!({"id": id})).await?;
    let rep = &d["node"]["legalRepresentative"];
    if !rep.is_object() {
        return Err(format!("the cooperative has no legal representative to check: {}", short(&d)));
    }
    let (id_number, phone) = (&rep["idNumber"], &rep["phone"]);
    match visible {
        true if id_number.is_string() => Ok("idNumber present".into()),
        true => Err(format!("idNumber should be visible, got {id_number}")),
        false if id_number.is_null() && phone.is_null() => Ok("idNumber and phone null".into()),
        false => Err(format!("personal data leaked: idNumber {id_number}, phone {phone}")),
    }
}

fn sequences(conn: &Value) -> Result<Vec<i64>, String> {
    conn["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            e["node"]["sequence"].as_str().and_then(|s| s.parse().ok()).ok_or_else(|| format!("bad sequence in {e}"))
        })
        .collect()
}

/// The first page's sequences (at least 3), after checking the order.
async fn changes(c: &Client) -> Result<(String, Vec<i64>), String> {
    let d = c.data(As::Anonymous, CHANGES, json!({"first": 3})).await?;
    let page = &d["changes"];
    let first = sequences(page)?;
    if first.len() < 3 {
        return Err(format!("the change feed has {} changes; the kit needs 3", first.len()));
    }
    if first.windows(2).any(|w| w[0] >= w[1]) {
        return Err(format!("sequences not increasing: {first:?}"));
    }
    let mut detail = format!("sequences {first:?}");
    if page["pageInfo"]["hasNextPage"] == true {
        let next = c.data(As::Anonymous, CHANGES, json!({"first": 3, "after": page["pageInfo"]["endCursor"]})).await?;
        let next = sequences(&next["changes"])?;
        if next.first().is_none_or(|n| *n <= first[2]) {
            return Err(format!("the next page {next:?} does not continue after {first:?}"));
        }
        detail.push_str(&format!(", then {next:?}"));
    }
    Ok((detail, first))
}

async fn after_sequence(c: &Client, seqs: &[i64]) -> Result<String, String> {
    let d = c.data(As::Anonymous, CHANGES, json!({"first": 1, "after": seqs[0].to_string()})).await?;
    let got = sequences(&d["changes"])?;
    if got.as_slice() == [seqs[1]] {
        Ok(format!("after {} came {}", seqs[0], seqs[1]))
    } else {
        Err(format!("after {} expected [{}], got {got:?}", seqs[0], seqs[1]))
    }
}

async fn province_feed(c: &Client, province: &str) -> Result<String, String> {
    let d = c.data(As::Anonymous, CHANGES, json!({"first": 20, "p": province})).await?;
    let edges = d["changes"]["edges"].as_array().cloned().unwrap_or_default();
    match edges.iter().find(|e| e["node"]["provinceCode"] != province) {
        Some(e) => Err(format!("a change of another province: {}", short(e))),
        None => Ok(format!("{} changes, all of province {province}", edges.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_websocket_url_follows_the_scheme() {
        assert_eq!(ws_url("http://127.0.0.1:8080"), "ws://127.0.0.1:8080/graphql");
        assert_eq!(ws_url("https://coopgate.example"), "wss://coopgate.example/graphql");
    }

    #[test]
    fn the_table_shows_each_check_and_the_failures_count() {
        let mut r = Report::default();
        assert!(!r.passed(), "no check is no pass");
        r.record("errors", "syntax", Ok("BAD_USER_INPUT".into()));
        r.record("auth", "tokens", Err("--token-admin is not a national admin's".into()));
        let table = r.table();
        assert!(table.contains("PASS   errors/syntax"), "{table}");
        assert!(table.contains("FAIL   auth/tokens"), "{table}");
        assert!(table.ends_with("2 checks: 1 passed, 1 failed\n"), "{table}");
        assert!(!r.passed());
        assert_eq!(r.failures(), 1);
    }

    #[test]
    fn long_answers_are_cut_in_details() {
        let v = json!({"text": "x".repeat(500)});
        assert_eq!(short(&v).chars().count(), 201);
    }
}
