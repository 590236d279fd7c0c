//! DMN decisions: hit policies, unary tests, literal expressions, and business-rule tasks that
//! call a deployed decision within the same step, on both databases.

mod support;
use serde_json::{json, Map, Value};
use support::Fresh;
use yagona_workflow::dmn::{self, DmnError};
use yagona_workflow::feel::Feel;
use yagona_workflow::store::{ProcessStore, StoreError};

/// Eligibility for the low-income family benefit, as a social protection analyst would model it
/// in Camunda Modeler: income per person against the threshold, and who must be checked at home.
const BENEFIT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="benefit" name="Benefit" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="eligibility" name="Eligibility">
    <decisionTable id="t1" hitPolicy="FIRST">
      <input id="i1" label="Income per person"><inputExpression id="e1" typeRef="number"><text>income / members</text></inputExpression></input>
      <input id="i2" label="Region"><inputExpression id="e2" typeRef="string"><text>region</text></inputExpression></input>
      <output id="o1" name="eligible" typeRef="boolean"/>
      <output id="o2" name="visit" typeRef="boolean"/>
      <rule id="r1"><inputEntry><text>&gt;= 1000000</text></inputEntry><inputEntry><text>-</text></inputEntry><outputEntry><text>false</text></outputEntry><outputEntry><text>false</text></outputEntry></rule>
      <rule id="r2"><inputEntry><text>[0..500000)</text></inputEntry><inputEntry><text>not("tashkent-city")</text></inputEntry><outputEntry><text>true</text></outputEntry><outputEntry><text>true</text></outputEntry></rule>
      <rule id="r3"><inputEntry><text>-</text></inputEntry><inputEntry><text>-</text></inputEntry><outputEntry><text>true</text></outputEntry><outputEntry><text>false</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision id="documents" name="Documents to check">
    <decisionTable id="t2" hitPolicy="COLLECT">
      <input id="i3"><inputExpression id="e3"><text>members</text></inputExpression></input>
      <output id="o3" name="document" typeRef="string"/>
      <rule id="r4"><inputEntry><text>&gt; 0</text></inputEntry><outputEntry><text>"passport"</text></outputEntry></rule>
      <rule id="r5"><inputEntry><text>&gt;= 3</text></inputEntry><outputEntry><text>"birth certificates"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision id="points" name="Points">
    <decisionTable id="t3" hitPolicy="COLLECT" aggregation="SUM">
      <input id="i4"><inputExpression id="e4"><text>members</text></inputExpression></input>
      <output id="o4" name="points" typeRef="number"/>
      <rule id="r6"><inputEntry><text>&gt; 2</text></inputEntry><outputEntry><text>2</text></outputEntry></rule>
      <rule id="r7"><inputEntry><text>&gt; 4</text></inputEntry><outputEntry><text>3</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision id="monthly" name="Monthly amount">
    <literalExpression id="l1"><text>members * 120000</text></literalExpression>
  </decision>
  <decision id="category" name="Category">
    <decisionTable id="t4">
      <input id="i5"><inputExpression id="e5"><text>members</text></inputExpression></input>
      <output id="o5" name="category" typeRef="string"/>
      <rule id="r8"><inputEntry><text>&lt; 5</text></inputEntry><outputEntry><text>"small"</text></outputEntry></rule>
      <rule id="r9"><inputEntry><text>&gt; 3</text></inputEntry><outputEntry><text>"large"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"#;

fn vars(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn decision(id: &str) -> dmn::Decision {
    dmn::read(BENEFIT)
        .unwrap()
        .into_iter()
        .find(|d| d.id == id)
        .unwrap()
}

#[test]
fn decision_tables_follow_their_hit_policy() {
    let e = decision("eligibility");
    let family = |income: i64, members: i64, region: &str| {
        e.evaluate(
            &vars(json!({"income": income, "members": members, "region": region})),
            &Feel,
        )
        .unwrap()
    };
    assert_eq!(
        family(5_000_000, 4, "samarkand"),
        json!({"eligible": false, "visit": false})
    );
    assert_eq!(
        family(1_200_000, 4, "samarkand"),
        json!({"eligible": true, "visit": true})
    );
    assert_eq!(
        family(1_200_000, 4, "tashkent-city"),
        json!({"eligible": true, "visit": false})
    );
    assert_eq!(
        family(2_400_000, 4, "samarkand"),
        json!({"eligible": true, "visit": false})
    );

    let docs = decision("documents");
    assert_eq!(
        docs.evaluate(&vars(json!({"members": 4})), &Feel).unwrap(),
        json!(["passport", "birth certificates"])
    );
    assert_eq!(
        docs.evaluate(&vars(json!({"members": 0})), &Feel).unwrap(),
        json!([])
    );
    let points = decision("points");
    assert_eq!(
        points
            .evaluate(&vars(json!({"members": 5})), &Feel)
            .unwrap(),
        json!(5)
    );
    assert_eq!(
        decision("monthly")
            .evaluate(&vars(json!({"members": 3})), &Feel)
            .unwrap(),
        json!(360000)
    );
}

#[test]
fn overlapping_unique_rules_and_bad_files_are_errors() {
    let c = decision("category");
    assert_eq!(
        c.evaluate(&vars(json!({"members": 2})), &Feel).unwrap(),
        json!("small")
    );
    assert!(matches!(
        c.evaluate(&vars(json!({"members": 4})), &Feel),
        Err(DmnError::NotUnique { rules, .. }) if rules == vec![1, 2]
    ));
    // A rule with too few entries names its line; a broken file names its line too.
    let short = BENEFIT.replacen(r#"<inputEntry><text>-</text></inputEntry><outputEntry><text>true</text></outputEntry><outputEntry><text>false</text></outputEntry></rule>"#, r#"<outputEntry><text>true</text></outputEntry><outputEntry><text>false</text></outputEntry></rule>"#, 1);
    match dmn::read(&short) {
        Err(DmnError::Invalid { line, reason }) => {
            assert_eq!(line, 11, "the third rule");
            assert!(reason.contains("1 input and 2 output entries"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(dmn::read(&BENEFIT[..600]), Err(DmnError::Xml(_))));
    assert!(
        dmn::read("<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"/>").is_err()
    );
}

const PROCESS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
  <bpmn:process id="low-income-family-benefit" isExecutable="true">
    <bpmn:startEvent id="submitted"/>
    <bpmn:sequenceFlow id="f1" sourceRef="submitted" targetRef="check"/>
    <bpmn:businessRuleTask id="check" name="Check eligibility">
      <bpmn:extensionElements><zeebe:calledDecision decisionId="eligibility" resultVariable="eligibility"/></bpmn:extensionElements>
    </bpmn:businessRuleTask>
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw"/>
    <bpmn:sequenceFlow id="yes" sourceRef="gw" targetRef="review"><bpmn:conditionExpression>=eligibility.eligible</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="no" sourceRef="gw" targetRef="refused"><bpmn:conditionExpression>=not(eligibility.eligible)</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:userTask id="review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="done"/>
    <bpmn:endEvent id="done"/>
    <bpmn:endEvent id="refused"/>
  </bpmn:process>
</bpmn:definitions>"#;

on_both_databases!(a_business_rule_task_decides_within_the_step);

async fn a_business_rule_task_decides_within_the_step(f: Fresh) {
    let db = &f.db;
    let store = ProcessStore::new(db, &Feel);
    store.deploy(PROCESS).await.unwrap();
    // Without the decision deployed, the instance cannot start, and nothing is stored.
    let v = vars(json!({"income": 1_200_000, "members": 4, "region": "samarkand"}));
    assert!(matches!(
        store.start("low-income-family-benefit", Some("a1"), v.clone()).await,
        Err(StoreError::NoDecision(d)) if d == "eligibility"
    ));
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM process_instances")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);

    assert_eq!(store.deploy_decisions(BENEFIT).await.unwrap().len(), 5);
    assert_eq!(
        store.deploy_decisions(BENEFIT).await.unwrap()[0],
        ("eligibility".to_owned(), 1),
        "unchanged: same version"
    );
    let eligible = store
        .start("low-income-family-benefit", Some("a1"), v)
        .await
        .unwrap();
    let (status, waits) = store.status(&eligible).await.unwrap();
    assert_eq!(status, "active");
    assert_eq!(
        waits.iter().map(|w| w.1.as_str()).collect::<Vec<_>>(),
        ["review"]
    );
    let history: Vec<String> = store
        .history(&eligible)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.0)
        .collect();
    assert_eq!(history, ["submitted", "check", "gw"]);

    let rich = store
        .start(
            "low-income-family-benefit",
            Some("a2"),
            vars(json!({"income": 9_000_000, "members": 2, "region": "bukhara"})),
        )
        .await
        .unwrap();
    assert_eq!(store.status(&rich).await.unwrap().0, "completed");
    let history: Vec<String> = store
        .history(&rich)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.0)
        .collect();
    assert_eq!(history, ["submitted", "check", "gw", "refused"]);
}
