#!/usr/bin/env python3
"""Writes one BPMN 2.0 process model per demo service: registry/services/<code>/process.bpmn.

The files look as Camunda Modeler 5 (Camunda 8 / Zeebe flavour) saves them: `bpmn:` prefix,
`zeebe:` extensions, full diagram interchange with a left-to-right orthogonal layout, and Yagona's
own extensions (`yagona:label` in four languages on every flow node, `yagona:calendar` on the
deadline timer). Ids are bpmn.io style and deterministic: the generator is seeded from the
service code, so running it again writes the same files.

Four shapes of procedure (see SHAPES below):

* ``single``     - one review by the agency (certificates, extracts, registrations);
* ``two-level``  - the specialist's review, then the head of department's approval;
* ``parallel``   - construction-permit: the khokimiyat's architectural review, then the Ministry
                   of Construction and the Cadastre Agency in parallel, then the khokimiyat's
                   final decision;
* ``inspection`` - house-commissioning: an on-site inspection by the Ministry of Construction,
                   then registration of the house by the Cadastre Agency.

Every shape: the citizen may be asked to correct the application (and it is reviewed again), a
refusal and an approval are notified, and the statutory deadline (in working days on the holiday
calendar) escalates to the head of department without cancelling the review.

Standard library only. Usage: python3 registry/tools/make_processes.py [REGISTRY_DIR]
"""

from __future__ import annotations

import random
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

EXPORTER_VERSION = "5.23.0"
PLATFORM_VERSION = "8.5.0"

SHAPES = {
    "tax-debt-certificate": "single",
    "cadastral-extract": "single",
    "civil-certificate-duplicate": "single",
    "no-criminal-record-certificate": "single",
    "medical-certificate-086": "single",
    "residence-registration": "single",
    "self-employed-registration": "single",
    "sole-proprietor-registration": "single",
    "llc-registration": "single",
    "birth-registration": "single",
    "kindergarten-enrolment": "single",
    "first-grade-enrolment": "single",
    "unemployed-registration": "single",
    "low-income-family-benefit": "two-level",
    "birth-allowance": "two-level",
    "passport-id-card": "two-level",
    "property-rights-registration": "two-level",
    "marriage-registration": "two-level",
    "construction-permit": "parallel",
    "house-commissioning": "inspection",
}

LANGS = ("uz", "uz-Cyrl", "ru", "en")


def t(uz: str, cyrl: str, ru: str, en: str) -> dict[str, str]:
    return {"uz": uz, "uz-Cyrl": cyrl, "ru": ru, "en": en}


# Texts citizens and officers see. Uzbek Latin uses ʻ (U+02BB) for oʻ and gʻ, as the passports do.
START = t("Ariza topshirildi", "Ариза топширилди", "Заявление подано", "Application submitted")
READY = t("Koʻrib chiqishga tayyor", "Кўриб чиқишга тайёр", "Готово к рассмотрению", "Ready for review")
DECISION = t("Qaror?", "Қарор?", "Решение?", "Decision?")
HEAD = t(
    "Boʻlim boshligʻi tomonidan tasdiqlash",
    "Бўлим бошлиғи томонидан тасдиқлаш",
    "Утверждение начальником отдела",
    "Approval by the head of department",
)
RETURNED = t(
    "Tuzatish uchun qaytarildi",
    "Тузатиш учун қайтарилди",
    "Возвращено на исправление",
    "Returned for correction",
)
CORRECT = t("Arizani tuzatish", "Аризани тузатиш", "Исправить заявление", "Correct the application")
REFUSAL = t("Rad javobi", "Рад жавоби", "Отказ", "Refusal")
ISSUE = t(
    "Natija hujjatini rasmiylashtirish",
    "Натижа ҳужжатини расмийлаштириш",
    "Оформить итоговый документ",
    "Issue the result document",
)
NOTIFY = t("Arizachini xabardor qilish", "Аризачини хабардор қилиш", "Уведомить заявителя", "Notify the applicant")
APPROVED = t("Tasdiqlandi", "Тасдиқланди", "Одобрено", "Approved")
REJECTED = t("Rad etildi", "Рад этилди", "Отказано", "Rejected")
DEADLINE = t("Muddat oʻtdi", "Муддат ўтди", "Срок истёк", "Deadline passed")
ESCALATE = t(
    "Boʻlim boshligʻiga xabar berish",
    "Бўлим бошлиғига хабар бериш",
    "Сообщить начальнику отдела",
    "Escalate to the head of department",
)
ESCALATED = t("Rahbariyatga yetkazildi", "Раҳбариятга етказилди", "Передано руководству", "Escalated")
FLOW_APPROVE = t("Tasdiqlash", "Тасдиқлаш", "Одобрить", "Approve")
FLOW_REJECT = t("Rad etish", "Рад этиш", "Отказать", "Reject")
FLOW_RETURN = t("Qaytarish", "Қайтариш", "Вернуть", "Return")

# construction-permit
ARCHITECTURE = t(
    "Toshkent hokimligi tomonidan arxitektura jihatidan koʻrib chiqish",
    "Тошкент ҳокимлиги томонидан архитектура жиҳатидан кўриб чиқиш",
    "Архитектурное рассмотрение в хокимияте Ташкента",
    "Architectural review by the Tashkent Khokimiyat",
)
REQUEST_OPINIONS = t("Xulosalarni soʻrash", "Хулосаларни сўраш", "Запросить заключения", "Request the opinions")
TECHNICAL = t(
    "Qurilish vazirligi tomonidan texnik koʻrib chiqish",
    "Қурилиш вазирлиги томонидан техник кўриб чиқиш",
    "Техническое рассмотрение в Минстрое",
    "Technical review by the Ministry of Construction",
)
LAND_PLOT = t(
    "Kadastr agentligi tomonidan yer uchastkasini tekshirish",
    "Кадастр агентлиги томонидан ер участкасини текшириш",
    "Проверка земельного участка в Агентстве по кадастру",
    "Land plot check by the Cadastre Agency",
)
OPINIONS_RECEIVED = t("Ikkala xulosa olindi", "Иккала хулоса олинди", "Оба заключения получены", "Both opinions received")
FINAL = t(
    "Toshkent hokimligining yakuniy qarori",
    "Тошкент ҳокимлигининг якуний қарори",
    "Окончательное решение хокимията Ташкента",
    "Final decision by the Tashkent Khokimiyat",
)

# house-commissioning
INSPECTION = t(
    "Qurilish vazirligi tomonidan joyida koʻzdan kechirish",
    "Қурилиш вазирлиги томонидан жойида кўздан кечириш",
    "Выездная проверка Минстроя",
    "On-site inspection by the Ministry of Construction",
)
HOUSE_REGISTRATION = t(
    "Kadastr agentligi tomonidan uyni roʻyxatdan oʻtkazish",
    "Кадастр агентлиги томонидан уйни рўйхатдан ўтказиш",
    "Регистрация дома в Агентстве по кадастру",
    "Registration of the house by the Cadastre Agency",
)

# "Рассмотрение в …": the agency's short name in the prepositional case.
RU_IN_AGENCY = {
    "cadastre": "Агентстве по кадастру",
    "civil-registry": "ЗАГСе",
    "construction": "Минстрое",
    "employment": "Минзанятости",
    "health": "Минздраве",
    "interior": "МВД",
    "preschool-school-education": "Минобразования",
    "public-services-agency": "Агентстве госуслуг",
    "social-protection": "Агентстве социальной защиты",
    "tashkent-khokimiyat": "хокимияте Ташкента",
    "tax": "Налоговом комитете",
}


# Services whose applications a DMN decision (a .dmn file beside the process) assesses before
# anyone reviews them: code -> (label, decision id, result variable).
ASSESSMENTS = {
    "low-income-family-benefit": (
        t(
            "Oila aʼzosiga toʻgʻri keladigan daromadni baholash",
            "Оила аъзосига тўғри келадиган даромадни баҳолаш",
            "Оценка дохода на члена семьи",
            "Assess the income per family member",
        ),
        "income-assessment",
        "assessment",
    ),
}


def review_label(agency: str, short: dict[str, str]) -> dict[str, str]:
    ru = f"Рассмотрение в {RU_IN_AGENCY[agency]}" if agency in RU_IN_AGENCY else f"Рассмотрение: {short['ru']}"
    return t(
        f"{short['uz']} tomonidan koʻrib chiqish",
        f"{short['uz-Cyrl']} томонидан кўриб чиқиш",
        ru,
        f"Review by the {short['en']}",
    )


# ---------------------------------------------------------------------------------------------
# The model being built

SIZES = {
    "startEvent": (36, 36),
    "endEvent": (36, 36),
    "boundaryEvent": (36, 36),
    "intermediateCatchEvent": (36, 36),
    "userTask": (100, 80),
    "serviceTask": (100, 80),
    "businessRuleTask": (100, 80),
    "exclusiveGateway": (50, 50),
    "parallelGateway": (50, 50),
}

GAP = 60  # horizontal space between neighbouring columns
LEFT = 152  # x of the start event, as in a new Camunda Modeler diagram
TOP = 80  # top of the highest row


@dataclass(eq=False)
class Node:
    id: str
    kind: str
    label: dict[str, str]
    col: int = 0
    row: str = "main"
    extensions: list[str] = field(default_factory=list)
    attrs: list[tuple[str, str]] = field(default_factory=list)
    body: list[str] = field(default_factory=list)  # event definitions
    label_at: str | None = None  # where an external label goes
    host: "Node | None" = None  # for boundary events
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)
    x: int = 0
    y: int = 0

    @property
    def name(self) -> str:
        return self.label["en"]

    @property
    def w(self) -> int:
        return SIZES[self.kind][0]

    @property
    def h(self) -> int:
        return SIZES[self.kind][1]

    @property
    def cx(self) -> int:
        return self.x + self.w // 2

    @property
    def cy(self) -> int:
        return self.y + self.h // 2

    def bounds(self) -> tuple[int, int, int, int]:
        return (self.x, self.y, self.w, self.h)


@dataclass(eq=False)
class Flow:
    id: str
    source: Node
    target: Node
    route: str  # h: straight; vh: vertical then horizontal; hv: horizontal then vertical
    label: dict[str, str] | None = None
    condition: str | None = None
    points: list[tuple[int, int]] = field(default_factory=list)
    label_bounds: tuple[int, int, int, int] | None = None


def base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    s = ""
    while True:
        n, r = divmod(n, 36)
        s = digits[r] + s
        if n == 0:
            return s


def text_size(text: str) -> tuple[int, int]:
    """Roughly how bpmn-js sizes an external label: 11px Arial, wrapped at 90px."""
    char = 5.9
    lines: list[str] = []
    for word in text.split():
        if lines and (len(lines[-1]) + 1 + len(word)) * char <= 90:
            lines[-1] += " " + word
        else:
            lines.append(word)
    width = max(round(len(line) * char) for line in lines)
    height = 14 + 13 * (len(lines) - 1)
    return width, height


class Model:
    def __init__(self, code: str, name: str):
        self.code = code
        self.name = name
        self.rng = random.Random(code)
        self.used: set[str] = set()
        self.definitions_id = self.new_id("Definitions")
        self.nodes: list[Node] = []
        self.flows: list[Flow] = []
        self.tall = False  # a parallel block needs more room above and below the main row

    def new_id(self, prefix: str) -> str:
        while True:
            candidate = f"{prefix}_{base36(self.rng.getrandbits(32)).rjust(7, '0')}"
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate

    def add(self, kind: str, label: dict[str, str], col: int, row: str = "main", **kw) -> Node:
        prefix = {
            "userTask": "Activity",
            "serviceTask": "Activity",
            "businessRuleTask": "Activity",
            "exclusiveGateway": "Gateway",
            "parallelGateway": "Gateway",
        }.get(kind, "Event")
        node_id = kw.pop("id", None) or self.new_id(prefix)
        self.used.add(node_id)
        n = Node(id=node_id, kind=kind, label=label, col=col, row=row, **kw)
        self.nodes.append(n)
        return n

    def connect(self, source: Node, target: Node, route: str = "h", **kw) -> Flow:
        f = Flow(id=self.new_id("Flow"), source=source, target=target, route=route, **kw)
        source.outgoing.append(f.id)
        target.incoming.append(f.id)
        self.flows.append(f)
        return f

    # ----- building blocks

    def user_task(self, label, col, group, form, row="main", outputs=()) -> Node:
        ext = [
            f'<zeebe:assignmentDefinition candidateGroups="{group}" />',
            f'<zeebe:formDefinition formKey="{form}" />',
        ]
        if outputs:
            ext.append("<zeebe:ioMapping>")
            ext += [f'  <zeebe:output source="{s}" target="{t_}" />' for s, t_ in outputs]
            ext.append("</zeebe:ioMapping>")
        return self.add("userTask", label, col, row, extensions=ext)

    def service_task(self, label, col, job_type, row="main", template=None) -> Node:
        ext = [f'<zeebe:taskDefinition type="{job_type}" />']
        if template:
            ext += [
                "<zeebe:taskHeaders>",
                f'  <zeebe:header key="template" value="{template}" />',
                "</zeebe:taskHeaders>",
            ]
        return self.add("serviceTask", label, col, row, extensions=ext)

    def decision(self, col: int) -> Node:
        return self.add("exclusiveGateway", DECISION, col, label_at="upleft")

    def decide(self, gateway: Node, target: Node, value: str, route: str) -> Flow:
        label = {"approve": FLOW_APPROVE, "reject": FLOW_REJECT, "return": FLOW_RETURN}[value]
        return self.connect(gateway, target, route, label=label, condition=f'=decision = "{value}"')

    def deadline(self, review: Node, days: int, col: int) -> None:
        timer = self.add(
            "boundaryEvent",
            DEADLINE,
            review.col,
            label_at="boundary",
            host=review,
            attrs=[("cancelActivity", "false"), ("attachedToRef", review.id)],
        )
        timer.body = [
            f'<bpmn:timerEventDefinition id="{self.new_id("TimerEventDefinition")}" yagona:calendar="working-days">',
            f'  <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P{days}D</bpmn:timeDuration>',
            "</bpmn:timerEventDefinition>",
        ]
        escalate = self.service_task(ESCALATE, review.col, "yagona:notify", row="esc", template="overdue")
        end = self.add("endEvent", ESCALATED, col, "esc", label_at="below")
        self.connect(timer, escalate, "vh")
        self.connect(escalate, end)

    # ----- layout

    def layout(self) -> None:
        if self.tall:
            rows = {"ret": 0, "up": 130, "main": 210, "down": 290, "rej": 410, "esc": 530}
        else:
            rows = {"ret": 0, "main": 140, "rej": 270, "esc": 390}
        centre_y = {k: TOP + 40 + v for k, v in rows.items()}
        placed = [n for n in self.nodes if n.kind != "boundaryEvent"]
        widths: dict[int, int] = {}
        for n in placed:
            widths[n.col] = max(widths.get(n.col, 0), n.w)
        centre_x: dict[int, int] = {}
        x = LEFT
        for col in sorted(widths):
            centre_x[col] = x + widths[col] // 2
            x += widths[col] + GAP
        for n in placed:
            n.x = centre_x[n.col] - n.w // 2
            n.y = centre_y[n.row] - n.h // 2
        for n in self.nodes:
            if n.kind == "boundaryEvent":
                # on the bottom edge of the task, in the middle, so its flow drops straight down
                n.x = n.host.cx - n.w // 2
                n.y = n.host.y + n.host.h - n.h // 2
        for f in self.flows:
            f.points = route(f)
            f.label_bounds = flow_label(f)

    def node_label(self, n: Node) -> tuple[int, int, int, int] | None:
        if n.label_at is None:
            return None
        w, h = text_size(n.name)
        top, bottom = n.y, n.y + n.h
        if n.label_at == "below":
            return (n.cx - w // 2, bottom + 7, w, h)
        if n.label_at == "above":
            return (n.cx - w // 2, top - 7 - h, w, h)
        if n.label_at == "upleft":
            return (n.x - 1 - w, top + 6 - h, w, h)
        if n.label_at == "left":
            return (n.x - 6 - w, n.cy - h // 2, w, h)
        if n.label_at == "right":
            return (n.x + n.w + 6, n.cy - h // 2, w, h)
        if n.label_at == "boundary":
            return (n.cx + 22, n.cy + 4, w, h)
        raise ValueError(n.label_at)


def route(f: Flow) -> list[tuple[int, int]]:
    s, t_ = f.source, f.target
    s_right, s_bottom = s.x + s.w, s.y + s.h
    t_right, t_bottom = t_.x + t_.w, t_.y + t_.h
    if f.route == "h":
        assert s.cy == t_.cy, (s.id, t_.id)
        if t_.cx > s.cx:
            return [(s_right, s.cy), (t_.x, t_.cy)]
        return [(s.x, s.cy), (t_right, t_.cy)]
    if f.route == "vh":
        up = t_.cy < s.cy
        start = (s.cx, s.y if up else s_bottom)
        if s.cx == t_.cx:
            return [start, (t_.cx, t_bottom if up else t_.y)]
        end_x = t_.x if t_.cx > s.cx else t_right
        return [start, (s.cx, t_.cy), (end_x, t_.cy)]
    if f.route == "hv":
        start = (s_right if t_.cx > s.cx else s.x, s.cy)
        end = (t_.cx, t_.y if t_.cy > s.cy else t_bottom)
        return [start, (t_.cx, s.cy), end]
    raise ValueError(f.route)


def flow_label(f: Flow) -> tuple[int, int, int, int] | None:
    if f.label is None:
        return None
    w, h = text_size(f.label["en"])
    (x0, y0), (x1, y1) = f.points[0], f.points[1]
    if y0 == y1:  # leaves horizontally: the label sits above the first segment
        return (min(x0, x1) + 8, y0 - 6 - h, w, h)
    if y1 < y0:  # leaves upwards: right of the line, near the gateway
        return (x0 + 6, y0 - 4 - h, w, h)
    return (x0 + 6, y0 + 4, w, h)


# ---------------------------------------------------------------------------------------------
# The shapes of procedure


def build(model: Model, shape: str, agency: str, short: dict[str, str], days: int) -> list[Node]:
    """Adds the nodes and flows of one shape; returns the review tasks (first one first)."""
    m = model
    start = m.add("startEvent", START, 0, label_at="below", id="StartEvent_1")
    ready = m.add("exclusiveGateway", READY, 1, label_at="below")
    m.connect(start, ready)

    col = 2
    first = None
    reviews: list[Node] = []
    decisions: list[Node] = []
    previous: Node = ready
    if m.code in ASSESSMENTS:
        # Assessed again after every correction: it sits after the merge of returns.
        label, decision_id, result = ASSESSMENTS[m.code]
        assess = m.add(
            "businessRuleTask", label, col,
            extensions=[f'<zeebe:calledDecision decisionId="{decision_id}" resultVariable="{result}" />'],
        )
        m.connect(ready, assess)
        previous = assess
        col += 1

    def review(label, group, form="yagona:review") -> Node:
        nonlocal col, previous, first
        task = m.user_task(label, col, group, form)
        m.connect(previous, task)
        gateway = m.decision(col + 1)
        m.connect(task, gateway)
        reviews.append(task)
        decisions.append(gateway)
        if first is None:
            first = task
        col += 2
        previous = gateway
        return task

    if shape == "single":
        review(review_label(agency, short), agency)
    elif shape == "two-level":
        review(review_label(agency, short), agency)
        review(HEAD, agency)
    elif shape == "inspection":
        # The inspector records what they found on the site's own form (forms/site-inspection.*).
        review(INSPECTION, "construction", "site-inspection")
        review(HOUSE_REGISTRATION, "cadastre")
    elif shape == "parallel":
        m.tall = True
        review(ARCHITECTURE, agency)
        split = m.add("parallelGateway", REQUEST_OPINIONS, col, label_at="right")
        technical = m.user_task(
            TECHNICAL, col + 1, "construction", "yagona:review", row="up",
            outputs=[("=decision", "technicalDecision")],
        )
        land = m.user_task(
            LAND_PLOT, col + 1, "cadastre", "yagona:review", row="down",
            outputs=[("=decision", "cadastreDecision")],
        )
        join = m.add("parallelGateway", OPINIONS_RECEIVED, col + 2, label_at="left")
        reviews += [technical, land]
        m.decide(previous, split, "approve", "h")
        m.connect(split, technical, "vh")
        m.connect(split, land, "vh")
        m.connect(technical, join, "hv")
        m.connect(land, join, "hv")
        previous = join
        col += 3
        final = m.user_task(FINAL, col, agency, "yagona:review")
        m.connect(previous, final)
        gateway = m.decision(col + 1)
        m.connect(final, gateway)
        reviews.append(final)
        decisions.append(gateway)
        col += 2
        previous = gateway
    else:
        raise ValueError(shape)

    # Approvals between two reviews (in the two-level and inspection shapes): the flow into the
    # next review was drawn from the gateway without a condition; give it one.
    for f in m.flows:
        if any(f.source is d for d in decisions) and f.condition is None:
            f.label, f.condition = FLOW_APPROVE, '=decision = "approve"'

    # Approval of the last review: the result is issued and the applicant told.
    last = decisions[-1]
    issue = m.service_task(ISSUE, col, "yagona:issue-result")
    m.decide(last, issue, "approve", "h")
    notify_ok = m.service_task(NOTIFY, col + 1, "yagona:notify", template="approved")
    m.connect(issue, notify_ok)
    approved = m.add("endEvent", APPROVED, col + 2, label_at="below")
    m.connect(notify_ok, approved)

    # Refusal: from every decision; several are merged below the last one.
    if len(decisions) == 1:
        notify_no = m.service_task(NOTIFY, col, "yagona:notify", row="rej", template="rejected")
        m.decide(last, notify_no, "reject", "vh")
        rejected = m.add("endEvent", REJECTED, col + 1, "rej", label_at="below")
    else:
        refusal = m.add("exclusiveGateway", REFUSAL, last.col, "rej", label_at="below")
        for d in decisions:
            m.decide(d, refusal, "reject", "vh")
        notify_no = m.service_task(NOTIFY, col, "yagona:notify", row="rej", template="rejected")
        m.connect(refusal, notify_no)
        rejected = m.add("endEvent", REJECTED, col + 1, "rej", label_at="below")
    m.connect(notify_no, rejected)

    # Return for correction: the corrected application goes back before the first review.
    correct = m.user_task(CORRECT, first.col, "applicant", "yagona:correction", row="ret")
    if len(decisions) == 1:
        m.decide(decisions[0], correct, "return", "vh")
    else:
        returned = m.add("exclusiveGateway", RETURNED, decisions[0].col, "ret", label_at="above")
        for d in decisions:
            m.decide(d, returned, "return", "vh")
        m.connect(returned, correct, "h")
    m.connect(correct, ready, "hv")

    # The statutory deadline runs on the first review of the service's own agency.
    m.deadline(first, days, first.col + 1)
    return reviews


# ---------------------------------------------------------------------------------------------
# Writing


def attr(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def yagona_label(label: dict[str, str]) -> str:
    parts = " ".join(f'{lang}="{attr(label[lang])}"' for lang in LANGS)
    return f"<yagona:label {parts} />"


def write_xml(m: Model) -> str:
    out: list[str] = []
    w = out.append
    w('<?xml version="1.0" encoding="UTF-8"?>')
    w(
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
        ' xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"'
        ' xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"'
        ' xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"'
        ' xmlns:di="http://www.omg.org/spec/DD/20100524/DI"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xmlns:modeler="http://camunda.org/schema/modeler/1.0"'
        ' xmlns:yagona="https://yagona.uz/schema/bpmn"'
        f' id="{m.definitions_id}" targetNamespace="http://bpmn.io/schema/bpmn"'
        f' exporter="Camunda Modeler" exporterVersion="{EXPORTER_VERSION}"'
        f' modeler:executionPlatform="Camunda Cloud" modeler:executionPlatformVersion="{PLATFORM_VERSION}">'
    )
    w(f'  <bpmn:process id="{m.code}" name="{attr(m.name)}" isExecutable="true">')
    flows_by_source: dict[str, list[Flow]] = {}
    for f in m.flows:
        flows_by_source.setdefault(f.source.id, []).append(f)
    written: set[str] = set()
    for n in m.nodes:
        attrs = f'id="{n.id}" name="{attr(n.name)}"'
        for k, v in n.attrs:
            attrs += f' {k}="{attr(v)}"'
        w(f"    <bpmn:{n.kind} {attrs}>")
        w("      <bpmn:extensionElements>")
        for line in n.extensions:
            w(f"        {line}")
        w(f"        {yagona_label(n.label)}")
        w("      </bpmn:extensionElements>")
        for fid in n.incoming:
            w(f"      <bpmn:incoming>{fid}</bpmn:incoming>")
        for fid in n.outgoing:
            w(f"      <bpmn:outgoing>{fid}</bpmn:outgoing>")
        for line in n.body:
            w(f"      {line}")
        w(f"    </bpmn:{n.kind}>")
        for f in flows_by_source.get(n.id, []):
            write_flow(w, f)
            written.add(f.id)
    assert written == {f.id for f in m.flows}
    w("  </bpmn:process>")
    w('  <bpmndi:BPMNDiagram id="BPMNDiagram_1">')
    w(f'    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="{m.code}">')
    for n in m.nodes:
        shape_id = "_BPMNShape_StartEvent_2" if n.id == "StartEvent_1" else f"{n.id}_di"
        marker = ' isMarkerVisible="true"' if n.kind == "exclusiveGateway" else ""
        w(f'      <bpmndi:BPMNShape id="{shape_id}" bpmnElement="{n.id}"{marker}>')
        w(f'        <dc:Bounds x="{n.x}" y="{n.y}" width="{n.w}" height="{n.h}" />')
        lb = m.node_label(n)
        if lb is None:
            w("        <bpmndi:BPMNLabel />")
        else:
            w("        <bpmndi:BPMNLabel>")
            w(f'          <dc:Bounds x="{lb[0]}" y="{lb[1]}" width="{lb[2]}" height="{lb[3]}" />')
            w("        </bpmndi:BPMNLabel>")
        w("      </bpmndi:BPMNShape>")
    for f in m.flows:
        w(f'      <bpmndi:BPMNEdge id="{f.id}_di" bpmnElement="{f.id}">')
        for x, y in f.points:
            w(f'        <di:waypoint x="{x}" y="{y}" />')
        if f.label_bounds:
            lb = f.label_bounds
            w("        <bpmndi:BPMNLabel>")
            w(f'          <dc:Bounds x="{lb[0]}" y="{lb[1]}" width="{lb[2]}" height="{lb[3]}" />')
            w("        </bpmndi:BPMNLabel>")
        w("      </bpmndi:BPMNEdge>")
    w("    </bpmndi:BPMNPlane>")
    w("  </bpmndi:BPMNDiagram>")
    w("</bpmn:definitions>")
    return "\n".join(out) + "\n"


def write_flow(w, f: Flow) -> None:
    name = f' name="{attr(f.label["en"])}"' if f.label else ""
    head = f'    <bpmn:sequenceFlow id="{f.id}"{name} sourceRef="{f.source.id}" targetRef="{f.target.id}"'
    if not f.label and not f.condition:
        w(head + " />")
        return
    w(head + ">")
    if f.label:
        w("      <bpmn:extensionElements>")
        w(f"        {yagona_label(f.label)}")
        w("      </bpmn:extensionElements>")
    if f.condition:
        w(f'      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{text(f.condition)}</bpmn:conditionExpression>')
    w("    </bpmn:sequenceFlow>")


# ---------------------------------------------------------------------------------------------
# Checking the drawing: nothing overlaps, every edge is orthogonal and passes through no shape


Box = tuple[int, int, int, int]


def overlaps(a: Box, b: Box, margin: int = 0) -> bool:
    return (
        a[0] < b[0] + b[2] + margin
        and b[0] < a[0] + a[2] + margin
        and a[1] < b[1] + b[3] + margin
        and b[1] < a[1] + a[3] + margin
    )


def segment_box(p: tuple[int, int], q: tuple[int, int]) -> Box:
    return (min(p[0], q[0]), min(p[1], q[1]), abs(p[0] - q[0]) or 1, abs(p[1] - q[1]) or 1)


def check_drawing(m: Model) -> list[str]:
    problems: list[str] = []
    shapes = [(n.id, n.bounds()) for n in m.nodes]
    labels = [(f"label of {n.id}", m.node_label(n)) for n in m.nodes if m.node_label(n)]
    labels += [(f"label of {f.id}", f.label_bounds) for f in m.flows if f.label_bounds]
    boxes = shapes + labels
    for i, (a, ba) in enumerate(boxes):
        for b, bb in boxes[i + 1:]:
            host_pair = any(
                n.kind == "boundaryEvent" and {a, b} == {n.id, n.host.id} for n in m.nodes
            )
            if not host_pair and overlaps(ba, bb):
                problems.append(f"{a} overlaps {b}")
    for f in m.flows:
        for p, q in zip(f.points, f.points[1:]):
            if p[0] != q[0] and p[1] != q[1]:
                problems.append(f"{f.id} has a diagonal segment {p} -> {q}")
            seg = segment_box(p, q)
            for name, box in boxes:
                if name in (f.source.id, f.target.id) or name == f"label of {f.id}":
                    continue
                # shrink the box by one so that touching an edge is not counted
                inner = (box[0] + 1, box[1] + 1, box[2] - 2, box[3] - 2)
                if overlaps(seg, inner):
                    problems.append(f"{f.id} passes through {name}")
    return problems


# ---------------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    registry = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[1]
    agencies = {}
    for p in sorted((registry / "agencies").glob("*.toml")):
        with p.open("rb") as fh:
            a = tomllib.load(fh)
        agencies[a["code"]] = a
    failed = False
    for folder in sorted((registry / "services").iterdir()):
        passport_file = folder / "passport.toml"
        if not passport_file.is_file():
            continue
        with passport_file.open("rb") as fh:
            passport = tomllib.load(fh)
        code = passport["code"]
        shape = SHAPES.get(code)
        if shape is None:
            print(f"{code}: no shape of procedure is set for this service; skipped", file=sys.stderr)
            failed = True
            continue
        agency = passport["agency"]
        short = agencies[agency].get("short_name") or agencies[agency]["name"]
        model = Model(code, passport["name"]["en"])
        reviews = build(model, shape, agency, short, int(passport["deadline_working_days"]))
        model.layout()
        problems = check_drawing(model)
        for problem in problems:
            print(f"{code}: {problem}", file=sys.stderr)
        failed |= bool(problems)
        target = folder / "process.bpmn"
        target.write_text(write_xml(model), encoding="utf-8")
        print(f"{target.relative_to(registry.parent) if registry.is_absolute() else target}: {shape}; "
              f"reviews {', '.join(r.id for r in reviews)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
