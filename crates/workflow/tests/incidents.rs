//! Where a model cannot go on at run time, an incident — never a 500, never a silent stop — and
//! an administrator corrects variables and retries; on both databases.

mod support;
use chrono::{Duration, Utc};
use serde_json::{json, Map, Value};
use support::Fresh;
use yagona_workflow::feel::Feel;
use yagona_workflow::store::{ProcessStore, StoreError};

on_both_databases!(
    a_condition_that_is_not_boolean_is_an_incident_then_retried,
    a_timer_expression_of_the_wrong_type_is_an_incident_not_a_timer_that_never_fires,
    a_job_out_of_retries_is_an_incident_that_a_retry_offers_again
);

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

/// Approval, then a gateway on `amount` (which the officer's form does not set).
const APPROVE_THEN_ROUTE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="x">
  <bpmn:process id="route" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="approve"/>
    <bpmn:userTask id="approve"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="civil-registry"/></bpmn:extensionElements></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw"/>
    <bpmn:sequenceFlow id="big" sourceRef="gw" targetRef="e1"><bpmn:conditionExpression>=amount &gt; 1000</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="small" sourceRef="gw" targetRef="e2"><bpmn:conditionExpression>=amount &lt;= 1000</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:endEvent id="e1"/>
    <bpmn:endEvent id="e2"/>
  </bpmn:process>
</bpmn:definitions>"#;

async fn a_condition_that_is_not_boolean_is_an_incident_then_retried(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(APPROVE_THEN_ROUTE).await.unwrap();
    let id = store
        .start("route", Some("YG-TEST-0001"), Map::new())
        .await
        .unwrap();
    let task = store.user_tasks_of(&id).await.unwrap().remove(0);
    // The officer approves: the gateway cannot choose (`amount` is null). Not a failure of the
    // officer's request, an incident recorded for an administrator.
    let err = store
        .complete(
            &id,
            task.wait_id as u64,
            obj(json!({"approved": true})),
            Some("Dilnoza Karimova"),
        )
        .await
        .unwrap_err();
    let StoreError::Incident {
        id: incident_id,
        element,
        message,
    } = &err
    else {
        panic!("expected an incident, got {err:?}")
    };
    assert_eq!(element, "gw");
    assert!(
        message.contains("amount > 1000") && message.contains("null"),
        "{message}"
    );
    assert_eq!(store.status(&id).await.unwrap().0, "incident");
    // The task is out of the inbox while the incident is open.
    assert!(store.user_tasks_of(&id).await.unwrap().is_empty());
    let open = store.open_incidents(50).await.unwrap();
    assert_eq!(open.len(), 1);
    let incident = &open[0];
    assert_eq!(&incident.id, incident_id);
    assert_eq!(incident.instance_id, id);
    assert_eq!(incident.business_key.as_deref(), Some("YG-TEST-0001"));
    assert_eq!(incident.element_id, "gw");
    assert_eq!(incident.caused_by.as_deref(), Some("Dilnoza Karimova"));
    assert!(Utc::now() - incident.created_at < Duration::minutes(1));

    // Retrying without a correction raises a new incident; this one is resolved.
    let again = store
        .retry_incident(incident_id, "admin")
        .await
        .unwrap_err();
    let StoreError::Incident { id: second, .. } = again else {
        panic!("{again:?}")
    };
    assert_ne!(&second, incident_id);
    assert_eq!(store.incidents_of(&id).await.unwrap().len(), 2);

    // The administrator sets the missing variable and retries: the officer's approval goes
    // through, with the result the officer gave.
    store
        .set_variables(&id, obj(json!({"amount": 5000})), "admin")
        .await
        .unwrap();
    assert_eq!(
        store.status(&id).await.unwrap().0,
        "incident",
        "still open until retried"
    );
    store.retry_incident(&second, "admin").await.unwrap();
    assert_eq!(store.status(&id).await.unwrap().0, "completed");
    assert_eq!(store.variables(&id).await.unwrap()["approved"], json!(true));
    assert!(store.open_incidents(50).await.unwrap().is_empty());
    // A resolved incident cannot be retried twice.
    assert!(matches!(
        store.retry_incident(&second, "admin").await,
        Err(StoreError::NoIncident(_))
    ));
}

const REMINDER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="x">
  <bpmn:process id="remind" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>=reminderAfter</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"#;

async fn a_timer_expression_of_the_wrong_type_is_an_incident_not_a_timer_that_never_fires(
    f: Fresh,
) {
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(REMINDER).await.unwrap();
    // A number where a duration is expected: the token waits at the timer with an incident,
    // not at a timer that never fires.
    let bad = store
        .start("remind", Some("A"), obj(json!({"reminderAfter": 3})))
        .await
        .unwrap();
    assert_eq!(store.status(&bad).await.unwrap().0, "incident");
    let open = store.open_incidents(10).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].element_id, "wait");
    assert!(
        open[0].message.contains("timeDuration") && open[0].message.contains("3"),
        "{}",
        open[0].message
    );
    let ok = store
        .start("remind", Some("B"), obj(json!({"reminderAfter": "PT1H"})))
        .await
        .unwrap();
    let later = Utc::now() + Duration::hours(2);
    assert_eq!(store.fire_due_timers("n1", later).await.unwrap(), 1);
    assert_eq!(store.status(&ok).await.unwrap().0, "completed");
    // Retried uncorrected, it says so: a new incident, not a resolved one.
    let again = store
        .retry_incident(&open[0].id, "admin")
        .await
        .unwrap_err();
    let StoreError::Incident { id: second, .. } = again else {
        panic!("{again:?}")
    };
    assert_eq!(store.status(&bad).await.unwrap().0, "incident");
    // Corrected and retried, the timer is scheduled from now and fires when due.
    store
        .set_variables(&bad, obj(json!({"reminderAfter": "PT1H"})), "admin")
        .await
        .unwrap();
    store.retry_incident(&second, "admin").await.unwrap();
    assert_eq!(store.status(&bad).await.unwrap().0, "active");
    assert_eq!(store.fire_due_timers("n1", Utc::now()).await.unwrap(), 0);
    assert_eq!(store.fire_due_timers("n1", later).await.unwrap(), 1);
    assert_eq!(store.status(&bad).await.unwrap().0, "completed");
}

const WORK: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="x">
  <bpmn:process id="work" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="fetch"/>
    <bpmn:serviceTask id="fetch"><bpmn:extensionElements><zeebe:taskDefinition type="fetch" retries="1"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="fetch" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"#;

async fn a_job_out_of_retries_is_an_incident_that_a_retry_offers_again(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(WORK).await.unwrap();
    let id = store.start("work", Some("C"), Map::new()).await.unwrap();
    let jobs = store
        .activate_jobs("fetch", "worker-1", 10, Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    let left = store
        .fail_job(
            &id,
            jobs[0].wait_id as u64,
            "worker-1",
            "the register did not answer",
            Duration::zero(),
        )
        .await
        .unwrap();
    assert_eq!(left, 0);
    let open = store.open_incidents(10).await.unwrap();
    assert_eq!(open.len(), 1);
    assert!(open[0].message.contains("the register did not answer"));
    assert_eq!(open[0].element_id, "fetch");
    assert!(store
        .activate_jobs("fetch", "worker-1", 10, Duration::minutes(5))
        .await
        .unwrap()
        .is_empty());
    store.retry_incident(&open[0].id, "admin").await.unwrap();
    let jobs = store
        .activate_jobs("fetch", "worker-1", 10, Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1, "offered again with one retry");
    store
        .complete_job(&id, jobs[0].wait_id as u64, "worker-1", Map::new())
        .await
        .unwrap();
    assert_eq!(store.status(&id).await.unwrap().0, "completed");
}
