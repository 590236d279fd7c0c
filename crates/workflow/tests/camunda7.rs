//! A Camunda 7 model runs unchanged: the invoice approval as Camunda 7's own example draws it,
//! with external tasks, candidate groups, form keys, input/output parameters and JUEL; what
//! cannot run here is refused with the element and the reason.

use serde_json::{json, Map, Value};
use yagona_workflow::engine::{Instance, WaitKind};
use yagona_workflow::feel::Feel;
use yagona_workflow::{check, read};

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

const INVOICE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="invoice" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="invoice-approval" isExecutable="true" camunda:historyTimeToLive="P180D">
    <bpmn:startEvent id="received" camunda:formKey="embedded:app:forms/start-form.html"/>
    <bpmn:sequenceFlow id="f1" sourceRef="received" targetRef="assign"/>
    <bpmn:serviceTask id="assign" name="Assign approver" camunda:type="external" camunda:topic="assign-approver">
      <bpmn:extensionElements>
        <camunda:inputOutput>
          <camunda:inputParameter name="creditor">${invoice.creditor}</camunda:inputParameter>
          <camunda:inputParameter name="office">Tashkent</camunda:inputParameter>
        </camunda:inputOutput>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="assign" targetRef="approve"/>
    <bpmn:userTask id="approve" name="Approve invoice" camunda:formKey="embedded:app:forms/approve-invoice.html" camunda:candidateGroups="accounting" camunda:dueDate="${dueDate}"/>
    <bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="approved"/>
    <bpmn:exclusiveGateway id="approved" name="Invoice approved?"/>
    <bpmn:sequenceFlow id="yes" sourceRef="approved" targetRef="prepare">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${approved &amp;&amp; amount le 5000000}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="no" sourceRef="approved" targetRef="rejected">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${!approved || amount gt 5000000}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:userTask id="prepare" name="Prepare bank transfer" camunda:candidateGroups="${department}"/>
    <bpmn:sequenceFlow id="f4" sourceRef="prepare" targetRef="paid"/>
    <bpmn:endEvent id="paid"/>
    <bpmn:endEvent id="rejected"/>
  </bpmn:process>
</bpmn:definitions>"#;

#[test]
fn the_camunda_7_invoice_process_runs_unchanged() {
    let defs = read(INVOICE).unwrap();
    let findings: Vec<_> = check(&defs).into_iter().filter(|f| f.blocks()).collect();
    assert!(findings.is_empty(), "{findings:?}");
    let all = defs.processes[0].scope.walk();
    let assign = all.iter().find(|e| e.id == "assign").unwrap();
    assert_eq!(assign.zeebe.task_type.as_deref(), Some("assign-approver"));
    let approve = all.iter().find(|e| e.id == "approve").unwrap();
    assert_eq!(
        approve.zeebe.candidate_groups.as_deref(),
        Some("accounting")
    );
    assert_eq!(
        approve.zeebe.form_key.as_deref(),
        Some("embedded:app:forms/approve-invoice.html")
    );

    let vars = obj(
        json!({"invoice": {"creditor": "Toshkent Suv"}, "amount": 1200000, "department": "treasury"}),
    );
    let (mut i, _) = Instance::start(&defs, None, vars, &Feel).unwrap();
    // The external task is a job of its topic, with its input parameters.
    let job = i
        .waits
        .iter()
        .find(|w| matches!(w.what, WaitKind::Job { .. }))
        .unwrap()
        .clone();
    assert_eq!(
        job.what,
        WaitKind::Job {
            job_type: Some("assign-approver".into())
        }
    );
    assert_eq!(job.inputs["creditor"], json!("Toshkent Suv"));
    assert_eq!(job.inputs["office"], json!("Tashkent"));
    i.complete(&defs, job.id, Map::new(), &Feel).unwrap();
    let task = i.waits.iter().find(|w| w.element == "approve").unwrap().id;
    let step = i
        .complete(&defs, task, obj(json!({"approved": true})), &Feel)
        .unwrap();
    assert!(step.completed.iter().any(|c| c.id == "approved"));
    assert!(
        i.waits.iter().any(|w| w.element == "prepare"),
        "approved and within the limit"
    );

    // Rejected: the other branch, by the translated JUEL.
    let vars = obj(json!({"invoice": {"creditor": "X"}, "amount": 9000000}));
    let (mut i, _) = Instance::start(&defs, None, vars, &Feel).unwrap();
    let job = i.waits[0].id;
    i.complete(&defs, job, Map::new(), &Feel).unwrap();
    let task = i.waits.iter().find(|w| w.element == "approve").unwrap().id;
    i.complete(&defs, task, obj(json!({"approved": true})), &Feel)
        .unwrap();
    assert!(i.ended, "over the limit: rejected");
}

#[test]
fn what_camunda_7_runs_in_java_is_refused_with_the_reason() {
    let model = INVOICE
        .replace(
            r#"camunda:type="external" camunda:topic="assign-approver""#,
            r#"camunda:class="org.camunda.bpm.example.invoice.service.ArchiveInvoiceService""#,
        )
        .replace(
            "${approved &amp;&amp; amount le 5000000}",
            "${execution.getVariable('approved')}",
        )
        .replace(
            r#"<bpmn:userTask id="prepare" name="Prepare bank transfer" camunda:candidateGroups="${department}"/>"#,
            r#"<bpmn:userTask id="prepare" name="Prepare bank transfer"><bpmn:extensionElements><camunda:taskListener class="x.Notify" event="create"/></bpmn:extensionElements></bpmn:userTask>"#,
        );
    let defs = read(&model).unwrap();
    let refused: Vec<String> = check(&defs)
        .into_iter()
        .filter(|f| f.blocks())
        .map(|f| f.to_string())
        .collect();
    assert!(
        refused
            .iter()
            .any(|f| f.contains("assign (serviceTask): camunda:class runs Java code")),
        "{refused:?}"
    );
    assert!(
        refused
            .iter()
            .any(|f| f.contains("yes (sequenceFlow): conditionExpression")
                && f.contains("engine's own object")),
        "{refused:?}"
    );
    assert!(
        refused
            .iter()
            .any(|f| f.contains("prepare (userTask): camunda:taskListener")),
        "{refused:?}"
    );
}
