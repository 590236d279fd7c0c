//! Durable execution on both databases: deploy, start, jobs claimed once, timers, restarts.

mod support;
use chrono::{Duration, Utc};
use serde_json::{json, Map, Value};
use support::Fresh;
use yagona_db::Db;
use yagona_workflow::feel::Feel;
use yagona_workflow::store::{Correlation, ProcessStore, StoreError};

on_both_databases!(
    a_deployed_process_runs_step_by_step_with_history,
    each_job_goes_to_exactly_one_worker,
    due_timers_fire_once_and_early_ones_wait,
    an_instance_continues_after_the_node_restarts,
    failing_jobs_retry_then_become_an_incident,
    a_call_activity_runs_the_called_process_and_takes_its_variables,
    a_message_starts_its_process_once_per_business_key,
    a_timer_start_event_starts_instances_on_its_cycle_once_each,
    a_timer_that_cannot_go_on_becomes_an_incident_and_holds_up_no_other,
    a_change_made_by_another_node_is_never_overwritten
);

const REVIEW_THEN_NOTIFY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="x">
  <bpmn:process id="review-notify" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="review"/>
    <bpmn:userTask id="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="notify"/>
    <bpmn:serviceTask id="notify"><bpmn:extensionElements><zeebe:taskDefinition type="notify"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f3" sourceRef="notify" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"#;

/// A node remembers the instances it stepped, to skip reading them back; another node (another
/// process on the same database) may have stepped one meanwhile. The next step must then be
/// done on the stored state, keeping the other node's change.
async fn a_change_made_by_another_node_is_never_overwritten(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(REVIEW_THEN_NOTIFY).await.unwrap();
    let (id, first) = store
        .start_step("review-notify", Some("YG-OTHER-NODE"), obj(json!({"x": 1})))
        .await
        .unwrap();
    let review = first.new_waits[0].id;
    // The other node's step: a variable set, the revision moved on.
    let (state, revision): (String, i64) =
        sqlx::query_as("SELECT state, revision FROM process_instances WHERE id = $1")
            .bind(&id)
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
    let mut state: Value = serde_json::from_str(&state).unwrap();
    state["variables"]["changedElsewhere"] = json!(true);
    sqlx::query("UPDATE process_instances SET state = $1, revision = $2 WHERE id = $3")
        .bind(state.to_string())
        .bind(revision + 1)
        .bind(&id)
        .execute(&f.db.writer)
        .await
        .unwrap();

    store
        .complete(
            &id,
            review,
            obj(json!({"decision": "approve"})),
            Some("officer"),
        )
        .await
        .unwrap();
    let jobs = store
        .activate_jobs("notify", "w", 1, Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].variables["changedElsewhere"], json!(true));
    assert_eq!(jobs[0].variables["decision"], json!("approve"));
    let revision_now: i64 =
        sqlx::query_scalar("SELECT revision FROM process_instances WHERE id = $1")
            .bind(&id)
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
    assert_eq!(revision_now, revision + 2);
    // The attempt on the remembered state left nothing behind: one history entry for the task.
    let history = store.history(&id).await.unwrap();
    assert_eq!(history.iter().filter(|h| h.0 == "review").count(), 1);
}

const STUCK_AFTER_TIMER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="x">
  <bpmn:process id="reminder" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw"/>
    <bpmn:sequenceFlow id="yes" sourceRef="gw" targetRef="e"><bpmn:conditionExpression>=urgent</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="no" sourceRef="gw" targetRef="e2"><bpmn:conditionExpression>=not(urgent)</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:endEvent id="e"/>
    <bpmn:endEvent id="e2"/>
  </bpmn:process>
  <bpmn:process id="nightly" isExecutable="true">
    <bpmn:startEvent id="n"><bpmn:timerEventDefinition><bpmn:timeCycle>R/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
    <bpmn:sequenceFlow id="n1" sourceRef="n" targetRef="call"/>
    <bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" processId="not-deployed"/></bpmn:extensionElements></bpmn:callActivity>
    <bpmn:sequenceFlow id="n2" sourceRef="call" targetRef="ne"/>
    <bpmn:endEvent id="ne"/>
  </bpmn:process>
</bpmn:definitions>"#;

async fn a_timer_that_cannot_go_on_becomes_an_incident_and_holds_up_no_other(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(STUCK_AFTER_TIMER).await.unwrap();
    // `urgent` is missing for the first instance: its gateway cannot choose after the timer.
    let broken = store
        .start("reminder", Some("A"), Map::new())
        .await
        .unwrap();
    let fine = store
        .start("reminder", Some("B"), obj(json!({"urgent": true})))
        .await
        .unwrap();
    let later = Utc::now() + Duration::hours(2);
    // The nightly process cannot start (its called process is missing): reported, skipped.
    assert!(matches!(
        store.fire_due_timers("n1", later).await,
        Err(StoreError::Unrunnable(m)) if m.contains("not-deployed")
    ));
    assert_eq!(
        store.status(&fine).await.unwrap().0,
        "completed",
        "the other timer fired"
    );
    assert_eq!(store.status(&broken).await.unwrap().0, "incident");
    let incident: Option<String> =
        sqlx::query_scalar("SELECT incident FROM process_instances WHERE id = $1")
            .bind(&broken)
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
    assert!(incident.unwrap().contains("gw"));
    // Nothing is retried or started again on the next round.
    assert_eq!(store.fire_due_timers("n1", later).await.unwrap(), 0);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM process_instances")
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 2);
}

const DAILY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="t">
  <bpmn:process id="overdue-report" isExecutable="true">
    <bpmn:startEvent id="hourly"><bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="hourly" targetRef="compile"/>
    <bpmn:userTask id="compile"/>
    <bpmn:sequenceFlow id="f2" sourceRef="compile" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"#;

async fn a_timer_start_event_starts_instances_on_its_cycle_once_each(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(DAILY).await.unwrap();
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM process_instances")
            .fetch_one(&f.db.pool)
            .await
            .unwrap()
    };
    let now = Utc::now();
    assert_eq!(
        store.fire_due_timers("n1", now).await.unwrap(),
        0,
        "not due yet"
    );
    // Two nodes look at the same moment: one instance starts.
    let at = now + Duration::minutes(61);
    let other = ProcessStore::new(&f.db, &Feel);
    let (a, b) = tokio::join!(
        store.fire_due_timers("n1", at),
        other.fire_due_timers("n2", at)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(count().await, 1);
    assert_eq!(store.fire_due_timers("n1", at).await.unwrap(), 0);
    for hours in [2, 3] {
        let at = now + Duration::minutes(61 * hours);
        assert_eq!(
            store.fire_due_timers("n1", at).await.unwrap(),
            1,
            "repetition {hours}"
        );
    }
    // R3: three repetitions, no more.
    assert_eq!(
        store
            .fire_due_timers("n1", now + Duration::days(2))
            .await
            .unwrap(),
        0
    );
    assert_eq!(count().await, 3);
    let history: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT element_id FROM process_events WHERE lifecycle = 'complete' ORDER BY element_id")
            .fetch_all(&f.db.pool)
            .await
            .unwrap();
    assert_eq!(history, ["hourly"]);
}

const BY_MESSAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="m">
  <bpmn:message id="Msg_Filed" name="appeal-filed"/>
  <bpmn:process id="appeal" isExecutable="true">
    <bpmn:startEvent id="byHand"/>
    <bpmn:startEvent id="filed"><bpmn:messageEventDefinition messageRef="Msg_Filed"/></bpmn:startEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="byHand" targetRef="answer"/>
    <bpmn:sequenceFlow id="f1" sourceRef="filed" targetRef="answer"/>
    <bpmn:userTask id="answer"/>
    <bpmn:sequenceFlow id="f2" sourceRef="answer" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"#;

async fn a_message_starts_its_process_once_per_business_key(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(BY_MESSAGE).await.unwrap();
    let started = store
        .correlate(
            "appeal-filed",
            "AP-0001",
            obj(json!({"channel": "open311"})),
        )
        .await
        .unwrap();
    let Correlation::Started(id) = started else {
        panic!("{started:?}")
    };
    let history: Vec<String> = store
        .history(&id)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.0)
        .collect();
    assert_eq!(history, ["filed"], "it started at the message start event");
    // The same message again (a client retrying) starts nothing new.
    assert_eq!(
        store
            .correlate("appeal-filed", "AP-0001", Map::new())
            .await
            .unwrap(),
        Correlation::AlreadyRunning(id.clone())
    );
    assert!(matches!(
        store.correlate("appeal-filed", "AP-0002", Map::new()).await.unwrap(),
        Correlation::Started(other) if other != id
    ));
    assert_eq!(
        store
            .correlate("no-such-message", "AP-0001", Map::new())
            .await
            .unwrap(),
        Correlation::Unmatched
    );
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM process_instances")
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 2);
}

const CALLS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="calls">
  <bpmn:process id="permit" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="inspection"/>
    <bpmn:callActivity id="inspection" name="Site inspection"><bpmn:extensionElements><zeebe:calledElement processId="site-inspection" propagateAllChildVariables="true"/></bpmn:extensionElements></bpmn:callActivity>
    <bpmn:sequenceFlow id="f2" sourceRef="inspection" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw"/>
    <bpmn:sequenceFlow id="ok" sourceRef="gw" targetRef="sign"><bpmn:conditionExpression>=passed</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="no" sourceRef="gw" targetRef="refused"><bpmn:conditionExpression>=not(passed)</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:userTask id="sign"/>
    <bpmn:sequenceFlow id="f3" sourceRef="sign" targetRef="e"/>
    <bpmn:endEvent id="e"/>
    <bpmn:endEvent id="refused"/>
  </bpmn:process>
  <bpmn:process id="site-inspection" isExecutable="true">
    <bpmn:startEvent id="cs"/>
    <bpmn:sequenceFlow id="c1" sourceRef="cs" targetRef="visit"/>
    <bpmn:userTask id="visit"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="construction"/></bpmn:extensionElements></bpmn:userTask>
    <bpmn:sequenceFlow id="c2" sourceRef="visit" targetRef="ce"/>
    <bpmn:endEvent id="ce"/>
  </bpmn:process>
  <bpmn:process id="quick-check" isExecutable="true">
    <bpmn:startEvent id="qs"/>
    <bpmn:sequenceFlow id="q1" sourceRef="qs" targetRef="qt"/>
    <bpmn:scriptTask id="qt"><bpmn:extensionElements><zeebe:script expression="=floors &lt;= 3" resultVariable="passed"/></bpmn:extensionElements></bpmn:scriptTask>
    <bpmn:sequenceFlow id="q2" sourceRef="qt" targetRef="qe"/>
    <bpmn:endEvent id="qe"/>
  </bpmn:process>
</bpmn:definitions>"#;

async fn a_call_activity_runs_the_called_process_and_takes_its_variables(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(CALLS).await.unwrap();
    let parent = store
        .start("permit", Some("app-1"), obj(json!({"floors": 2})))
        .await
        .unwrap();
    // The parent waits at the call activity; the called process's task is the parent's work.
    let (status, waits) = store.status(&parent).await.unwrap();
    assert_eq!(status, "active");
    assert_eq!(
        waits.iter().map(|w| w.1.as_str()).collect::<Vec<_>>(),
        ["inspection"]
    );
    let tasks = store.user_tasks_of(&parent).await.unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].element_id, "visit");
    assert_eq!(tasks[0].candidate_groups, ["construction"]);
    let child = tasks[0].instance_id.clone();
    assert_ne!(child, parent);
    let business_key: Option<String> =
        sqlx::query_scalar("SELECT business_key FROM process_instances WHERE id = $1")
            .bind(&child)
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
    assert_eq!(business_key.as_deref(), Some("app-1"));
    // Completing the child's task ends it and, in the same step, moves the parent on.
    store
        .complete(
            &child,
            tasks[0].wait_id as u64,
            obj(json!({"passed": true})),
            Some("inspector"),
        )
        .await
        .unwrap();
    assert_eq!(store.status(&child).await.unwrap().0, "completed");
    let (_, waits) = store.status(&parent).await.unwrap();
    assert_eq!(
        waits.iter().map(|w| w.1.as_str()).collect::<Vec<_>>(),
        ["sign"]
    );
    let history: Vec<String> = store
        .history(&parent)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.0)
        .collect();
    assert_eq!(history, ["s", "inspection", "gw"]);

    // A called process that ends at once returns within the parent's own first step.
    let quick = CALLS.replace(r#"processId="site-inspection""#, r#"processId="=checker""#);
    let quick = quick.replace(r#"id="permit""#, r#"id="permit-quick""#);
    store.deploy(&quick).await.unwrap();
    let p = store
        .start(
            "permit-quick",
            None,
            obj(json!({"floors": 5, "checker": "quick-check"})),
        )
        .await
        .unwrap();
    assert_eq!(store.status(&p).await.unwrap().0, "completed");
    let history: Vec<String> = store
        .history(&p)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.0)
        .collect();
    assert_eq!(history, ["s", "inspection", "gw", "refused"]);
    // A call activity naming a process that is not deployed stops the step; nothing is stored.
    let missing = CALLS
        .replace(
            r#"processId="site-inspection""#,
            r#"processId="no-such-process""#,
        )
        .replace(r#"id="permit""#, r#"id="permit-missing""#);
    store.deploy(&missing).await.unwrap();
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM process_instances")
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    assert!(matches!(
        store.start("permit-missing", None, Map::new()).await,
        Err(StoreError::NoDefinition(p)) if p == "no-such-process"
    ));
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM process_instances")
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    assert_eq!(before, after);
}

const PERMIT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
  <bpmn:message id="Msg_Paid" name="fee-paid"/>
  <bpmn:process id="construction-permit" isExecutable="true">
    <bpmn:startEvent id="submitted"/>
    <bpmn:sequenceFlow id="f1" sourceRef="submitted" targetRef="cadastre"/>
    <bpmn:serviceTask id="cadastre"><bpmn:extensionElements><zeebe:taskDefinition type="cadastre-lookup" retries="2"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="cadastre" targetRef="review"/>
    <bpmn:userTask id="review"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="tashkent-khokimiyat"/></bpmn:extensionElements></bpmn:userTask>
    <bpmn:boundaryEvent id="overdue" attachedToRef="review"><bpmn:timerEventDefinition><bpmn:timeDuration>P10D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="overdue" targetRef="escalated"/>
    <bpmn:userTask id="escalated"/>
    <bpmn:sequenceFlow id="f4" sourceRef="escalated" targetRef="paid"/>
    <bpmn:sequenceFlow id="f5" sourceRef="review" targetRef="paid"/>
    <bpmn:intermediateCatchEvent id="paid"><bpmn:messageEventDefinition messageRef="Msg_Paid"/></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f6" sourceRef="paid" targetRef="issued"/>
    <bpmn:endEvent id="issued"/>
  </bpmn:process>
</bpmn:definitions>"#;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

async fn a_deployed_process_runs_step_by_step_with_history(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    assert_eq!(
        store.deploy(PERMIT).await.unwrap(),
        vec![("construction-permit".to_owned(), 1)]
    );
    assert_eq!(
        store.deploy(PERMIT).await.unwrap(),
        vec![("construction-permit".to_owned(), 1)],
        "same file, same version"
    );
    let id = store
        .start(
            "construction-permit",
            Some("YG-7K4M-X9QA"),
            obj(json!({"cadastralNumber": "10:01:04:02:01:0123"})),
        )
        .await
        .unwrap();
    // A new version does not move the running instance.
    let changed = PERMIT.replace("P10D", "P15D");
    assert_eq!(
        store.deploy(&changed).await.unwrap(),
        vec![("construction-permit".to_owned(), 2)]
    );

    let jobs = store
        .activate_jobs("cadastre-lookup", "worker-a", 10, Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].variables["cadastralNumber"], "10:01:04:02:01:0123");
    assert_eq!(jobs[0].business_key.as_deref(), Some("YG-7K4M-X9QA"));
    assert!(matches!(
        store
            .complete_job(&id, jobs[0].wait_id as u64, "worker-b", Map::new())
            .await,
        Err(StoreError::NotYourJob)
    ));
    store
        .complete_job(
            &id,
            jobs[0].wait_id as u64,
            "worker-a",
            obj(json!({"area": 420})),
        )
        .await
        .unwrap();
    // A second completion of the same job is refused and duplicates nothing.
    assert!(store
        .complete_job(&id, jobs[0].wait_id as u64, "worker-a", Map::new())
        .await
        .is_err());

    let (status, waits) = store.status(&id).await.unwrap();
    assert_eq!(status, "active");
    let review = waits
        .iter()
        .find(|w| w.1 == "review")
        .expect("the officer's task waits")
        .0;
    assert!(waits.iter().any(|w| w.1 == "overdue" && w.2 == "timer"));
    store
        .complete(
            &id,
            review as u64,
            obj(json!({"approved": true})),
            Some("officer-tashkent-khokimiyat"),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .correlate("fee-paid", "YG-OTHER-0000", Map::new())
            .await
            .unwrap(),
        Correlation::Unmatched,
        "another application's payment does not match"
    );
    assert_eq!(
        store
            .correlate("fee-paid", "YG-7K4M-X9QA", obj(json!({"paidUzs": 412000})))
            .await
            .unwrap(),
        Correlation::Delivered(id.clone())
    );
    let (status, waits) = store.status(&id).await.unwrap();
    assert_eq!(status, "completed");
    assert!(waits.is_empty());
    let history: Vec<String> = store
        .history(&id)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.0)
        .collect();
    assert_eq!(
        history,
        ["submitted", "cadastre", "review", "paid", "issued"]
    );
}

async fn each_job_goes_to_exactly_one_worker(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(PERMIT).await.unwrap();
    for i in 0..20 {
        store
            .start("construction-permit", Some(&format!("YG-{i}")), Map::new())
            .await
            .unwrap();
    }
    // Two nodes, each with its own connections, asking at the same time.
    let second = Db::connect(&f.url).await.unwrap();
    let (a, b) = tokio::join!(
        async {
            ProcessStore::new(&f.db, &Feel)
                .activate_jobs("cadastre-lookup", "node-a", 15, Duration::minutes(5))
                .await
                .unwrap()
        },
        async {
            ProcessStore::new(&second, &Feel)
                .activate_jobs("cadastre-lookup", "node-b", 15, Duration::minutes(5))
                .await
                .unwrap()
        },
    );
    let mut all: Vec<(String, i64)> = a
        .iter()
        .chain(b.iter())
        .map(|j| (j.instance_id.clone(), j.wait_id))
        .collect();
    let total = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), total, "no job was handed out twice");
    assert_eq!(total, 20, "and every job was handed out");
    assert!(
        store
            .activate_jobs("cadastre-lookup", "node-c", 10, Duration::minutes(5))
            .await
            .unwrap()
            .is_empty(),
        "locked jobs are not offered again"
    );
}

async fn due_timers_fire_once_and_early_ones_wait(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(PERMIT).await.unwrap();
    let id = store
        .start("construction-permit", Some("YG-T"), Map::new())
        .await
        .unwrap();
    let job = store
        .activate_jobs("cadastre-lookup", "w", 1, Duration::minutes(5))
        .await
        .unwrap()
        .remove(0);
    store
        .complete_job(&id, job.wait_id as u64, "w", Map::new())
        .await
        .unwrap();
    assert_eq!(
        store
            .fire_due_timers("node-a", Utc::now() + Duration::days(9))
            .await
            .unwrap(),
        0,
        "not yet due"
    );
    let later = Utc::now() + Duration::days(11);
    let (a, b) = tokio::join!(
        store.fire_due_timers("node-a", later),
        store.fire_due_timers("node-b", later)
    );
    assert_eq!(
        a.unwrap() + b.unwrap(),
        1,
        "the overdue timer fired exactly once"
    );
    let (_, waits) = store.status(&id).await.unwrap();
    assert!(waits.iter().any(|w| w.1 == "escalated"), "{waits:?}");
    assert!(
        !waits.iter().any(|w| w.1 == "review"),
        "the interrupted task is gone"
    );
}

async fn an_instance_continues_after_the_node_restarts(f: Fresh) {
    let id = {
        let store = ProcessStore::new(&f.db, &Feel);
        store.deploy(PERMIT).await.unwrap();
        let id = store
            .start("construction-permit", Some("YG-R"), Map::new())
            .await
            .unwrap();
        let job = store
            .activate_jobs("cadastre-lookup", "w", 1, Duration::minutes(5))
            .await
            .unwrap()
            .remove(0);
        store
            .complete_job(&id, job.wait_id as u64, "w", Map::new())
            .await
            .unwrap();
        id
    };
    f.db.pool.close().await;
    f.db.writer.close().await;
    // A new process on the same database picks up where the old one stopped.
    let db = Db::connect(&f.url).await.unwrap();
    let store = ProcessStore::new(&db, &Feel);
    let (status, waits) = store.status(&id).await.unwrap();
    assert_eq!(status, "active");
    let review = waits.iter().find(|w| w.1 == "review").unwrap().0;
    store
        .complete(&id, review as u64, Map::new(), None)
        .await
        .unwrap();
    assert!(matches!(
        store
            .correlate("fee-paid", "YG-R", Map::new())
            .await
            .unwrap(),
        Correlation::Delivered(_)
    ));
    assert_eq!(store.status(&id).await.unwrap().0, "completed");
    assert_eq!(
        store.history(&id).await.unwrap().len(),
        5,
        "no step lost or repeated across the restart"
    );
}

async fn failing_jobs_retry_then_become_an_incident(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(PERMIT).await.unwrap();
    let id = store
        .start("construction-permit", Some("YG-F"), Map::new())
        .await
        .unwrap();
    let job = store
        .activate_jobs("cadastre-lookup", "w", 1, Duration::minutes(5))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(job.retries, 2, "retries come from the model");
    let left = store
        .fail_job(
            &id,
            job.wait_id as u64,
            "w",
            "cadastre register timed out",
            Duration::zero(),
        )
        .await
        .unwrap();
    assert_eq!(left, 1);
    let again = store
        .activate_jobs("cadastre-lookup", "w", 1, Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(again.len(), 1, "offered again after the back-off");
    let left = store
        .fail_job(
            &id,
            job.wait_id as u64,
            "w",
            "cadastre register timed out",
            Duration::zero(),
        )
        .await
        .unwrap();
    assert_eq!(left, 0);
    assert_eq!(store.status(&id).await.unwrap().0, "incident");
    assert!(
        store
            .activate_jobs("cadastre-lookup", "w", 1, Duration::minutes(5))
            .await
            .unwrap()
            .is_empty(),
        "no retries left: not offered"
    );
}

#[test]
fn a_cycle_with_a_start_fires_at_its_next_repetition() {
    use yagona_workflow::engine::WaitKind;
    let cycle = |c: &str| WaitKind::Timer {
        date: None,
        duration: None,
        cycle: Some(c.into()),
        working_days: false,
    };
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&Utc)
    };
    let due = |c: &str, now: &str| {
        yagona_workflow::store::timer_due(&cycle(c), at(now), &Map::new(), &Feel, None)
    };
    // Every morning at 09:00 Tashkent (04:00 UTC) from 4 January 2027.
    let daily = "R/2027-01-04T04:00:00Z/P1D";
    assert_eq!(
        due(daily, "2026-12-31T12:00:00Z"),
        Some(at("2027-01-04T04:00:00Z"))
    );
    assert_eq!(
        due(daily, "2027-01-10T03:59:00Z"),
        Some(at("2027-01-10T04:00:00Z"))
    );
    assert_eq!(
        due(daily, "2027-01-10T04:00:00Z"),
        Some(at("2027-01-11T04:00:00Z"))
    );
    // Without a start, a period from now.
    assert_eq!(
        due("R3/PT1H", "2027-01-10T04:00:00Z"),
        Some(at("2027-01-10T05:00:00Z"))
    );
}
